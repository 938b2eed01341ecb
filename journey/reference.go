package journey

import (
	"errors"
	"fmt"
	"strings"

	"github.com/distribution/reference"
	"github.com/google/go-containerregistry/pkg/name"
)

// Scheme marks an OCI reference on the command line, as in Zarf.
const Scheme = "oci://"

// ErrHasIdentifier is returned by ParseRepository for a reference that
// carries a tag or digest where a repository was wanted. Each command words
// the remedy its own way (publish: --tag; ls: drop the tag).
var ErrHasIdentifier = errors.New("a repository takes no tag or digest")

// IsReference tells an oci:// argument from a path on disk.
func IsReference(s string) bool { return strings.HasPrefix(s, Scheme) }

// ParseReference parses "oci://REGISTRY/REPO:TAG" or
// "oci://REGISTRY/REPO@sha256:...". The registry must be explicit and the
// tag or digest present; names are validated strictly (lowercase
// repository, legal tag characters).
func ParseReference(s string) (name.Reference, error) {
	rest, err := stripScheme(s)
	if err != nil {
		return nil, err
	}
	if err := checkGrammar(s, rest, true); err != nil {
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
	rest = strings.TrimSuffix(rest, "/")
	if err := checkGrammar(s, rest, false); err != nil {
		return name.Repository{}, err
	}
	repo, err := name.NewRepository(rest, name.StrictValidation)
	if err != nil {
		return name.Repository{}, fmt.Errorf("invalid repository %q: %w", s, err)
	}
	return repo, nil
}

// checkGrammar holds a reference to the distribution grammar, which is
// stricter than go-containerregistry's character checks (it refuses empty
// path components such as "host//x"), and requires an explicit registry:
// Zarf never falls back to Docker Hub for an oci:// reference. A reference
// (wantID) must carry a tag or digest; a repository must not.
func checkGrammar(s, rest string, wantID bool) error {
	r, err := reference.Parse(rest)
	if err != nil {
		return fmt.Errorf("invalid reference %q: %w", s, err)
	}
	named, ok := r.(reference.Named)
	if !ok || reference.Domain(named) == "" || !strings.Contains(named.Name(), "/") {
		return fmt.Errorf("invalid reference %q: name a registry and a repository, as in oci://registry.example.com/team/demo", s)
	}
	_, tagged := r.(reference.Tagged)
	_, digested := r.(reference.Digested)
	switch {
	case wantID && !tagged && !digested:
		return fmt.Errorf("invalid reference %q: add a tag or digest, as in %s:1.0.0", s, s)
	case !wantID && (tagged || digested):
		return fmt.Errorf("invalid repository %q: %w", s, ErrHasIdentifier)
	}
	return nil
}

func stripScheme(s string) (string, error) {
	rest, ok := strings.CutPrefix(s, Scheme)
	if !ok {
		return "", fmt.Errorf("invalid reference %q: must start with %s", s, Scheme)
	}
	return rest, nil
}
