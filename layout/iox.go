package layout

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/docker-zarf/docker-zarf/internal/verify"
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

// verifier passes a file's bytes through internal/verify, the one verifier
// of the module, and words its verdict for a package file: a *ChecksumError
// instead of io.EOF when the digest differs, a truncation naming the path.
// It reads at most the file's size from r.
type verifier struct {
	r      *verify.Reader
	closer io.Closer
	file   File
}

// Verify wraps rc so that reading it to EOF checks its size and sha256
// against f: the final Read returns a *ChecksumError instead of io.EOF when
// they differ. Close closes rc.
func Verify(rc io.ReadCloser, f File) io.ReadCloser { return newVerifier(rc, rc, f) }

func newVerifier(r io.Reader, closer io.Closer, f File) *verifier {
	v, err := verify.New(f.Digest, f.Size)
	if err != nil {
		// Digests of a package are sha256 ones, checked when it is read.
		v, _ = verify.New("sha256:", f.Size)
	}
	return &verifier{r: verify.NewReader(r, v), closer: closer, file: f}
}

func (v *verifier) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	return n, v.word(err)
}

// WriteTo copies with a large buffer (see verify.Reader.WriteTo).
func (v *verifier) WriteTo(w io.Writer) (int64, error) {
	n, err := v.r.WriteTo(w)
	return n, v.word(err)
}

// word turns the verdict of verify into layout's errors.
func (v *verifier) word(err error) error {
	var ve *verify.Error
	switch {
	case err == nil || err == io.EOF:
		return err
	case !errors.As(err, &ve):
		return fmt.Errorf("reading %s: %w", v.file.Path, err)
	case verify.Short(err):
		return fmt.Errorf("%s: truncated: got %d of %d bytes: %w", v.file.Path, ve.GotSize, v.file.Size, io.ErrUnexpectedEOF)
	}
	return &ChecksumError{Path: v.file.Path, Want: v.file.Digest, Got: ve.Got}
}

func (v *verifier) Close() error {
	if v.closer == nil {
		return nil
	}
	return v.closer.Close()
}
