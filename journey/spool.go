package journey

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"

	"golang.org/x/sync/semaphore"

	"github.com/docker-zarf/docker-zarf/layout"
)

// A compressed archive is read in one pass, so its entries are set aside
// (spooled) to upload side by side while the walk moves on: small ones in
// memory, bigger ones in temporary files, each kind within its budget
// whatever --concurrency says. An entry over diskMax streams from the
// decompressor instead, holding one upload slot, while the spooled ones go
// on. Memory thus stays within memBudget for any entry size, and 10
// entries of 5 MiB upload several at a time.
const (
	memMax     = 1 << 20
	memBudget  = 8 << 20
	diskMax    = 64 << 20
	diskBudget = 256 << 20
)

// spooler sets entries aside for one publish. Its files live in a
// temporary directory made on first use and removed by close.
type spooler struct {
	mem, disk *semaphore.Weighted

	mu  sync.Mutex
	dir string
}

func newSpooler() *spooler {
	return &spooler{mem: semaphore.NewWeighted(memBudget), disk: semaphore.NewWeighted(diskBudget)}
}

// spooled is an entry set aside: open serves it (seekable, so an upload
// resumes without keeping a copy of what it sent), release frees it.
type spooled struct {
	open    func() (io.ReadCloser, error)
	release func()
}

// spool reads f from r into memory or a file. ok is false when f is too
// big to spool, or when no temporary file could be made: f then streams.
func (s *spooler) spool(ctx context.Context, f layout.File, r io.Reader) (sp spooled, ok bool, err error) {
	switch {
	case f.Size <= memMax:
		return s.toMemory(ctx, f, r)
	case f.Size <= diskMax:
		return s.toDisk(ctx, f, r)
	}
	return spooled{}, false, nil
}

func (s *spooler) toMemory(ctx context.Context, f layout.File, r io.Reader) (spooled, bool, error) {
	if err := s.mem.Acquire(ctx, f.Size); err != nil {
		return spooled{}, false, err
	}
	buf := make([]byte, f.Size)
	if _, err := io.ReadFull(r, buf); err != nil {
		s.mem.Release(f.Size)
		return spooled{}, false, fmt.Errorf("reading %s: %w", f.Path, err)
	}
	return spooled{open: bytesOpener(buf), release: func() { s.mem.Release(f.Size) }}, true, nil
}

func (s *spooler) toDisk(ctx context.Context, f layout.File, r io.Reader) (spooled, bool, error) {
	if err := s.disk.Acquire(ctx, f.Size); err != nil {
		return spooled{}, false, err
	}
	fh, err := s.create()
	if err != nil {
		s.disk.Release(f.Size)
		return spooled{}, false, nil // no room for temporary files: stream
	}
	release := func() {
		fh.Close()
		os.Remove(fh.Name())
		s.disk.Release(f.Size)
	}
	if _, err := io.Copy(fh, r); err != nil {
		release()
		return spooled{}, false, fmt.Errorf("spooling %s to %s: %w", f.Path, fh.Name(), err)
	}
	open := func() (io.ReadCloser, error) {
		return sectionCloser{io.NewSectionReader(fh, 0, f.Size)}, nil
	}
	return spooled{open: open, release: release}, true, nil
}

// create makes a temporary file for one entry. Where the system allows
// it, the file is unlinked at once and lives on through its descriptor
// only: a publish killed with SIGKILL then leaves nothing in the temporary
// directory, where it could leave up to diskBudget bytes. Windows cannot
// remove an open file; there the spool directory is removed by close.
func (s *spooler) create() (*os.File, error) {
	if runtime.GOOS != "windows" {
		fh, err := os.CreateTemp("", "docker-zarf-spool-")
		if err == nil {
			os.Remove(fh.Name())
		}
		return fh, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dir == "" {
		dir, err := os.MkdirTemp("", "docker-zarf-publish-")
		if err != nil {
			return nil, err
		}
		s.dir = dir
	}
	return os.CreateTemp(s.dir, "blob-")
}

// close removes the spool directory; every upload must be over.
func (s *spooler) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dir != "" {
		os.RemoveAll(s.dir)
		s.dir = ""
	}
}

// sectionCloser serves a spooled file as a Seeker; the spooler closes the
// file itself.
type sectionCloser struct{ *io.SectionReader }

func (sectionCloser) Close() error { return nil }

// bytesOpener serves b as a Seeker, which an upload resumes by seeking
// instead of keeping a copy of what it sent.
func bytesOpener(b []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return bytesReader{bytes.NewReader(b)}, nil }
}

type bytesReader struct{ *bytes.Reader }

func (bytesReader) Close() error { return nil }
