package formatter

import (
	"context"
	"errors"
	"fmt"

	"github.com/docker-zarf/docker-zarf/progress"
)

// SafeTracker shows names that come from a registry or a package (layer
// titles) with their control characters escaped.
func SafeTracker(t progress.Tracker) progress.Tracker { return safeTracker{t} }

type safeTracker struct{ progress.Tracker }

func (t safeTracker) Track(name string, size int64) progress.Bar {
	return t.Tracker.Track(Safe(name), size)
}

func (t safeTracker) Step(title string, size int64) progress.Bar {
	return t.Tracker.Step(Safe(title), size)
}

// Finish stops the display before anything else is printed and, when the
// user cancelled, turns the error into one summary line: how far the job
// got and that running it again resumes. kept says where the bytes stay.
func Finish(tr progress.Tracker, err error, kept string) error {
	tr.Wait()
	if err == nil || !errors.Is(err, context.Canceled) {
		return err
	}
	s := tr.Stats()
	if s.Total == 0 {
		return &CancelledError{err: err, msg: "Cancelled before any transfer started."}
	}
	return &CancelledError{err: err, msg: fmt.Sprintf("Cancelled: %s of %s %s; run the same command to resume.",
		progress.FormatSize(s.Done), progress.FormatSize(s.Total), kept)}
}

// CancelledError is a cancelled job's one line; it still exits 130.
type CancelledError struct {
	err error
	msg string
}

func (e *CancelledError) Error() string { return e.msg }
func (e *CancelledError) Unwrap() error { return e.err }
