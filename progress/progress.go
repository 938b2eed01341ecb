package progress

import "io"

// Tracker starts one Bar per transfer, keeps the job's byte counts, and
// shows them.
type Tracker interface {
	// Track starts a bar for name with the given total in bytes. A size of
	// zero or less means unknown. After Wait it returns a Bar that records
	// nothing.
	Track(name string, size int64) Bar
	// SetTotal declares how many bytes the items that will be tracked add
	// up to (skipped and cached ones included), so that the total is right
	// from the first moment instead of growing as items are found. It only
	// grows the total: a smaller value than the one shown is ignored, and
	// tracked sizes that exceed it grow the total past it. Without it the
	// total is the sum of the sizes tracked so far.
	SetTotal(bytes int64)
	// Step shows a piece of work that follows or accompanies the transfers
	// and is not part of the total, such as "writing pkg.tar.zst". size is
	// in bytes, zero or less when unknown; the Bar's Add counts towards it.
	// Done or Abort ends it; a step leaves no line when it succeeds.
	Step(title string, size int64) Bar
	// Stats returns the counters so far, for the caller's summary line
	// ("Cancelled: 108 MiB of 480 MiB kept in the cache").
	Stats() Stats
	// Wait stops the display: bars are erased and every pending line is
	// printed, so that when Wait returns the caller owns the terminal and
	// may print its summary. Bars still unfinished count as cancelled and
	// leave no line. Wait may be called more than once.
	Wait()
}

// Bar is the progress of one transfer.
type Bar interface {
	// Add records n more bytes moved. Only added bytes count towards speed.
	Add(n int64)
	// SetCurrent sets the byte count, after a retry starts over or a
	// resumed download skips what it already has. A jump forward counts
	// towards the total but not towards speed; a rewind never makes the
	// total go back.
	SetCurrent(n int64)
	// Done marks the transfer complete.
	Done()
	// Skip marks a transfer that was not needed (the blob already exists,
	// was mounted, or came from the cache), with a short reason. Its bytes
	// count towards the total but not towards speed.
	Skip(reason string)
	// Abort marks a failed transfer. It is safe after Done. An error that
	// is a cancellation (errors.Is(err, context.Canceled)) leaves no line:
	// when the user presses Ctrl-C, every transfer in flight fails at once
	// and one summary line says it all.
	Abort(err error)
}

// Stats is a snapshot of a Tracker's byte counts.
type Stats struct {
	// Total is what the job accounts for: the declared total (SetTotal), or
	// the sizes tracked when they add up to more. It never shrinks.
	Total int64
	// Done is the bytes accounted for: items finished or skipped count
	// whole, unfinished and failed ones as far as they got (a pull keeps
	// those bytes as partial files in its cache). It never shrinks.
	Done int64
	// Completed is the bytes of the items that ended with Done or Skip.
	Completed int64
	// Moved is the bytes this run transferred: skipped, cached and resumed
	// bytes are not in it. Speed is computed from it.
	Moved int64
	// Failed counts the items aborted with an error other than a
	// cancellation.
	Failed int
	// Cancelled counts the items aborted by a cancellation or left
	// unfinished at Wait.
	Cancelled int
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
