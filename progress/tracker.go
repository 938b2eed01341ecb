package progress

import (
	"context"
	"errors"
	"sync"
	"time"
)

// tracker keeps the byte counts that all three faces share, so that bars,
// plain lines and silence agree on every figure. One mutex guards it all:
// a transfer calls Add once per read of 32 KiB or so, far too seldom for
// the lock to matter, and one lock keeps the total and the items in step.
type tracker struct {
	mu   sync.Mutex
	now  func() time.Time
	verb string
	// lineMin is the size from which a finished or skipped item leaves a
	// line (failures always do). Plain lines use 0: logs keep every item.
	lineMin int64
	// print shows one line, with mu held. Nil prints nothing.
	print func(line string)
	// stepLines prints a step's title when it starts: plain lines show
	// nothing else of it.
	stepLines bool
	// stop ends the face's drawing, once, after the tracker is closed.
	stop func()

	declared  int64 // from SetTotal
	sizes     int64 // known sizes tracked, plus what unknown-size items counted
	total     int64 // what is shown: the largest of the above and done, ever
	done      int64
	completed int64
	moved     int64
	failed    int
	cancelled int
	live      []*entry // unfinished items and steps, oldest first
	closed    bool
	waitOnce  sync.Once
}

func newTracker(o options) *tracker {
	return &tracker{now: o.now, verb: o.verb}
}

func (t *tracker) Track(name string, size int64) Bar { return t.start(name, size, false) }

func (t *tracker) Step(title string, size int64) Bar { return t.start(title, size, true) }

func (t *tracker) start(name string, size int64, step bool) Bar {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return NopBar()
	}
	e := &entry{t: t, name: name, size: max(size, 0), step: step, start: t.now()}
	t.live = append(t.live, e)
	if step && t.stepLines {
		t.println(name) // in a log the title is all there is to see of a step
	}
	if !step {
		t.sizes += e.size
		t.grow()
	}
	return e
}

func (t *tracker) SetTotal(n int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.declared = max(t.declared, n)
	t.grow()
}

// grow keeps the total at least every figure it must cover, and never
// lets it shrink.
func (t *tracker) grow() {
	t.total = max(t.total, t.declared, t.sizes, t.done)
}

func (t *tracker) Stats() Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	return Stats{
		Total: t.total, Done: t.done, Completed: t.completed, Moved: t.moved,
		Failed: t.failed, Cancelled: t.cancelled,
	}
}

// Wait closes the tracker: later bars record nothing, and bars still
// unfinished count as cancelled. Then the face stops drawing.
func (t *tracker) Wait() {
	t.waitOnce.Do(func() {
		t.mu.Lock()
		t.closed = true
		for _, e := range t.live {
			e.finished = true
			if !e.step {
				t.cancelled++
			}
		}
		t.live = nil
		t.mu.Unlock()
		if t.stop != nil {
			t.stop()
		}
	})
}

// forget removes a finished entry from the live list, keeping the order.
func (t *tracker) forget(e *entry) {
	for i, x := range t.live {
		if x == e {
			t.live = append(t.live[:i], t.live[i+1:]...)
			return
		}
	}
}

func (t *tracker) println(line string) {
	if t.print != nil {
		t.print(line)
	}
}

// isCancel tells a failure that the user or a sibling's failure caused
// (context cancelled, or os/signal's "interrupt signal received", which
// is a context.Canceled) from a failure of the transfer itself.
func isCancel(err error) bool { return errors.Is(err, context.Canceled) }
