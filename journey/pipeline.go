package journey

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/manifest"
	"github.com/docker-zarf/docker-zarf/progress"
	"github.com/docker-zarf/docker-zarf/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/klauspost/readahead"
)

// StreamMin is the size from which a blob bound for an archive streams
// from the registry straight into it as the writer reaches it, instead of
// being downloaded first and read back: with no cache it skips the scratch
// file, with the cache it fills the cache on the way (blobStore.tee), so
// that compression runs during the download. Writing a GiB twice cost
// about as much as compressing it on the machine this was measured on
// (make bench: pull to .tar.zst); small blobs still download ahead, in
// parallel, so that many of them cost few round trips.
const StreamMin = 32 << 20

// pipeline downloads a pull's layers and writes the package at once: the
// writer takes each file, in archive order, as soon as it is there.
type pipeline struct {
	c       *registry.Client
	rp      *remotePackage
	st      *blobStore
	layers  []manifest.Layer // in archive order
	format  layout.Format
	tr      progress.Tracker
	blobs   blobStates
	fetched atomic.Int64 // bytes taken from the network
	// streamed are the digests of the blobs that stream into the archive
	// as the writer reaches them, decided once before anything starts.
	streamed map[string]bool
	// slots bound the requests in flight, downloads and streams together,
	// to the pull's concurrency.
	slots chan struct{}
	early *earlyStart // nil unless startEarly ran
}

// newPipeline plans the pull of layers. Whether a blob streams depends on
// format only as far as a directory or an archive goes, so startEarly may
// run before zarf.yaml has said whether the archive is compressed.
func newPipeline(c *registry.Client, rp *remotePackage, st *blobStore, layers []manifest.Layer, format layout.Format, tr progress.Tracker, concurrency int) *pipeline {
	sort.Slice(layers, func(i, j int) bool { return layers[i].Title < layers[j].Title })
	p := &pipeline{c: c, rp: rp, st: st, layers: layers, format: format, tr: tr, blobs: newBlobStates(layers),
		streamed: map[string]bool{}, slots: make(chan struct{}, concurrency)}
	for _, l := range layers {
		p.streamed[l.Digest] = p.streams(l)
	}
	return p
}

