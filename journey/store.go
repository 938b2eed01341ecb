package journey

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/docker-zarf/docker-zarf/internal/claim"
	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/manifest"
	"github.com/docker-zarf/docker-zarf/progress"
	"github.com/docker-zarf/docker-zarf/registry"
)

// blobStore is the content-addressed cache that makes pulls resumable:
// blobs/sha256/<hex> holds finished, verified blobs and <hex>.partial the
// bytes of one still coming.
//
// Every job of a user shares the cache, so each blob is filled under a
// per-blob lock (<hex>.lock): a second pull of the same blob waits for the
// first, then takes its verified result as a cache hit, and a killed pull's
// lock goes with its process while its .partial stays for the next run to
// resume.
type blobStore struct {
	dir string
	// scratch is true for --no-cache: the blobs are this pull's alone, so
	// the writer may move them into the output instead of copying them,
	// and no lock is needed.
	scratch bool
}

// scratchPrefix names --no-cache scratch directories in the output
// directory; a later pull sweeps those whose process is gone.
const scratchPrefix = ".docker-zarf-blobs-"

// lockPoll is how often a pull waiting for another one's blob looks again.
const lockPoll = 50 * time.Millisecond

// openStore opens the user's cache, or with --no-cache a scratch directory
// beside the output that is removed when the pull ends.
func openStore(o PullOptions) (*blobStore, func(), error) {
	sweepOutDir(o.OutDir)
	if o.NoCache {
		return openScratch(o.OutDir)
	}
	dir := o.CacheDir
	if dir == "" {
		var err error
		if dir, err = DefaultCacheDir(); err != nil {
			return nil, nil, err
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
		return nil, nil, fmt.Errorf("creating the cache %s: %w", dir, err)
	}
	return &blobStore{dir: dir}, func() {}, nil
}

// DefaultCacheDir is the blob cache a pull uses unless told otherwise:
// docker-zarf under the user's cache directory ($XDG_CACHE_HOME or
// ~/.cache on Linux, ~/Library/Caches on macOS, %LocalAppData% on Windows).
func DefaultCacheDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding the cache directory: %w", err)
	}
	return filepath.Join(base, "docker-zarf"), nil
}

// openScratch makes a claimed scratch directory in outDir.
func openScratch(outDir string) (*blobStore, func(), error) {
	dir, err := os.MkdirTemp(outDir, scratchPrefix)
	if err != nil {
		return nil, nil, fmt.Errorf("creating a scratch directory: %w", err)
	}
	cl, err := claim.Hold(dir)
	if err == nil {
		// The store keeps blobs under blobs/sha256, which MkdirTemp does not make.
		err = os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755)
	}
	cleanup := func() {
		os.RemoveAll(dir)
		cl.Release()
	}
	if err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("creating a scratch directory: %w", err)
	}
	return &blobStore{dir: dir, scratch: true}, cleanup, nil
}

// sweepOutDir removes what killed pulls left in dir: scratch directories
// and half-written outputs. Those of pulls still running are claimed.
func sweepOutDir(dir string) {
	layout.SweepTemps(dir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, scratchPrefix) && !strings.HasSuffix(n, claim.Suffix) {
			claim.Sweep(filepath.Join(dir, n))
		}
	}
}

// lock takes the blob's cache lock, waiting for another process that
// holds it, and returns its release. Scratch stores are private.
func (s *blobStore) lock(ctx context.Context, digest string) (func(), error) {
	if s.scratch {
		return func() {}, nil
	}
	fl := flock.New(lockPath(s.dir, digest))
	if _, err := fl.TryLockContext(ctx, lockPoll); err != nil {
		return nil, fmt.Errorf("locking %s in the cache: %w", digest, err)
	}
	return func() { fl.Unlock() }, nil
}

// has tells a complete blob: only complete blobs carry a digest name.
func (s *blobStore) has(l manifest.Layer) bool {
	fi, err := os.Stat(s.path(l.Digest))
	return err == nil && fi.Size() == l.Size
}

// started tells a blob the store holds whole or in part: a stream would
// not resume the part, Fetch does.
func (s *blobStore) started(l manifest.Layer) bool {
	if s.has(l) {
		return true
	}
	_, err := os.Stat(s.path(l.Digest) + partialSuffix)
	return err == nil
}

func (s *blobStore) path(digest string) string { return blobFile(s.dir, digest, false) }

// openVerified opens a complete blob of the store, checked again against
// its size and digest as it is read: blobs are not fsynced one by one, and
// a cache can rot.
func (s *blobStore) openVerified(l manifest.Layer) (io.ReadCloser, error) {
	f, err := os.Open(s.path(l.Digest))
	if err != nil {
		return nil, err
	}
	return layout.Verify(f, layout.File{Path: l.Title, Size: l.Size, Digest: l.Digest}), nil
}

// acquire returns with the blob's lock held when this pull must fill it,
// or cached when the blob is complete in the store, already or once
// another pull that held the lock has finished it.
func (s *blobStore) acquire(ctx context.Context, l manifest.Layer, bar progress.Bar) (unlock func(), cached bool, err error) {
	if s.has(l) {
		markUsed(s.path(l.Digest))
		bar.Skip("cached")
		return nil, true, nil
	}
	if unlock, err = s.lock(ctx, l.Digest); err != nil {
		bar.Abort(err)
		return nil, false, err
	}
	if s.has(l) {
		unlock()
		markUsed(s.path(l.Digest))
		bar.Skip("cached")
		return nil, true, nil
	}
	return unlock, false, nil
}

// fetch makes the blob present in the store and returns how many bytes it
// took from the network, and whether it was already there. A blob already
// in the store was verified when it arrived, but blobs are not fsynced one
// by one and a cache can rot, so the caller verifies a cached blob again as
// it reads it.
func (s *blobStore) fetch(ctx context.Context, c *registry.Client, repo name.Repository, l manifest.Layer, tr progress.Tracker) (int64, bool, error) {
	p := s.path(l.Digest)
	bar := tr.Track(l.Title, l.Size)
	unlock, cached, err := s.acquire(ctx, l, bar)
	if err != nil || cached {
		return 0, cached, err
	}
	defer unlock()
	var have int64
	if fi, err := os.Stat(p + partialSuffix); err == nil {
		have = fi.Size()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return 0, false, err
	}
	if err := c.Fetch(ctx, repo, layerDescriptor(l), p, bar); err != nil {
		return 0, false, err
	}
	return l.Size - have, false, nil
}

// put stores a blob whose verified bytes are already in memory (metadata
// read while planning the pull) and returns its size: those bytes came
// from the network once.
func (s *blobStore) put(ctx context.Context, l manifest.Layer, b []byte, tr progress.Tracker) (int64, bool, error) {
	p := s.path(l.Digest)
	bar := tr.Track(l.Title, l.Size)
	unlock, cached, err := s.acquire(ctx, l, bar)
	if err != nil || cached {
		return 0, cached, err
	}
	defer unlock()
	// Write beside p under the blob's lock, then rename: only complete
	// blobs ever carry a digest name.
	if err := writeThenRename(p, b); err != nil {
		bar.Abort(err)
		return 0, false, err
	}
	bar.Add(int64(len(b)))
	bar.Done()
	return int64(len(b)), false, nil
}

// writeThenRename writes b to p's .partial file (which Fetch would resume
// from, and which the caller's lock makes this process's alone) and
// renames it to p.
func writeThenRename(p string, b []byte) error {
	tmp, err := os.Create(p + partialSuffix)
	if err != nil {
		return err
	}
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
