package progress

import (
	"fmt"
	"sync"
)

// item is the byte count of one transfer, shared by the plain and bar faces.
// Its mutex makes each bar safe for concurrent use, and finished makes the
// first of Done, Skip and Abort the only one that counts.
type item struct {
	mu       sync.Mutex
	name     string
	size     int64 // <= 0: unknown
	current  int64
	finished bool
}

// add records n bytes moved. It returns false once the item is finished.
func (it *item) add(n int64) bool {
	it.mu.Lock()
	defer it.mu.Unlock()
	if it.finished {
		return false
	}
	it.current += n
	return true
}

// set sets the byte count and returns the change, or false once finished.
func (it *item) set(n int64) (delta int64, ok bool) {
	it.mu.Lock()
	defer it.mu.Unlock()
	if it.finished || n < 0 {
		return 0, false
	}
	delta, it.current = n-it.current, n
	return delta, true
}

// finish marks a completed (or skipped) item. The final count is the size
// when known, else what was counted, so a bar ends exactly at its total.
// delta is what the final count adds to the bytes recorded so far.
func (it *item) finish() (final, delta int64, ok bool) {
	it.mu.Lock()
	defer it.mu.Unlock()
	if it.finished {
		return 0, 0, false
	}
	it.finished = true
	final = it.current
	if it.size > 0 {
		final = it.size
	}
	delta, it.current = final-it.current, final
	return final, delta, true
}

// abort marks a failed item and returns the bytes it had counted.
func (it *item) abort() (current int64, ok bool) {
	it.mu.Lock()
	defer it.mu.Unlock()
	if it.finished {
		return 0, false
	}
	it.finished = true
	return it.current, true
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
