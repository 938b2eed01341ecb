package plugin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/registry"
)

const ociScheme = "oci://"

func parseRepository(s string) (name.Repository, error) {
	repo, err := registry.ParseRepository(s)
	if err != nil {
		return name.Repository{}, usageErrorf("%v", err)
	}
	return repo, nil
}

func parseReference(s string) (name.Reference, error) {
	ref, err := registry.ParseReference(s)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	return ref, nil
}

func openPackage(ctx context.Context, path string) (*layout.Package, error) {
	pkg, err := layout.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	return pkg, nil
}

func sha256Hash(b []byte) v1.Hash {
	sum := sha256.Sum256(b)
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
}

func (o *outputOptions) validate(formats ...string) error {
	if !slices.Contains(formats, o.format) {
		return usageErrorf("-o %q is not one of %s", o.format, strings.Join(formats, ", "))
	}
	return nil
}

// print writes v as indented JSON for -o json, the text line otherwise, and
// nothing with --quiet.
func (o *outputOptions) print(w io.Writer, v any, format string, args ...any) error {
	switch {
	case o.format == "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case o.quiet:
		return nil
	}
	_, err := fmt.Fprintf(w, format, args...)
	return err
}
