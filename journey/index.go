package journey

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/docker-zarf/docker-zarf/manifest"
	"github.com/docker-zarf/docker-zarf/registry"
)

// tagIndex points ref at an OCI index that holds d beside the entries the
// tag already had (one per architecture). A registry that rejects image
// indexes gets the manifest tagged directly instead, which Zarf resolves
// too; the user is told, since other architectures then lose the tag.
func tagIndex(ctx context.Context, c *registry.Client, ref name.Tag, d v1.Descriptor, manifestBytes []byte, warn func(string, ...any)) error {
	existing, err := existingIndex(ctx, c, ref)
	if err != nil {
		return err
	}
	idx, err := manifest.MergeIndex(existing, d)
	if err != nil {
		return fmt.Errorf("updating the index of %s: %w", ref, err)
	}
	err = c.PutManifest(ctx, ref, string(types.OCIImageIndex), idx)
	if err == nil {
		return nil
	}
	if !indexRejected(err) {
		return fmt.Errorf("pushing the index %s: %w", ref, err)
	}
	warn("%s does not accept OCI image indexes (%v); tagging the %s manifest directly",
		ref.RegistryStr(), err, d.Platform.Architecture)
	if err := c.PutManifest(ctx, ref, string(types.OCIManifestSchema1), manifestBytes); err != nil {
		return fmt.Errorf("tagging the manifest %s: %w", ref, err)
	}
	return nil
}

// existingIndex returns the index the tag points at, or nil when the tag is
// new or points at a single manifest (older Zarf tags), which the new index
// replaces.
func existingIndex(ctx context.Context, c *registry.Client, ref name.Tag) ([]byte, error) {
	desc, body, err := c.Resolve(ctx, ref)
	var rerr *registry.Error
	switch {
	case errors.As(err, &rerr) && rerr.StatusCode == http.StatusNotFound:
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("reading the tag %s: %w", ref, err)
	case desc.MediaType == types.OCIImageIndex || desc.MediaType == types.DockerManifestList:
		return body, nil
	}
	return nil, nil
}

// indexRejected tells a registry that refuses the index media type (400 or
// 415) from other failures.
func indexRejected(err error) bool {
	var rerr *registry.Error
	if !errors.As(err, &rerr) {
		return false
	}
	return rerr.StatusCode == http.StatusUnsupportedMediaType ||
		(rerr.StatusCode == http.StatusBadRequest && (rerr.Code == "MANIFEST_INVALID" || rerr.Code == "UNSUPPORTED" || rerr.Code == ""))
}