// run writes dst and returns the bytes taken from the network.
func (p *pipeline) run(ctx context.Context, dst string) (int64, error) {
	p.tr.SetTotal(p.total())
	written := make(chan error, 1)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		err := layout.Write(gctx, dst, p.format, p.entries(gctx))
		written <- err
		return err
	})
	g.Go(func() error {
		if err := p.download(gctx); err != nil {
			return err
		}
		// The writer may still be compressing or syncing: say so rather
		// than sit silent at 100%.
		step := p.tr.Step("writing "+filepath.Base(dst), 0)
		select {
		case err := <-written:
			if err != nil {
				step.Abort(err)
			} else {
				step.Done()
			}
		case <-gctx.Done():
			step.Abort(gctx.Err())
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return 0, err
	}
	return p.fetched.Load(), nil
}

// total is the bytes the pull accounts for, each blob once.
func (p *pipeline) total() int64 {
	blobs := make([]v1.Descriptor, 0, len(p.layers))
	for _, l := range p.layers {
		blobs = append(blobs, layerDescriptor(l))
	}
	return uniqueSize(blobs)
}

// streams tells the blobs that skip the download ahead and stream into
// the archive: big ones that one file uses, unless the cache holds them
// already, whole or in part (a download to resume).
func (p *pipeline) streams(l manifest.Layer) bool {
	if p.format == layout.FormatDir || l.Size < StreamMin || p.blobs[l.Digest].users != 1 {
		return false
	}
	return p.st.scratch || !p.st.started(l)
}

// direct tells the streamed blobs that skip the store altogether.
func (p *pipeline) direct(l manifest.Layer) bool { return p.streamed[l.Digest] && p.st.scratch }

// acquire takes a request slot.
func (p *pipeline) acquire(ctx context.Context) error {
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *pipeline) release() { <-p.slots }

// download fills the store, one download per digest: files with the same
// bytes share a blob, and two downloads into one entry would race. The
// downloads startEarly began are waited for with the others.
func (p *pipeline) download(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(cap(p.slots))
	started := map[string]bool{}
	if p.early != nil {
		stop := context.AfterFunc(ctx, p.early.cancel)
		defer stop()
		started = p.early.begun
	}
	for _, l := range p.layers {
		if started[l.Digest] || p.streamed[l.Digest] {
			continue
		}
		started[l.Digest] = true
		g.Go(func() error { return p.fetchOne(gctx, l) })
	}
	err := g.Wait()
	if p.early != nil {
		if eerr := p.early.g.Wait(); err == nil {
			err = eerr
		}
	}
	return err
}

// fetchOne makes one blob present in the store, in a request slot, and
// tells the writer.
func (p *pipeline) fetchOne(ctx context.Context, l manifest.Layer) error {
	if err := p.acquire(ctx); err != nil {
		return err
	}
	n, cached, err := p.fetch(ctx, l)
	p.release()
	if err != nil {
		return fmt.Errorf("pulling layer %s: %w", l.Title, err)
	}
	p.fetched.Add(n)
	p.blobs.done(l.Digest, cached)
	return nil
}

func (p *pipeline) fetch(ctx context.Context, l manifest.Layer) (int64, bool, error) {
	if b, ok := p.rp.alreadyRead(l.Digest); ok {
		return p.st.put(ctx, l, b, p.tr)
	}
	return p.st.fetch(ctx, p.c, p.rp.repo, l, p.tr)
}

// entries hands the writer its files. A direct blob streams from the
// registry (verified there). A stored blob is opened once its download is
// done; from the cache it is verified again as it is read. With --no-cache
// a blob that only one file uses is moved into a directory output instead
// of copied: it is this pull's own and was verified as it arrived.
func (p *pipeline) entries(ctx context.Context) []layout.Entry {
	entries := make([]layout.Entry, 0, len(p.layers))
	for _, l := range p.layers {
		e := layout.Entry{Path: l.Title, Size: l.Size, Open: func() (io.ReadCloser, error) { return p.open(ctx, l) }}
		if p.streamed[l.Digest] {
			e.Open = func() (io.ReadCloser, error) { return p.stream(ctx, l) }
		} else if p.st.scratch && p.blobs[l.Digest].users == 1 {
			e.Move = func() (string, error) {
				if err := p.blobs.wait(ctx, l.Digest); err != nil {
					return "", err
				}
				return p.st.path(l.Digest), nil
			}
		}
		entries = append(entries, e)
	}
	return entries
}

func (p *pipeline) open(ctx context.Context, l manifest.Layer) (io.ReadCloser, error) {
	if err := p.blobs.wait(ctx, l.Digest); err != nil {
		return nil, err
	}
	if !p.blobs[l.Digest].cached {
		return os.Open(p.st.path(l.Digest)) // this pull's own, verified as it arrived
	}
	rc, err := p.st.openVerified(l)
	if err != nil {
		return nil, err
	}
	return readAhead(rc), nil
}

// stream opens a streamed blob: straight from the registry, or through
// the cache, which it fills on the way (or serves, when another pull filled
// it meanwhile). It holds a request slot until it is closed.
func (p *pipeline) stream(ctx context.Context, l manifest.Layer) (io.ReadCloser, error) {
	if err := p.acquire(ctx); err != nil {
		return nil, err
	}
	bar := p.tr.Track(l.Title, l.Size)
	var rc io.ReadCloser
	var err error
	if p.direct(l) {
		rc, err = p.c.StreamBlob(ctx, p.rp.repo, layerDescriptor(l), bar)
	} else {
		rc, err = p.st.tee(ctx, p.c, p.rp.repo, l, bar)
	}
	if err != nil {
		p.release()
		return nil, fmt.Errorf("pulling layer %s: %w", l.Title, err)
	}
	if _, ok := rc.(*teeReader); !ok && !p.direct(l) {
		// Another pull filled the cache meanwhile: a file, no request.
		p.release()
		return readAhead(rc), nil
	}
	p.fetched.Add(l.Size)
	return &slotReader{ReadCloser: readAhead(rc), release: p.release}, nil
}

// readAhead runs the reading of a blob (the network, the digest) in a
// goroutine of its own, a few MiB ahead of the archive writer that
// compresses and writes it: the two then share the cores instead of
// taking turns. Measured on a 1 GiB pull to .tar.zst, 2 cores: sha256
// alone is 1.0 CPU s, compression and writes about as much again.
func readAhead(rc io.ReadCloser) io.ReadCloser {
	ra, err := readahead.NewReadCloserSize(rc, readAheadBuffers, readAheadSize)
	if err != nil {
		return rc // only for sizes out of range, which these are not
	}
	return ra
}

// readAhead's queue: 4 MiB per stream, and streams go one at a time.
const (
	readAheadBuffers = 4
	readAheadSize    = 1 << 20
)

// slotReader gives its request slot back when closed.
type slotReader struct {
	io.ReadCloser
	release func()
	once    sync.Once
}

func (s *slotReader) Close() error {
	err := s.ReadCloser.Close()
	s.once.Do(s.release)
	return err
}

// blobStates tells the writer when each blob is ready, whether it came
// from the cache, and how many files share it. The map is built before any
// download starts and only read afterwards; each blob's state is written
// by its one download and published to the writer by closing ready.
type blobStates map[string]*blobState

type blobState struct {
	ready  chan struct{}
	cached bool
	users  int
}

func newBlobStates(layers []manifest.Layer) blobStates {
	b := blobStates{}
	for _, l := range layers {
		st := b[l.Digest]
		if st == nil {
			st = &blobState{ready: make(chan struct{})}
			b[l.Digest] = st
		}
		st.users++
	}
	return b
}

func (b blobStates) done(digest string, cached bool) {
	st := b[digest]
	st.cached = cached
	close(st.ready)
}

func (b blobStates) wait(ctx context.Context, digest string) error {
	select {
	case <-b[digest].ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
