// Package progress reports how far each blob transfer has come. It offers one
// small interface with three faces: live bars on a terminal, one plain line per
// finished item in logs and CI, and silence for --quiet and -o json.
//
// The transfer code (registry) sees only the Tracker and Bar interfaces, so it
// knows nothing of any UI, as oras-go's copy hooks know nothing of one.
//
// New builds a Tracker for one of three modes (ModeBars, ModePlain,
// ModeQuiet); Nop and NopBar serve library callers that want no output.
// Every Tracker and Bar is safe for concurrent use by many goroutines, and a
// Bar may be finished exactly once: the first of Done, Skip or Abort wins and
// later calls are ignored.
//
// The total is declared up front (SetTotal) and only ever grows; skipped,
// cached and resumed bytes count towards it but not towards speed; an
// aborted job never reads 100%. The bars are drawn by a small renderer of
// our own rather than mpb: it must cap the frame at the terminal's height
// minus two and its width minus one, re-read both at every frame, show
// only the transfers in flight, and erase itself completely at Wait, so
// that the caller's one summary line is the last thing on the screen.
// Stats gives the caller the figures for that line.
package progress
