package registry

import (
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// schemePrefix marks an OCI reference on the command line, as in Zarf.
const schemePrefix = "oci://"

// ParseReference parses "oci://REGISTRY/REPO:TAG" or
// "oci://REGISTRY/REPO@sha256:...". The registry must be explicit and the
// tag or digest present; names are validated strictly (lowercase
// repository, legal tag characters).
func ParseReference(s string) (name.Reference, error) {
	rest, err := stripScheme(s)
	if err != nil {
		return nil, err
	}
	ref, err := name.ParseReference(rest, name.StrictValidation)
	if err != nil {
		return nil, fmt.Errorf("invalid reference %q: %w", s, err)
	}
	return ref, nil
}

// ParseRepository parses "oci://REGISTRY/NAMESPACE" (a publish target): an
// explicit registry and a repository path, no tag or digest. One trailing
// slash is allowed.
func ParseRepository(s string) (name.Repository, error) {
	rest, err := stripScheme(s)
	if err != nil {
		return name.Repository{}, err
	}
	repo, err := name.NewRepository(strings.TrimSuffix(rest, "/"), name.StrictValidation)
	if err != nil {
		return name.Repository{}, fmt.Errorf("invalid repository %q: %w", s, err)
	}
	return repo, nil
}

func stripScheme(s string) (string, error) {
	rest, ok := strings.CutPrefix(s, schemePrefix)
	if !ok {
		return "", fmt.Errorf("invalid reference %q: must start with %s", s, schemePrefix)
	}
	return rest, nil
}
