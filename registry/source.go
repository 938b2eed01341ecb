package registry

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/docker-zarf/docker-zarf/progress"
)

// sourceError is a failure to read the blob being uploaded (not the
// network). It is never retried: the source is broken, not the registry.
type sourceError struct{ err error }

func (e *sourceError) Error() string { return "reading the blob source: " + e.err.Error() }
func (e *sourceError) Unwrap() error { return e.err }

// source is the caller's blob, reopened and positioned as resumes need.
type source struct {
	open func() (io.ReadCloser, error)
	size int64
	rc   io.ReadCloser // nil until first needed
	pos  int64         // bytes of rc consumed so far
}

// seek positions the source at off: Seek when it can, else skip forward,
// else reopen and skip. Each open is a fresh call of the caller's opener;
// its error ends the upload.
func (s *source) seek(off int64) error {
	if s.rc != nil && off != s.pos {
		if sk, ok := s.rc.(io.Seeker); ok {
			if _, err := sk.Seek(off, io.SeekStart); err != nil {
				return &sourceError{err}
			}
			s.pos = off
			return nil
		}
		if off < s.pos {
			s.close()
		}
	}
	if s.rc == nil {
		rc, err := s.open()
		if err != nil {
			return &sourceError{err}
		}
		s.rc, s.pos = rc, 0
	}
	return s.skip(off - s.pos)
}

func (s *source) skip(n int64) error {
	if n <= 0 {
		return nil
	}
	if sk, ok := s.rc.(io.Seeker); ok {
		if _, err := sk.Seek(n, io.SeekCurrent); err != nil {
			return &sourceError{err}
		}
		s.pos += n
		return nil
	}
	m, err := io.CopyN(io.Discard, s.rc, n)
	s.pos += m
	if err != nil {
		return &sourceError{fmt.Errorf("skipping to byte %d: %w", s.pos+n-m, err)}
	}
	return nil
}

// body returns the request body of the next n bytes, reporting them to bar
// as they are read. Read errors, and an end before n bytes, surface as
// *sourceError and are kept so that they can be told from network errors
// after the request fails.
func (s *source) body(n int64, bar progress.Bar) *requestBody {
	return &requestBody{sec: sectionReader{s: s, left: n}, bar: bar}
}

// finish checks that the source ends exactly at size. Reading to EOF also
// lets a verifying source (layout's) report a checksum error now, before the
// registry is asked to commit bytes that are wrong.
func (s *source) finish() error {
	var one [1]byte
	n, err := s.rc.Read(one[:])
	for n == 0 && err == nil {
		n, err = s.rc.Read(one[:])
	}
	switch {
	case n > 0:
		return &sourceError{fmt.Errorf("source is longer than %d bytes", s.size)}
	case errors.Is(err, io.EOF):
		return nil
	}
	return &sourceError{err}
}

func (s *source) close() {
	if s.rc != nil {
		s.rc.Close()
		s.rc = nil
	}
}

// requestBody is the body of one upload request. It owns its lifetime:
// net/http may go on reading a body after Client.Do has returned (an answer
// sent before the body was read, such as a proxy's 413) and closes it from
// its own goroutine. Close waits for a Read in progress and fails every
// later one, so once the upload has closed the body, no byte of the source
// is read for that request any more and the source can be moved or
// reopened for a retry.
type requestBody struct {
	mu     sync.Mutex
	sec    sectionReader
	bar    progress.Bar
	closed bool
}

// errBodyClosed ends a read of a request body after the upload took its
// source back; the request it belonged to has already failed or finished.
var errBodyClosed = errors.New("upload request body read after the request ended")

func (b *requestBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, errBodyClosed
	}
	n, err := b.sec.Read(p)
	b.bar.Add(int64(n))
	return n, err
}

// Close stops the body; it may be called any number of times, from any
// goroutine.
func (b *requestBody) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return nil
}

// release closes the body and returns the failure of the source it met, if
// any.
func (b *requestBody) release() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	return b.sec.failed
}

type sectionReader struct {
	s      *source
	left   int64
	failed error
}

func (r *sectionReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n, err := r.s.rc.Read(p)
	r.left -= int64(n)
	r.s.pos += int64(n)
	switch {
	case err == io.EOF && r.left > 0:
		err = fmt.Errorf("source ended at byte %d of %d: %w", r.s.pos, r.s.size, io.ErrUnexpectedEOF)
	case err == io.EOF || err == nil:
		return n, err
	}
	r.failed = &sourceError{err}
	// Hold back the bytes that came with the failure: a verifying source
	// reports a checksum mismatch with the last bytes, and sending them
	// would complete the body, letting the registry commit (or refuse)
	// content known to be wrong. A short body is never committed.
	return 0, r.failed
}
