package journey

import (
	"context"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/docker-zarf/docker-zarf/signature"
)

// A pull reads zarf.yaml, checksums.txt and the signature in one round
// before it downloads anything else. When those reads cannot change what
// is downloaded, the request slots they leave free in that round start
// the first downloads: a round trip less before the last one, which on a
// far registry and a package of many small files is what a pull costs.
// What arrives is verified against its digest as always and lands only in
// the store; a check that then fails ends the pull as before, and writes
// nothing at the output.

// earlyStart is the downloads startEarly began.
type earlyStart struct {
	g      errgroup.Group
	cancel context.CancelFunc
	begun  map[string]bool // digests being downloaded
}

// canStartEarly tells whether the metadata reads can change nothing about
// the downloads: every layer is wanted (no --components), and the
// signature check cannot stop the pull or print anything (not looked at,
// or no key, not required and no signature in the package).
func canStartEarly(o PullOptions, rp *remotePackage) bool {
	if len(o.Components) > 0 {
		return false
	}
	if o.Verify.Policy == signature.Never {
		return true
	}
	if o.Verify.Key != nil || o.Verify.Policy == signature.Always {
		return false
	}
	for _, f := range o.Verify.files() {
		if _, signed := rp.layer(f); signed {
			return false
		}
	}
	return true
}

// startEarly begins up to n downloads, in archive order, of blobs that
// neither stream nor are among the metadata being read (skip). The
// returned stop cancels them and waits for them to end, for a pull that
// fails before its pipeline runs: the store must not be written after it
// is cleaned up.
func (p *pipeline) startEarly(ctx context.Context, n int, skip []string) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	e := &earlyStart{cancel: cancel, begun: map[string]bool{}}
	p.early = e
	for _, l := range p.layers {
		if n <= 0 {
			break
		}
		if e.begun[l.Digest] || p.streamed[l.Digest] || slices.Contains(skip, l.Title) {
			continue
		}
		e.begun[l.Digest] = true
		n--
		e.g.Go(func() error { return p.fetchOne(ctx, l) })
	}
	return func() {
		cancel()
		_ = e.g.Wait() // the pull already fails with its own error
	}
}
