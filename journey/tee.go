package journey

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/docker-zarf/docker-zarf/manifest"
	"github.com/docker-zarf/docker-zarf/progress"
	"github.com/docker-zarf/docker-zarf/registry"
)

// tee fills the cache with a blob while the caller reads it from the
// registry: the bytes are written to the cache once, as they pass, and
// never read back. A pull into an archive takes a big blob this way, so
// that compression runs during the download rather than after it.
//
// The blob's lock is held until the reader is closed. When another pull
// completed the blob meanwhile, the reader serves the cached file,
// verified as it is read. The stream is verified by StreamBlob; only at a
// verified end is the .partial file renamed to the blob's name. A stream
// cut short leaves the .partial for the next pull to resume, one that
// failed its digest leaves nothing.
func (s *blobStore) tee(ctx context.Context, c *registry.Client, repo name.Repository, l manifest.Layer, bar progress.Bar) (io.ReadCloser, error) {
	unlock, cached, err := s.acquire(ctx, l, bar)
	if err != nil {
		return nil, err
	}
	if cached {
		return s.openVerified(l)
	}
	p := s.path(l.Digest)
	f, err := os.Create(p + partialSuffix)
	if err != nil {
		unlock()
		bar.Abort(err)
		return nil, err
	}
	rc, err := c.StreamBlob(ctx, repo, layerDescriptor(l), bar)
	if err != nil {
		f.Close()
		unlock()
		return nil, err
	}
	return &teeReader{rc: rc, f: f, dst: p, unlock: unlock}, nil
}

// teeReader copies what it reads into the cache's .partial file.
type teeReader struct {
	rc     io.ReadCloser
	f      *os.File
	dst    string
	unlock func()
	done   bool // the blob is complete under its name
}

func (t *teeReader) Read(p []byte) (int, error) {
	n, err := t.rc.Read(p)
	if n > 0 {
		if _, werr := t.f.Write(p[:n]); werr != nil {
			return 0, werr
		}
	}
	switch {
	case err == io.EOF && !t.done:
		// StreamBlob returns io.EOF only once size and digest matched.
		if cerr := t.commit(); cerr != nil {
			return n, cerr
		}
	case errors.Is(err, registry.ErrDigestMismatch):
		t.f.Close()
		os.Remove(t.f.Name())
	}
	return n, err
}

// commit renames the complete file to the blob's name. Like Fetch with
// NoSync it does not fsync: a cache hit is verified again as it is read.
func (t *teeReader) commit() error {
	if err := t.f.Close(); err != nil {
		return err
	}
	if err := os.Rename(t.f.Name(), t.dst); err != nil {
		return err
	}
	t.done = true
	return nil
}

func (t *teeReader) Close() error {
	err := t.rc.Close()
	if !t.done {
		t.f.Close()
	}
	t.unlock()
	return err
}
