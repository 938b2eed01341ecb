// Package verify checks that bytes have the size and digest a descriptor
// promises. It is the one verifier of the module: registry checks what it
// downloads with it, layout what it reads from a package. It sits below
// both so that neither imports the other.
package verify

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
)

// Error is bytes that are not what was promised: too few, too many, or
// hashing to another digest. A short read also matches
// io.ErrUnexpectedEOF (errors.Is): a cut stream may be resumed.
type Error struct {
	Want, Got         string // digests, "algorithm:hex"; Got is "" for a size mismatch
	WantSize, GotSize int64
}

func (e *Error) Error() string {
	switch {
	case e.GotSize < e.WantSize:
		return fmt.Sprintf("truncated: got %d of %d bytes", e.GotSize, e.WantSize)
	case e.GotSize > e.WantSize:
		return fmt.Sprintf("longer than %d bytes", e.WantSize)
	}
	return fmt.Sprintf("bytes hash to %s, want %s", e.Got, e.Want)
}

// Unwrap makes a short read match io.ErrUnexpectedEOF.
func (e *Error) Unwrap() error {
	if e.GotSize < e.WantSize {
		return io.ErrUnexpectedEOF
	}
	return nil
}

// Short reports whether err is a verify.Error for too few bytes.
func Short(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.GotSize < e.WantSize
}

// Verifier digests the bytes written to it and checks them against a
// digest and size.
type Verifier struct {
	algorithm, want string
	size, n         int64
	h               hash.Hash
}

// New returns a Verifier for digest ("sha256:<hex>" or "sha512:<hex>") and
// size.
func New(digest string, size int64) (*Verifier, error) {
	alg, _, ok := strings.Cut(digest, ":")
	if !ok {
		return nil, fmt.Errorf("malformed digest %q", digest)
	}
	var h hash.Hash
	switch alg {
	case "sha256":
		h = sha256.New()
	case "sha512":
		h = sha512.New()
	default:
		return nil, fmt.Errorf("unsupported digest algorithm %q", alg)
	}
	return &Verifier{algorithm: alg, want: digest, size: size, h: h}, nil
}

// Write hashes p. It never fails.
func (v *Verifier) Write(p []byte) (int, error) {
	v.h.Write(p)
	v.n += int64(len(p))
	return len(p), nil
}

// Written is how many bytes have been hashed.
func (v *Verifier) Written() int64 { return v.n }

// Left is how many bytes are still expected (negative: too many came).
func (v *Verifier) Left() int64 { return v.size - v.n }

// Reset forgets every byte written.
func (v *Verifier) Reset() { v.h.Reset(); v.n = 0 }

// Sum is the digest of the bytes written so far, "algorithm:hex".
func (v *Verifier) Sum() string { return v.algorithm + ":" + hex.EncodeToString(v.h.Sum(nil)) }

// Check returns nil when exactly size bytes hashing to the digest were
// written, else an *Error.
func (v *Verifier) Check() error {
	if v.n != v.size {
		return &Error{Want: v.want, WantSize: v.size, GotSize: v.n}
	}
	if got := v.Sum(); got != v.want {
		return &Error{Want: v.want, Got: got, WantSize: v.size, GotSize: v.n}
	}
	return nil
}

// bufSize is the buffer of WriteTo: large reads keep syscalls and hashing
// calls few at multi-GB sizes.
const bufSize = 1 << 20

// Reader passes r's bytes through v. It reads at most v's size; the Read
// that completes it returns the verdict with the last bytes: io.EOF, or an
// *Error when the digest differs, so that a reader that stops at the size
// still sees a mismatch. An early io.EOF from r is an *Error (short, also
// io.ErrUnexpectedEOF). Other errors of r pass through and may be retried
// by reading again.
type Reader struct {
	r    io.Reader
	v    *Verifier
	done error // the final result, once reached
}

// NewReader returns a Reader of r checked by v.
func NewReader(r io.Reader, v *Verifier) *Reader { return &Reader{r: r, v: v} }

func (r *Reader) Read(p []byte) (int, error) {
	if r.done != nil {
		return 0, r.done
	}
	if left := r.v.Left(); int64(len(p)) > left {
		p = p[:left]
	}
	if len(p) == 0 {
		return 0, r.finish()
	}
	n, err := r.r.Read(p)
	r.v.Write(p[:n])
	switch {
	case r.v.Left() == 0:
		return n, r.finish()
	case errors.Is(err, io.EOF):
		r.done = r.v.Check()
		return n, r.done
	}
	return n, err
}

func (r *Reader) finish() error {
	r.done = r.v.Check()
	if r.done == nil {
		r.done = io.EOF
	}
	return r.done
}

// WriteTo copies with a large buffer: io.Copy prefers it over Read with its
// own 32 KiB buffer.
func (r *Reader) WriteTo(w io.Writer) (int64, error) {
	buf := make([]byte, min(bufSize, max(r.v.Left(), 1)))
	var total int64
	for {
		n, rerr := r.Read(buf)
		if n > 0 {
			m, werr := w.Write(buf[:n])
			total += int64(m)
			if werr != nil {
				return total, werr
			}
		}
		if rerr == io.EOF {
			return total, nil
		}
		if rerr != nil {
			return total, rerr
		}
	}
}
