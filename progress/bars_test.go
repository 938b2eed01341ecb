package progress

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a test's time: it moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testBars draws on a fake screen of the given size, frames drawn only
// when the test calls paint, on a clock that moves only when told.
func testBars(width, height int, opts ...Option) (*bars, *screen, *clock) {
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	o := makeOptions(append(opts, func(o *options) { o.now = clk.now }))
	s := newScreen(width, height)
	return newBars(o, s, func() (int, int) { return s.width, s.height }), s, clk
}

// barRow matches a row of the frame: a bar, the total, or "+K more".
var barRow = regexp.MustCompile(`\[[=>-]*\]|^total |^\+\d+ more|\d+(\.\d)? (B|KiB|MiB|GiB) / `)

func barRows(lines []string) (n int) {
	for _, l := range lines {
		if barRow.MatchString(l) {
			n++
		}
	}
	return n
}

func totalRow(t *testing.T, lines []string) string {
	t.Helper()
	for _, l := range lines {
		if strings.HasPrefix(l, "total ") {
			return l
		}
	}
	t.Fatalf("no total row on screen:\n%s", strings.Join(lines, "\n"))
	return ""
}

// TestTotalNeverShrinks drives a declared total through retries, an
// overshoot, unknown sizes, a failure and a cancellation. Before, the
// total grew as items were tracked and shrank when one failed.
func TestTotalNeverShrinks(t *testing.T) {
	b, _, _ := testBars(80, 24)
	tr := b.t
	tr.SetTotal(1100)
	var last Stats
	check := func(step string) {
		t.Helper()
		s := tr.Stats()
		if s.Total < last.Total || s.Done < last.Done {
			t.Fatalf("%s: went back: %+v after %+v", step, s, last)
		}
		if s.Done > s.Total {
			t.Fatalf("%s: done %d past total %d", step, s.Done, s.Total)
		}
		last = s
	}
	check("declared")
	if last.Total != 1100 {
		t.Fatalf("total %d before any track, want the declared 1100", last.Total)
	}
	a := tr.Track("a", 300)
	a.Add(200)
	check("a moved 200")
	a.SetCurrent(0) // a retry starts over
	check("a rewound")
	a.Add(250)
	a.Add(100) // overshoot
	check("a overshoot")
	a.Done()
	check("a done")
	c := tr.Track("c", 0) // unknown size
	c.Add(80)
	check("c moved")
	c.Done()
	check("c done")
	d := tr.Track("d", 400)
	d.Add(150)
	d.Abort(errors.New("boom"))
	check("d failed")
	e := tr.Track("e", 300)
	e.SetCurrent(100) // resumed
	e.Abort(context.Canceled)
	check("e cancelled")
	tr.SetTotal(10) // a smaller declaration is ignored
	check("smaller declaration")
	tr.Wait()
	check("wait")
	want := Stats{Total: 1100, Done: 300 + 80 + 150 + 100, Completed: 380, Moved: 200 + 350 + 80 + 150, Failed: 1, Cancelled: 1}
	if last != want {
		t.Errorf("stats %+v, want %+v", last, want)
	}
	// More tracked than declared: the total grows past the declaration.
	b2, _, _ := testBars(80, 24)
	b2.t.SetTotal(10)
	b2.t.Track("x", 25)
	if got := b2.t.Stats().Total; got != 25 {
		t.Errorf("total %d, want the 25 tracked", got)
	}
}

// TestNoHundredPercentOnAbort: a cancelled job's total shows how far it
// got, never 100%, and Wait leaves no bar on the screen. Before, Wait
// completed the total bar: it read 100% whatever happened.
func TestNoHundredPercentOnAbort(t *testing.T) {
	b, scr, _ := testBars(80, 24, WithVerb("pulled"))
	tr := b.t
	tr.SetTotal(4 << 20)
	for i := range 3 {
		x := tr.Track(fmt.Sprintf("l%d", i), 1<<20)
		x.Add(1 << 20)
		x.Done()
	}
	last := tr.Track("l3", 1<<20)
	last.Add(1<<20 - 1)
	b.paint(false)
	if row := totalRow(t, scr.lines()); !strings.Contains(row, " 99%") {
		t.Errorf("one byte short, total row %q, want 99%%", row)
	}
	last.Abort(fmt.Errorf("pulling l3: %w", context.Canceled))
	b.paint(false)
	if row := totalRow(t, scr.lines()); strings.Contains(row, "100%") {
		t.Errorf("total row after abort %q claims done", row)
	}
	tr.Wait()
	lines := scr.lines()
	if n := barRows(lines); n != 0 {
		t.Errorf("%d bar rows left after Wait:\n%s", n, strings.Join(lines, "\n"))
	}
	want := []string{"pulled l0 (1.0 MiB)", "pulled l1 (1.0 MiB)", "pulled l2 (1.0 MiB)"}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("screen after Wait:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if s := tr.Stats(); s.Done != 4<<20-1 || s.Total != 4<<20 || s.Cancelled != 1 {
		t.Errorf("stats %+v", s)
	}
}

