package progress

import (
	"io"
	"time"
)

// Mode chooses how a Tracker shows progress.
type Mode int

const (
	// ModeBars draws live bars on a terminal: one per transfer in flight
	// (name, bytes done/total, speed), the steps, and the total, never more
	// rows than the terminal's height minus two, each narrower than the
	// terminal. A finished item's bar goes at once; an item of at least
	// BarsLineMin leaves one line above the bars, smaller ones only count
	// in the total, so that thousands of small layers do not scroll
	// everything else away. Failures always leave a line. On any writer
	// that is not a terminal New falls back to ModePlain.
	ModeBars Mode = iota
	// ModePlain prints one line per finished, skipped or failed item, and
	// each step's title as it starts, for logs and CI.
	ModePlain
	// ModeQuiet prints nothing, for --quiet and machine-readable output.
	// It still counts: Stats works as in the other modes.
	ModeQuiet
)

// BarsLineMin is the size from which a finished or skipped item leaves a
// line above the bars in ModeBars.
const BarsLineMin = 1 << 20

// String names the mode as a flag value would: "bars", "plain", "quiet".
func (m Mode) String() string {
	switch m {
	case ModeBars:
		return "bars"
	case ModePlain:
		return "plain"
	case ModeQuiet:
		return "quiet"
	}
	return "unknown"
}

// Option adjusts a Tracker made by New.
type Option func(*options)

type options struct {
	verb string
	now  func() time.Time // a test's clock
}

// DefaultVerb is the verb of a finished item's line when WithVerb is not given.
const DefaultVerb = "done"

// WithVerb sets the past-tense verb that starts a finished item's line, as
// in "pushed components/app.tar (12.3 MiB)" for WithVerb("pushed"). The
// default is DefaultVerb. Skipped and failed items always read "skipped" and
// "failed".
func WithVerb(verb string) Option {
	return func(o *options) {
		if verb != "" {
			o.verb = verb
		}
	}
}

func makeOptions(opts []Option) options {
	o := options{verb: DefaultVerb, now: time.Now}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// New returns a Tracker that writes to w in the given mode (an unknown mode
// counts as ModePlain). For ModeBars, w should be the terminal itself: an
// *os.File, or a wrapper with an FD() uintptr method such as docker's
// *streams.Out. Lines are written whole, one Write per line (bars: one
// Write per frame), so output from many goroutines never interleaves
// mid-line. Write errors are ignored: progress output never fails a
// transfer.
func New(w io.Writer, mode Mode, opts ...Option) Tracker {
	o := makeOptions(opts)
	switch mode {
	case ModeQuiet:
		return newTracker(o)
	case ModeBars:
		if term, ok := terminalOf(w); ok {
			b := newBars(o, w, term.size)
			b.restore = term.noFlush()
			return b.run().t
		}
	}
	return newPlain(w, o)
}

// Nop returns a Tracker that shows and counts nothing, for library callers.
func Nop() Tracker { return nop{} }

// NopBar returns a Bar that records nothing, for a caller that must pass a
// Bar and has no Tracker.
func NopBar() Bar { return nop{} }

type nop struct{}

func (nop) Track(string, int64) Bar { return nop{} }
func (nop) SetTotal(int64)          {}
func (nop) Step(string, int64) Bar  { return nop{} }
func (nop) Stats() Stats            { return Stats{} }
func (nop) Wait()                   {}
func (nop) Add(int64)               {}
func (nop) SetCurrent(int64)        {}
func (nop) Done()                   {}
func (nop) Skip(string)             {}
func (nop) Abort(error)             {}
