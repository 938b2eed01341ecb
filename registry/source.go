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

// rewindSize is how many of the last bytes read from a source that cannot
// seek are kept, so that resuming an upload a little behind what was read
// (the bytes in flight when the connection was cut, which the registry
// never got) does not reopen the source and read it again from the start:
// for a .tar.zst entry that would decompress everything up to the offset
// once more.
const rewindSize = 4 << 20

// source is the caller's blob, reopened and positioned as resumes need.
type source struct {
	open func() (io.ReadCloser, error)
	size int64
	rc   io.ReadCloser // nil until first needed
	read int64         // bytes of rc consumed so far
	pos  int64         // where the next byte sent comes from; <= read
	ring []byte        // the last bytes read, by offset mod len; nil for a Seeker
}

// seek positions the source at off: Seek when it can, else step back into
// the bytes kept or read forward, else reopen and skip. Each open is a
// fresh call of the caller's opener; its error ends the upload.
func (s *source) seek(off int64) error {
	if s.rc != nil {
		if sk, ok := s.rc.(io.Seeker); ok {
			if off != s.pos {
				if _, err := sk.Seek(off, io.SeekStart); err != nil {
					return &sourceError{err}
				}
			}
			s.pos, s.read = off, off
			return nil
		}
		if off >= s.read-s.kept() {
			s.pos = min(off, s.read)
			return s.skip(off - s.pos)
		}
		s.close()
	}
	rc, err := s.open()
	if err != nil {
		return &sourceError{err}
	}
	s.rc, s.read, s.pos = rc, 0, 0
	if _, ok := rc.(io.Seeker); !ok && s.ring == nil {
		s.ring = make([]byte, min(rewindSize, max(s.size, 1)))
	}
	return s.skip(off)
}

// kept is how many bytes before s.read the ring holds.
func (s *source) kept() int64 { return min(s.read, int64(len(s.ring))) }

// readNext serves the next bytes at s.pos: from the ring when stepping
// back, else from the source, keeping them in the ring.
func (s *source) readNext(p []byte) (int, error) {
	if s.pos < s.read {
		i := s.pos % int64(len(s.ring))
		n := copy(p[:min(int64(len(p)), s.read-s.pos)], s.ring[i:])
		s.pos += int64(n)
		return n, nil
	}
	n, err := s.rc.Read(p)
	if s.ring != nil {
		s.keep(p[:n])
	} else {
		s.read += int64(n)
	}
	s.pos = s.read
	return n, err
}

// keep records b, just read, in the ring.
func (s *source) keep(b []byte) {
	size := len(s.ring)
	if len(b) > size { // only the last len(ring) bytes of a large read
		s.read += int64(len(b) - size)
		b = b[len(b)-size:]
	}
	for len(b) > 0 {
		m := copy(s.ring[s.read%int64(size):], b)
		b = b[m:]
		s.read += int64(m)
	}
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
		s.read = s.pos
		return nil
	}
	m, err := io.CopyN(io.Discard, readerFunc(s.readNext), n)
	if err != nil {
		return &sourceError{fmt.Errorf("skipping to byte %d: %w", s.pos+n-m, err)}
	}
	return nil
}

// readerFunc makes a Read method a reader.
type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

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
	n, err := r.s.readNext(p)
	r.left -= int64(n)
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
