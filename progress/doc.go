// Package progress reports how far each blob transfer has come. It offers one
// small interface with three faces: mpb bars on a terminal, one plain line per
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
package progress