// TestSpeedExcludesSkippedBytes: resumed and cached bytes advance the
// total but not the speed. Before, speed was the count over time, so a
// resumed GiB showed as a burst of speed.
func TestSpeedExcludesSkippedBytes(t *testing.T) {
	b, scr, clk := testBars(100, 24)
	tr := b.t
	tr.SetTotal(600 << 20)
	tr.Track("cached", 300<<20).Skip("cached")
	r := tr.Track("resumed", 300<<20)
	b.paint(false)
	r.SetCurrent(100 << 20) // the partial file held this much
	for range 4 {
		clk.advance(500 * time.Millisecond)
		r.Add(512 << 10)
		b.paint(false)
	}
	lines := scr.lines()
	if row := totalRow(t, lines); !strings.HasSuffix(row, " 1.0 MiB/s") || !strings.Contains(row, "402.0 MiB / 600.0 MiB  67%") {
		t.Errorf("total row %q, want 402.0 MiB / 600.0 MiB at 1.0 MiB/s", row)
	}
	if len(lines) != 3 || lines[0] != "skipped cached (cached)" || !strings.HasPrefix(lines[1], "resumed ") ||
		!strings.HasSuffix(lines[1], "102.0 MiB / 300.0 MiB 1.0 MiB/s") {
		t.Errorf("screen:\n%s\nwant the resumed item at 1.0 MiB/s", strings.Join(lines, "\n"))
	}
	if s := tr.Stats(); s.Moved != 2<<20 {
		t.Errorf("moved %d, want 2 MiB", s.Moved)
	}
}

// TestBarsOnScreen runs a job on a small screen: the frame never takes
// more than height-2 rows, never scrolls a bar into the scrollback, and
// after Wait only lines remain. Before, every tracked bar was drawn until
// it finished and the area grew past the screen.
func TestBarsOnScreen(t *testing.T) {
	const width, height = 60, 12
	b, scr, clk := testBars(width, height, WithVerb("pulled"))
	tr := b.t
	const n = 200
	tr.SetTotal(n*64<<10 + 2<<20)
	big := tr.Track("components/big.tar", 2<<20)
	var inflight []Bar
	for i := range n {
		x := tr.Track(fmt.Sprintf("layer-%03d", i), 64<<10)
		x.Add(32 << 10)
		inflight = append(inflight, x)
		if len(inflight) > 15 { // more in flight than rows
			inflight[0].Add(32 << 10)
			inflight[0].Done()
			inflight = inflight[1:]
		}
		clk.advance(50 * time.Millisecond)
		b.paint(false)
		if rows := barRows(scr.lines()); rows > height-2 {
			t.Fatalf("after layer %d: %d bar rows on a %d-row screen", i, rows, height)
		}
	}
	big.Add(2 << 20)
	big.Done()
	inflight[0].Abort(errors.New("connection reset"))
	for _, x := range inflight[1:] {
		x.Abort(context.Canceled)
	}
	b.paint(false)
	tr.Wait()
	lines := scr.lines()
	if n := barRows(lines); n != 0 || scr.scrolled != 0 {
		t.Errorf("%d bar rows left, %d rows scrolled:\n%s", n, scr.scrolled, strings.Join(lines, "\n"))
	}
	want := "pulled components/big.tar (2.0 MiB)\nfailed layer-185: connection reset"
	if got := strings.Join(lines, "\n"); got != want {
		t.Errorf("screen:\n%s\nwant:\n%s", got, want)
	}
}

// TestBarsEraseAfterEcho: the terminal echoes ^C on the line below the
// frame; the next frame still erases whole rows. Before, the cursor stayed
// after the echo and two columns of the old rows survived ("cofailed").
func TestBarsEraseAfterEcho(t *testing.T) {
	b, scr, _ := testBars(80, 24)
	x := b.t.Track("components/x.tar", 100)
	x.Add(10)
	b.paint(false)
	_, _ = scr.Write([]byte("^C"))
	x.Abort(errors.New("boom"))
	b.t.Wait()
	if got := strings.Join(scr.lines(), "\n"); got != "failed components/x.tar: boom" {
		t.Errorf("screen:\n%s", got)
	}
}

