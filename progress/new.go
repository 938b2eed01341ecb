package progress

import (
	"io"
)

// Mode chooses how a Tracker shows progress.
type Mode int

const (
	// ModeBars draws live mpb bars: one per transfer in flight (name, bytes
	// done/total, speed) and a total bar, with a line above the bars for
	// each finished item. It needs a terminal: on any other writer New
	// falls back to ModePlain, because mpb draws nothing there.
	ModeBars Mode = iota
	// ModePlain prints one line per finished, skipped or failed item, for
	// logs and CI.
	ModePlain
	// ModeQuiet prints nothing, for --quiet and machine-readable output.
	ModeQuiet
)

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

// New returns a Tracker that writes to w in the given mode (an unknown mode
// counts as ModePlain). For ModeBars, w should be the terminal itself: an
// *os.File, or a wrapper with an FD() uintptr method such as docker's
// *streams.Out. Lines are written whole, one Write per line, so output from
// many goroutines never interleaves mid-line. Write errors are ignored:
// progress output never fails a transfer.
func New(w io.Writer, mode Mode, opts ...Option) Tracker {
	o := options{verb: DefaultVerb}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	switch mode {
	case ModeQuiet:
		return Nop()
	case ModeBars:
		if cw, ok := terminalWriter(w); ok {
			return newBars(o, cw)
		}
	}
	return newPlain(w, o)
}

// Nop returns a Tracker that shows nothing, for library callers.
func Nop() Tracker { return nop{} }

// NopBar returns a Bar that records nothing, for a caller that must pass a
// Bar and has no Tracker.
func NopBar() Bar { return nop{} }

type nop struct{}

func (nop) Track(string, int64) Bar { return nop{} }
func (nop) Wait()                   {}
func (nop) Add(int64)               {}
func (nop) SetCurrent(int64)        {}
func (nop) Done()                   {}
func (nop) Skip(string)             {}
func (nop) Abort(error)             {}
