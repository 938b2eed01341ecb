package journey

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/docker-zarf/docker-zarf/manifest"
	"github.com/docker-zarf/docker-zarf/registry"
)

// The OCI Distribution API has no compare-and-swap on a tag, so two
// publishes of one package for different architectures race on the
// index's read-modify-write. Each publish reads the tag back after its
// PUT, at once and again after a settle pause longer than its own
// read-and-write took: a writer that read the tag before this PUT writes
// within about that time. An entry this publish saw or added that is gone
// means another publish wrote over it, so it merges again from what is
// there now. The jittered pauses keep two losers from rewriting in step.
const (
	indexAttempts  = 8
	indexPauseBase = 50 * time.Millisecond
	minSettle      = 100 * time.Millisecond
	maxSettle      = 5 * time.Second
)

// ErrIndexLost is returned when a tag's index kept losing entries to
// concurrent writers after every attempt.
var ErrIndexLost = errors.New("the tag's index kept changing under concurrent publishes")

// tagIndex points ref at an OCI index that holds d beside the entries the
// tag already had (one per architecture). A registry that rejects image
// indexes gets the manifest tagged directly instead, which Zarf resolves
// too; the user is told, since other architectures then lose the tag.
func tagIndex(ctx context.Context, c *registry.Client, ref name.Tag, d v1.Descriptor, manifestBytes []byte, warn func(string, ...any)) (tagged, error) {
	for attempt := 0; attempt < indexAttempts; attempt++ {
		if attempt > 0 {
			if err := pause(ctx, attempt); err != nil {
				return tagged{}, err
			}
		}
		t, done, err := putIndexOnce(ctx, c, ref, d)
		switch {
		case err == nil && done:
			return t, nil
		case indexRejected(err):
			warn("%s does not accept OCI image indexes (%v); tagging the %s manifest directly",
				ref.RegistryStr(), err, d.Platform.Architecture)
			if err := c.PutManifest(ctx, ref, string(types.OCIManifestSchema1), manifestBytes); err != nil {
				return tagged{}, fmt.Errorf("tagging the manifest %s: %w", ref, err)
			}
			return tagged{}, nil
		case err != nil:
			return tagged{}, err
		}
	}
	return tagged{}, fmt.Errorf("pushing the index %s: %w after %d attempts; publish again", ref, ErrIndexLost, indexAttempts)
}

// tagged is what tagIndex did: the index now under the tag, and the
// manifest it replaced for the same architecture, if another.
type tagged struct {
	index    v1.Hash // zero when the registry took no index
	replaced v1.Hash // zero when the architecture was new or unchanged
}

// putIndexOnce merges d into the tag's index, pushes it and reads the tag
// back. It reports whether every entry it saw or added is still there.
func putIndexOnce(ctx context.Context, c *registry.Client, ref name.Tag, d v1.Descriptor) (tagged, bool, error) {
	start := time.Now()
	existing, err := existingIndex(ctx, c, ref)
	if err != nil {
		return tagged{}, false, err
	}
	idx, err := manifest.MergeIndex(existing, d)
	if err != nil {
		return tagged{}, false, fmt.Errorf("updating the index of %s: %w", ref, err)
	}
	t := tagged{replaced: replacedEntry(existing, d)}
	if err := c.PutManifest(ctx, ref, string(types.OCIImageIndex), idx); err != nil {
		if indexRejected(err) {
			return tagged{}, false, err
		}
		return tagged{}, false, fmt.Errorf("pushing the index %s: %w", ref, err)
	}
	// A writer that read the tag before this PUT overwrites it within
	// about one read-and-write; look again after longer than that.
	took := time.Since(start)
	settle := min(max(2*took+rand.N(took+1), minSettle), maxSettle)
	for _, wait := range []time.Duration{0, settle} {
		if err := sleep(ctx, wait); err != nil {
			return tagged{}, false, err
		}
		now, err := existingIndex(ctx, c, ref)
		if err != nil {
			return tagged{}, false, err
		}
		if !holdsAll(now, idx) {
			return tagged{}, false, nil
		}
		// The tag's digest as read last: another publish may have added
		// its architecture since this one's PUT.
		t.index, _, _ = v1.SHA256(bytes.NewReader(now))
	}
	return t, true, nil
}

// replacedEntry is the digest of the manifest that existing held for d's
// platform, when it differs from d's.
func replacedEntry(existing []byte, d v1.Descriptor) v1.Hash {
	idx, err := manifest.ParseIndex(existing)
	if err != nil || d.Platform == nil {
		return v1.Hash{}
	}
	for _, e := range idx.Manifests {
		if e.Platform != nil && e.Platform.OS == d.Platform.OS && e.Platform.Architecture == d.Platform.Architecture && e.Digest != d.Digest {
			return e.Digest
		}
	}
	return v1.Hash{}
}

// holdsAll tells whether index got holds every manifest of index want.
func holdsAll(got, want []byte) bool {
	w, err := manifest.ParseIndex(want)
	if err != nil {
		return false
	}
	g, err := manifest.ParseIndex(got)
	if err != nil {
		return false
	}
	have := map[v1.Hash]bool{}
	for _, m := range g.Manifests {
		have[m.Digest] = true
	}
	for _, m := range w.Manifests {
		if !have[m.Digest] {
			return false
		}
	}
	return true
}

func pause(ctx context.Context, attempt int) error {
	d := indexPauseBase << min(attempt, 4)
	return sleep(ctx, d/2+rand.N(d))
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// existingIndex returns the index the tag points at, or nil when the tag is
// new or points at a single manifest (older Zarf tags), which the new index
// replaces.
func existingIndex(ctx context.Context, c *registry.Client, ref name.Tag) ([]byte, error) {
	desc, body, err := c.Resolve(ctx, ref)
	switch {
	case errors.Is(err, registry.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("reading the tag %s: %w", ref, err)
	case desc.MediaType == types.OCIImageIndex || desc.MediaType == types.DockerManifestList:
		return body, nil
	}
	return nil, nil
}

// indexRejected tells a registry that refuses the index media type (415,
// or 400 with an OCI error code that says so) from other failures. A bare
// 400 is not that: a proxy or a malformed request says 400 too, and
// tagging the lone manifest would drop every other architecture.
func indexRejected(err error) bool {
	var rerr *registry.Error
	if !errors.As(err, &rerr) {
		return false
	}
	return rerr.StatusCode == http.StatusUnsupportedMediaType ||
		(rerr.StatusCode == http.StatusBadRequest && (rerr.HasCode(transport.ManifestInvalidErrorCode) || rerr.HasCode(transport.UnsupportedErrorCode)))
}
