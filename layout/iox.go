package layout

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
)

// bufSize is the size of every copy and read-ahead buffer: large reads keep
// syscalls and hashing calls few, which matters at multi-GB sizes.
const bufSize = 1 << 20

// ctxReader fails reads once ctx is done, so that a long copy or scan stops
// promptly on cancel.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// WriteTo copies in large chunks, checking ctx before each: wrapping a
// reader must not cost io.Copy its fast path.
func (c ctxReader) WriteTo(w io.Writer) (int64, error) {
	return io.CopyBuffer(writerOnly{w}, readerOnly{c}, make([]byte, bufSize))
}

// readerOnly hides WriteTo, so that io.CopyBuffer uses the given buffer.
type readerOnly struct{ io.Reader }

// counter counts the bytes read through it: the position in the archive, as
// archive/tar reads headers and skips data with exact reads.
type counter struct {
	r io.Reader
	n int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *counter) pos() int64 { return c.n }

// seekCounter is a counter that lets archive/tar skip file data by seeking
// instead of reading it.
type seekCounter struct {
	counter
	s io.Seeker
}

func (c *seekCounter) Seek(off int64, whence int) (int64, error) {
	n, err := c.s.Seek(off, whence)
	if err == nil {
		c.n = n
	}
	return n, err
}

// verifier passes a file's bytes through, hashing them, and at EOF checks
// the size and digest: the final Read returns a *ChecksumError instead of
// io.EOF when they differ. It reads at most size bytes from r.
type verifier struct {
	r      io.Reader
	closer io.Closer
	file   File
	h      hash.Hash
	n      int64
	done   error // the final result, once reached
}

// Verify wraps rc so that reading it to EOF checks its size and sha256
// against f: the final Read returns a *ChecksumError instead of io.EOF when
// they differ. Close closes rc.
func Verify(rc io.ReadCloser, f File) io.ReadCloser { return newVerifier(rc, rc, f) }

func newVerifier(r io.Reader, closer io.Closer, f File) *verifier {
	return &verifier{r: r, closer: closer, file: f, h: sha256.New()}
}

func (v *verifier) Read(p []byte) (int, error) {
	if v.done != nil {
		return 0, v.done
	}
	if left := v.file.Size - v.n; int64(len(p)) > left {
		p = p[:left]
	}
	if len(p) == 0 {
		return 0, v.finish()
	}
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	switch {
	case v.n == v.file.Size:
		// Report the result with the last bytes, so that a reader that stops
		// at Size still sees a mismatch.
		return n, v.finish()
	case errors.Is(err, io.EOF):
		v.done = fmt.Errorf("%s: truncated: got %d of %d bytes: %w", v.file.Path, v.n, v.file.Size, io.ErrUnexpectedEOF)
		return n, v.done
	case err != nil:
		return n, fmt.Errorf("reading %s: %w", v.file.Path, err)
	}
	return n, nil
}

func (v *verifier) finish() error {
	got := "sha256:" + hex.EncodeToString(v.h.Sum(nil))
	v.done = io.EOF
	if got != v.file.Digest {
		v.done = &ChecksumError{Path: v.file.Path, Want: v.file.Digest, Got: got}
	}
	return v.done
}

// WriteTo copies with a large buffer: io.Copy prefers it over Read with its
// own 32 KiB buffer.
func (v *verifier) WriteTo(w io.Writer) (int64, error) {
	buf := make([]byte, min(bufSize, max(v.file.Size-v.n, 1)))
	var total int64
	for {
		n, rerr := v.Read(buf)
		if n > 0 {
			m, werr := w.Write(buf[:n])
			total += int64(m)
			if werr != nil {
				return total, werr
			}
		}
		if errors.Is(rerr, io.EOF) {
			return total, nil
		}
		if rerr != nil {
			return total, rerr
		}
	}
}

func (v *verifier) Close() error {
	if v.closer == nil {
		return nil
	}
	return v.closer.Close()
}