// TestBarsNarrower: after the terminal narrows, erasing covers the rows a
// reflowing terminal wrapped the old frame onto.
func TestBarsNarrower(t *testing.T) {
	b, _, _ := testBars(100, 24)
	b.t.SetTotal(1 << 20)
	b.t.Track("images/blobs/sha256/"+strings.Repeat("a", 64), 1<<20).Add(1)
	b.paint(false)
	if len(b.drawn) != 2 || textWidth(b.drawn[0]) != 99 {
		t.Fatalf("frame %q", b.drawn)
	}
	eraseTo := func(width int) string {
		var buf bytes.Buffer
		b.erase(&buf, width)
		return buf.String()
	}
	if got := eraseTo(100); got != "\r\x1b[2A\x1b[J" {
		t.Errorf("same width: %q", got)
	}
	if got := eraseTo(50); got != "\r\x1b[4A\x1b[J" {
		t.Errorf("half width: %q, want 4 rows up", got)
	}
}

// TestLinesAboveBars: in bars mode small items leave no line, big ones and
// failures do, cancellations do not, and a step shows while it runs.
func TestLinesAboveBars(t *testing.T) {
	b, scr, clk := testBars(80, 24, WithVerb("pushed"))
	tr := b.t
	tr.Track("small", 10).Done()
	tr.Track("cached-small", 10).Skip("exists")
	tr.Track("big", BarsLineMin).Done()
	tr.Track("big-cached", 2*BarsLineMin).Skip("exists")
	tr.Track("broken", 10).Abort(errors.New("boom"))
	tr.Track("cancelled", 10).Abort(fmt.Errorf("pushing: %w", context.Canceled))
	w := tr.Step("writing zarf-package-big-amd64-1.0.0.tar.zst", 0)
	clk.advance(6 * time.Second)
	b.paint(false)
	if !strings.Contains(strings.Join(scr.lines(), "\n"), "writing zarf-package-big-amd64-1.0.0.tar.zst  6s") {
		t.Errorf("no step row:\n%s", strings.Join(scr.lines(), "\n"))
	}
	w.Done()
	tr.Wait()
	want := "pushed big (1.0 MiB)\nskipped big-cached (exists)\nfailed broken: boom"
	if got := strings.Join(scr.lines(), "\n"); got != want {
		t.Errorf("screen:\n%s\nwant:\n%s", got, want)
	}
}

// TestBarsWaitNeverHangs ends bars every way, including not at all, and
// checks that Wait returns and a late bar records nothing.
func TestBarsWaitNeverHangs(t *testing.T) {
	cases := []struct {
		name string
		run  func(tr Tracker)
	}{
		{"nothing tracked", func(Tracker) {}},
		{"done", func(tr Tracker) { b := tr.Track("a", 10); b.Add(10); b.Done() }},
		{"unknown size never ended", func(tr Tracker) { tr.Track("a", -1).Add(5) }},
		{"aborted after done", func(tr Tracker) { b := tr.Track("a", 10); b.Done(); b.Abort(errors.New("x")) }},
		{"left unfinished", func(tr Tracker) { tr.Track("a", 10).Add(1); tr.Step("writing", 0) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, _, _ := testBars(80, 24)
			b.run()
			tc.run(b.t)
			waitWithin(t, b.t)
			late := b.t.Track("late", 5)
			late.Add(5)
			late.Done()
			waitWithin(t, b.t)
			if s := b.t.Stats(); s.Done > 10 {
				t.Errorf("a late bar counted: %+v", s)
			}
		})
	}
}

// waitWithin fails the test instead of hanging when Wait does not return.
func waitWithin(t *testing.T, tr Tracker) {
	t.Helper()
	done := make(chan struct{})
	go func() { tr.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Wait hung")
	}
}

// TestBarsConcurrent runs the drawing goroutine against many transfers
// (run it with -race).
func TestBarsConcurrent(t *testing.T) {
	b, scr, _ := testBars(80, 24, WithVerb("pulled"))
	var mu sync.Mutex
	b.w = writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return scr.Write(p) })
	b.run()
	tr := b.t
	const n = 40
	tr.SetTotal(n * BarsLineMin)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			x := tr.Track(fmt.Sprintf("images/blobs/sha256/%064d", i), BarsLineMin)
			for range 16 {
				x.Add(BarsLineMin / 16)
				time.Sleep(time.Millisecond)
			}
			switch i % 4 {
			case 0, 1:
				x.Done()
			case 2:
				x.Skip("exists")
			case 3:
				x.Abort(errors.New("boom"))
			}
		})
	}
	wg.Wait()
	waitWithin(t, tr)
	out := strings.Join(scr.lines(), "\n")
	if barRows(scr.lines()) != 0 {
		t.Errorf("bars left:\n%s", out)
	}
	s := tr.Stats()
	if s.Completed != 3*n/4*BarsLineMin || s.Done != n*BarsLineMin || s.Failed != n/4 {
		t.Errorf("stats %+v", s)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
