package plugin

import (
	"context"
	"errors"
	"fmt"

	"github.com/docker-zarf/docker-zarf/progress"
)

// safeTracker shows names that come from a registry or a package (layer
// titles) with their control characters escaped.
type safeTracker struct{ progress.Tracker }

func (t safeTracker) Track(name string, size int64) progress.Bar {
	return t.Tracker.Track(safe(name), size)
}

func (t safeTracker) Step(title string, size int64) progress.Bar {
	return t.Tracker.Step(safe(title), size)
}

// finish stops the display before anything else is printed and, when the
// user cancelled, turns the error into one summary line: how far the job
// got and that running it again resumes. kept says where the bytes stay.
func finish(tr progress.Tracker, err error, kept string) error {
	tr.Wait()
	if err == nil || !errors.Is(err, context.Canceled) {
		return err
	}
	s := tr.Stats()
	if s.Total == 0 {
		return &cancelledError{err: err, msg: "Cancelled before any transfer started."}
	}
	return &cancelledError{err: err, msg: fmt.Sprintf("Cancelled: %s of %s %s; run the same command to resume.",
		progress.FormatSize(s.Done), progress.FormatSize(s.Total), kept)}
}

// cancelledError is a cancelled job's one line; it still exits 130.
type cancelledError struct {
	err error
	msg string
}

func (e *cancelledError) Error() string { return e.msg }
func (e *cancelledError) Unwrap() error { return e.err }
