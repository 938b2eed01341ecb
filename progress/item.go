package progress

import (
	"fmt"
	"time"
)

// entry is one transfer or step. Its fields are guarded by its tracker's
// mutex; finished makes the first of Done, Skip and Abort the only one
// that counts.
type entry struct {
	t        *tracker
	name     string
	size     int64 // 0: unknown
	step     bool  // not part of the total
	start    time.Time
	current  int64 // what the bar shows; a retry may rewind it
	high     int64 // the most ever counted: what the total holds of it
	moved    int64 // bytes added, for the bar's speed
	finished bool
}

func (e *entry) Add(n int64) {
	if n <= 0 {
		return
	}
	t := e.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if e.finished {
		return
	}
	e.current += n
	e.moved += n
	if !e.step {
		t.moved += n
	}
	e.raise(e.current)
}

func (e *entry) SetCurrent(n int64) {
	if n < 0 {
		return
	}
	e.t.mu.Lock()
	defer e.t.mu.Unlock()
	if e.finished {
		return
	}
	e.current = n
	e.raise(n)
}

// raise moves the entry's high-water mark to n if n is beyond it and adds
// the difference to the tracker's done count (and, for an item of unknown
// size, to the sizes). A known size caps what an item adds: an overshoot
// must not push done past the total.
func (e *entry) raise(n int64) {
	if n <= e.high {
		return
	}
	old := e.high
	e.high = n
	if e.step {
		return
	}
	t := e.t
	if e.size > 0 {
		t.done += min(n, e.size) - min(old, e.size)
	} else {
		t.done += n - old
		t.sizes += n - old
	}
	t.grow()
}

// finish ends the entry and returns false if it had already ended.
func (e *entry) finish() bool {
	if e.finished {
		return false
	}
	e.finished = true
	e.t.forget(e)
	return true
}

// complete ends an item at its final count: its size when known (the rest
// came another way: mounted, resumed), else what its last attempt counted.
// The total keeps the most it ever counted: it never goes back.
func (e *entry) complete() (int64, bool) {
	if !e.finish() {
		return 0, false
	}
	final := e.current
	if e.size > 0 {
		final = e.size
	}
	e.raise(final)
	e.current = final
	if !e.step {
		e.t.completed += final
	}
	return final, true
}

func (e *entry) Done() {
	e.t.mu.Lock()
	defer e.t.mu.Unlock()
	if final, ok := e.complete(); ok && !e.step && final >= e.t.lineMin {
		e.t.println(doneLine(e.t.verb, e.name, final))
	}
}

func (e *entry) Skip(reason string) {
	e.t.mu.Lock()
	defer e.t.mu.Unlock()
	if final, ok := e.complete(); ok && !e.step && final >= e.t.lineMin {
		e.t.println(skipLine(e.name, reason))
	}
}

// Abort leaves the bytes counted so far in the total's done count: they
// were moved, and a pull keeps them to resume from.
func (e *entry) Abort(err error) {
	t := e.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if !e.finish() {
		return
	}
	if isCancel(err) {
		if !e.step {
			t.cancelled++
		}
		return
	}
	if !e.step {
		t.failed++
	}
	t.println(failLine(e.name, err))
}

func doneLine(verb, name string, n int64) string {
	return fmt.Sprintf("%s %s (%s)", verb, name, FormatSize(n))
}

func skipLine(name, reason string) string {
	if reason == "" {
		return "skipped " + name
	}
	return fmt.Sprintf("skipped %s (%s)", name, reason)
}

func failLine(name string, err error) string {
	if err == nil {
		return "failed " + name
	}
	return fmt.Sprintf("failed %s: %v", name, err)
}

// FormatSize writes a byte count for people, in powers of 1024: "512 B",
// "12.3 MiB".
func FormatSize(n int64) string {
	const unit = 1024
	if n < unit && n > -unit {
		return fmt.Sprintf("%d B", n)
	}
	v := float64(n)
	for _, u := range []string{"KiB", "MiB", "GiB", "TiB", "PiB"} {
		v /= unit
		if v < unit && v > -unit {
			return fmt.Sprintf("%.1f %s", v, u)
		}
	}
	return fmt.Sprintf("%.1f EiB", v/unit)
}
