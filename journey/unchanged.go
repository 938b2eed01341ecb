package journey

import (
	"context"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/errgroup"

	"github.com/docker-zarf/docker-zarf/manifest"
	"github.com/docker-zarf/docker-zarf/registry"
)

// remote is what the registry already holds of a manifest about to be
// published. Asking costs two requests, sent together, where a republish of
// an unchanged package used to cost a HEAD per file, a config upload and
// the index read-modify-write.
type remote struct {
	// manifest: the repository holds the manifest, so every blob it
	// names too (a registry refuses a manifest whose blobs are missing).
	manifest bool
	// listed: the tag already points at it for its platform, in an index
	// (whose digest is index) or directly.
	listed bool
	index  v1.Hash
}

// tagged tells a publish that would change nothing.
func (r remote) tagged() bool { return r.manifest && r.listed }

// remoteState asks for the manifest d by digest (HEAD) and reads the tag
// ref. Any failure
// reads as "not there": the full publish that follows meets it again and
// reports it in its own words.
func remoteState(ctx context.Context, c *registry.Client, ref name.Tag, d v1.Descriptor, limit int) remote {
	var r remote
	var g errgroup.Group
	g.SetLimit(min(limit, 2))
	g.Go(func() error {
		ok, err := c.ManifestExists(ctx, ref.Context().Digest(d.Digest.String()))
		r.manifest = ok && err == nil
		return nil
	})
	g.Go(func() error {
		desc, body, err := c.Resolve(ctx, ref)
		if err == nil {
			r.listed, r.index = lists(desc, body, d)
		}
		return nil
	})
	_ = g.Wait() // the functions return no errors
	return r
}

// lists tells whether the tag's target (desc, body) points at d for d's
// platform, and returns the index digest when the tag holds an index.
func lists(desc v1.Descriptor, body []byte, d v1.Descriptor) (bool, v1.Hash) {
	switch desc.MediaType {
	case types.OCIImageIndex, types.DockerManifestList:
		if d.Platform == nil {
			return false, v1.Hash{}
		}
		e, err := manifest.SelectPlatform(body, d.Platform.Architecture)
		if err != nil || e.Digest != d.Digest || d.Platform.OS != manifest.PlatformOS {
			return false, v1.Hash{}
		}
		return true, desc.Digest
	}
	// A registry that takes no index has the manifest tagged directly.
	return desc.Digest == d.Digest, v1.Hash{}
}
