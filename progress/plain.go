package progress

import (
	"io"
)

// newPlain prints one line per finished item and each step's title. The
// tracker's mutex is held while a line is written, so lines never mix.
func newPlain(w io.Writer, o options) *tracker {
	if w == nil {
		w = io.Discard
	}
	t := newTracker(o)
	t.stepLines = true
	t.print = func(line string) { _, _ = io.WriteString(w, line+"\n") }
	return t
}
