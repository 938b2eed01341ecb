package progress

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"time"
)

// refresh is how often the bars are redrawn.
const refresh = 100 * time.Millisecond

// bars draws the live frame: the transfers in flight, the steps and the
// total, below the lines of finished items. One goroutine does all the
// drawing, one Write per frame, and every line goes through it, so that
// lines and bars never interleave. Each frame first moves the cursor back
// over the previous frame and clears to the end of the screen, so the frame
// must never scroll: it uses at most height-2 rows, each narrower than the
// terminal, and it starts with a carriage return in case the terminal
// echoed something (^C) on the line below it.
type bars struct {
	t       *tracker
	w       io.Writer
	size    func() (width, height int)
	pending []string // lines to print above the frame; guarded by t.mu

	// Only the drawing goroutine (or Wait, after it stopped) uses these.
	drawn   []string // the rows of the last frame
	width   int      // the terminal width they were drawn at
	painted bool     // whether anything was drawn: then the cursor line is ours
	speed   speedometer
	stopC   chan struct{}
	doneC   chan struct{}
	restore func() // undoes the terminal settings the bars made, if any
}

// newBars returns bars that draw on w; run starts the drawing goroutine.
// Tests draw frames by calling paint themselves.
func newBars(o options, w io.Writer, size func() (int, int)) *bars {
	t := newTracker(o)
	b := &bars{t: t, w: w, size: size}
	t.lineMin = BarsLineMin
	t.print = func(line string) { b.pending = append(b.pending, line) }
	t.stop = b.close
	return b
}

func (b *bars) run() *bars {
	b.stopC, b.doneC = make(chan struct{}), make(chan struct{})
	go b.loop()
	return b
}

func (b *bars) loop() {
	defer close(b.doneC)
	tick := time.NewTicker(refresh)
	defer tick.Stop()
	for {
		select {
		case <-b.stopC:
			return
		case <-tick.C:
			b.paint(false)
		}
	}
}

// close stops the drawing goroutine, then erases the frame and prints the
// lines still pending. The tracker is closed by then, so no line can come
// after.
func (b *bars) close() {
	if b.stopC != nil {
		close(b.stopC)
		<-b.doneC
	}
	b.paint(true)
	if b.restore != nil {
		b.restore()
	}
}

// paint writes the pending lines and, unless final, a new frame.
func (b *bars) paint(final bool) {
	width, height := b.size()
	v, lines := b.snapshot()
	var rows []string
	if !final {
		rows = layout(v, b.speed.sample(v.now, v.moved), width, height)
	}
	if len(lines) == 0 && width == b.width && slices.Equal(rows, b.drawn) && !final {
		return // nothing changed: spare the terminal
	}
	var buf bytes.Buffer
	b.erase(&buf, width)
	for _, l := range lines {
		buf.WriteString(l)
		buf.WriteByte('\n')
	}
	for _, r := range rows {
		buf.WriteString(r)
		buf.WriteByte('\n')
	}
	b.drawn, b.width = rows, width
	if buf.Len() == 0 {
		return
	}
	b.painted = true
	_, _ = b.w.Write(buf.Bytes())
}

// erase moves the cursor back to the first row of the last frame and
// clears from there down. When the terminal got narrower, a terminal that
// reflows (tmux, most emulators today) wrapped each old row onto
// ceil(len/width) rows; moving up by that many leaves no wrapped remains.
func (b *bars) erase(buf *bytes.Buffer, width int) {
	if !b.painted {
		return
	}
	n := 0
	for _, r := range b.drawn {
		n += rowsOf(textWidth(r), width)
	}
	buf.WriteByte('\r')
	if n > 0 {
		fmt.Fprintf(buf, "\x1b[%dA", n)
	}
	buf.WriteString("\x1b[J")
}

func rowsOf(n, width int) int {
	if width <= 0 || n <= width {
		return 1
	}
	return (n + width - 1) / width
}

// snapshot copies what a frame shows and takes the pending lines.
func (b *bars) snapshot() (view, []string) {
	t := b.t
	t.mu.Lock()
	defer t.mu.Unlock()
	v := view{now: t.now(), total: t.total, done: t.done, moved: t.moved}
	for _, e := range t.live {
		r := row{name: e.name, current: e.current, size: e.size, elapsed: v.now.Sub(e.start), moved: e.moved}
		if e.step {
			v.steps = append(v.steps, r)
		} else {
			v.items = append(v.items, r)
		}
	}
	lines := b.pending
	b.pending = nil
	return v, lines
}

// speedometer measures the total's speed over the last few seconds from
// the bytes moved, so a resumed or cached blob never shows as speed and a
// stall shows within seconds.
type speedometer struct{ samples []sample }

type sample struct {
	at    time.Time
	moved int64
}

const speedWindow = 5 * time.Second

// sample records the bytes moved at now and returns the speed in bytes per
// second, or -1 while less than a second has been measured.
func (s *speedometer) sample(now time.Time, moved int64) float64 {
	s.samples = append(s.samples, sample{now, moved})
	for len(s.samples) > 2 && now.Sub(s.samples[1].at) >= speedWindow {
		s.samples = s.samples[1:]
	}
	first := s.samples[0]
	dt := now.Sub(first.at)
	if dt < time.Second {
		return -1
	}
	return float64(moved-first.moved) / dt.Seconds()
}
