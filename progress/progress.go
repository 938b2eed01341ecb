package progress

import "io"

// Tracker starts one Bar per transfer and draws them.
type Tracker interface {
	// Track starts a bar for name with the given total in bytes. A size of
	// zero or less means unknown.
	Track(name string, size int64) Bar
	// Wait draws the final state and releases the terminal. Every bar must
	// be finished (Done, Skip or Abort) before Wait is called.
	Wait()
}

// Bar is the progress of one transfer.
type Bar interface {
	// Add records n more bytes moved.
	Add(n int64)
	// SetCurrent sets the byte count, after a retry starts over or a
	// resumed download skips what it already has.
	SetCurrent(n int64)
	// Done marks the transfer complete.
	Done()
	// Skip marks a transfer that was not needed (the blob already exists,
	// was mounted, or came from the cache), with a short reason.
	Skip(reason string)
	// Abort marks a failed transfer. It is safe after Done.
	Abort(err error)
}

// Reader wraps r so that every byte read is added to b.
func Reader(r io.Reader, b Bar) io.Reader { return &reader{r: r, b: b} }

type reader struct {
	r io.Reader
	b Bar
}

func (r *reader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.b.Add(int64(n))
	}
	return n, err
}
