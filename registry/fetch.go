package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/docker-zarf/docker-zarf/internal/verify"
	"github.com/docker-zarf/docker-zarf/progress"
)

const opFetch = "fetch blob"

// partialSuffix names the file a download grows in. It stays across runs so
// that the next Fetch resumes it; dst itself only appears once verified.
const partialSuffix = ".partial"

// Fetch downloads blob d into the file dst. Bytes go to dst+".partial"
// first; an existing partial file is re-hashed and resumed with a Range
// request (or started over when the registry ignores the Range). Size and
// digest are verified over the whole file before it is synced and renamed
// to dst, so a killed process leaves only the partial file. Transient
// failures are retried, resuming from what has arrived. On a digest or size
// mismatch the partial file is removed and the error wraps
// ErrDigestMismatch. bar (nil allowed) gets SetCurrent on resume, Add as
// bytes arrive, then Done or Abort.
func (c *Client) Fetch(ctx context.Context, repo name.Repository, d v1.Descriptor, dst string, bar progress.Bar) (err error) {
	if bar == nil {
		bar = progress.NopBar()
	}
	defer func() {
		if err != nil {
			bar.Abort(err)
		} else {
			bar.Done()
		}
	}()
	v, err := verify.New(d.Digest.String(), d.Size)
	if err != nil {
		return newError(opFetch, repo, err)
	}
	hc, err := c.client(ctx, repo, pullScope(repo))
	if err != nil {
		return err
	}
	buf := c.buffer()
	defer c.bufs.Put(buf)
	f := &fetch{c: c, hc: hc, repo: repo, d: d, dst: dst, partial: dst + partialSuffix, bar: bar, v: v, buf: *buf,
		rt: c.retrier(opFetch)}
	if err := f.openPartial(); err != nil {
		return newError(opFetch, repo, err)
	}
	defer f.file.Close()
	return f.run(ctx)
}

// buffer returns a 1 MiB copy buffer, reused across downloads.
func (c *Client) buffer() *[]byte {
	if b, ok := c.bufs.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, ioBufferSize)
	return &b
}

// fetch is the state of one download.
type fetch struct {
	c        *Client
	hc       *http.Client
	repo     name.Repository
	d        v1.Descriptor
	dst      string
	partial  string
	bar      progress.Bar
	file     *os.File
	v        *verify.Verifier // digest of file[0:have]
	have     int64
	buf      []byte
	rt       *retrier
	fromDisk bool // have includes bytes from an earlier run
}

// openPartial opens (or creates) the partial file and hashes what it holds.
func (f *fetch) openPartial() error {
	file, err := os.OpenFile(f.partial, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	f.file = file
	st, err := file.Stat()
	if err != nil {
		return err
	}
	if st.Size() > f.d.Size {
		return f.reset()
	}
	if _, err := io.CopyBuffer(f.v, io.LimitReader(file, st.Size()), f.buf); err != nil {
		return fmt.Errorf("reading %s: %w", f.partial, err)
	}
	f.have, f.fromDisk = st.Size(), st.Size() > 0
	f.bar.SetCurrent(f.have)
	return nil
}

// reset empties the partial file to start over.
func (f *fetch) reset() error {
	if err := f.file.Truncate(0); err != nil {
		return err
	}
	if _, err := f.file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	f.v.Reset()
	f.have, f.fromDisk = 0, false
	f.bar.SetCurrent(0)
	return nil
}

func (f *fetch) run(ctx context.Context) error {
	var err error
	high := f.have // most bytes ever held
	for failures := 0; ; {
		if err = f.attempt(ctx); err == nil {
			if err = f.finish(); err == nil {
				return nil
			}
		}
		if f.have > high {
			high, failures = f.have, 0 // progress renews the retry budget
			f.rt.progress()
		}
		failures++
		if errors.Is(err, ErrDigestMismatch) && f.fromDisk {
			// The bytes left by an earlier run may be what is wrong:
			// one clean download decides.
			if rerr := f.reset(); rerr != nil {
				return newError(opFetch, f.repo, rerr)
			}
			high = 0
			continue
		}
		if err = f.rt.pause(ctx, failures, err); err != nil {
			break
		}
	}
	if errors.Is(err, ErrDigestMismatch) {
		f.file.Close()
		os.Remove(f.partial)
	}
	return err
}

// attempt streams the rest of the blob into the partial file.
func (f *fetch) attempt(ctx context.Context) error {
	if f.have == f.d.Size {
		return nil
	}
	body, served, err := f.c.getBlob(ctx, f.hc, f.repo, f.d, f.have, f.rt)
	if err != nil {
		return err
	}
	defer body.Close()
	if served != f.have { // the registry ignored the Range: start over
		if err := f.reset(); err != nil {
			return newError(opFetch, f.repo, err)
		}
	}
	return f.copy(body)
}

// copy appends body to the partial file and the running digest.
func (f *fetch) copy(body io.Reader) error {
	for {
		n, rerr := body.Read(f.buf)
		if f.have+int64(n) > f.d.Size {
			return digestError(opFetch, f.repo, "blob %s is longer than %d bytes", f.d.Digest, f.d.Size)
		}
		if n > 0 {
			if _, err := f.file.Write(f.buf[:n]); err != nil {
				return newError(opFetch, f.repo, err)
			}
			f.v.Write(f.buf[:n])
			f.have += int64(n)
			f.bar.Add(int64(n))
		}
		switch {
		case rerr == io.EOF && f.have < f.d.Size:
			return newError(opFetch, f.repo, fmt.Errorf("stream ended at byte %d of %d: %w", f.have, f.d.Size, io.ErrUnexpectedEOF))
		case rerr == io.EOF:
			return nil
		case rerr != nil:
			return newError(opFetch, f.repo, rerr)
		}
	}
}

// finish verifies the digest of the whole file, syncs it (unless
// Options.NoSync) and renames it into place.
func (f *fetch) finish() error {
	if err := f.v.Check(); err != nil {
		return digestError(opFetch, f.repo, "blob %s: %v", f.d.Digest, err)
	}
	if !f.c.opts.NoSync {
		if err := f.file.Sync(); err != nil {
			return newError(opFetch, f.repo, err)
		}
	}
	if err := f.file.Close(); err != nil {
		return newError(opFetch, f.repo, err)
	}
	if err := os.Rename(f.partial, f.dst); err != nil {
		return newError(opFetch, f.repo, err)
	}
	return nil
}
