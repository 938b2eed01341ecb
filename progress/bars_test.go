package progress

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vbauerster/cupwriter"
	"github.com/vbauerster/mpb/v8"
)

// syncBuffer is written by mpb's goroutine and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testBars renders into a buffer: mpb draws nothing on a non-terminal
// unless auto refresh is forced, and needs a width there.
func testBars(t *testing.T, opts ...Option) (*bars, *syncBuffer) {
	t.Helper()
	o := options{verb: DefaultVerb}
	for _, opt := range opts {
		opt(&o)
	}
	buf := &syncBuffer{}
	return newBars(o, cupwriter.New(buf, false), mpb.WithAutoRefresh(), mpb.WithWidth(120), mpb.WithRefreshRate(5*time.Millisecond)), buf
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

func TestBarsByteAccurate(t *testing.T) {
	tr, buf := testBars(t, WithVerb("pushed"))
	known := tr.Track("components/app.tar", 100).(*barItem)
	known.Add(40) // the rest came another way (mounted, resumed)
	known.Done()
	unknown := tr.Track("zarf.yaml", 0).(*barItem)
	unknown.Add(50)
	unknown.SetCurrent(20) // a retry
	unknown.Add(57)
	unknown.Done()
	failed := tr.Track("x", 1000).(*barItem)
	failed.Add(10)
	failed.Abort(errors.New("boom"))

	if got := known.bar.Current(); got != 100 {
		t.Errorf("known size: current %d after Done, want its total 100", got)
	}
	if got := unknown.bar.Current(); got != 77 {
		t.Errorf("unknown size: current %d after Done, want the 77 bytes counted", got)
	}
	if got := tr.total.Current(); got != 177 {
		t.Errorf("total bar current %d, want 177 (the failed transfer's bytes removed)", got)
	}
	tr.mu.Lock()
	size := tr.size
	tr.mu.Unlock()
	if size != 177 {
		t.Errorf("total bar total %d, want 177", size)
	}
	waitWithin(t, tr)
	out := buf.String()
	for _, want := range []string{"pushed components/app.tar (100 B)", "pushed zarf.yaml (77 B)", "failed x: boom", "total"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestBarsWaitNeverHangs ends bars every way, including not at all, and
// checks that Wait returns.
func TestBarsWaitNeverHangs(t *testing.T) {
	cases := []struct {
		name string
		run  func(tr Tracker)
	}{
		{"nothing tracked", func(Tracker) {}},
		{"done", func(tr Tracker) { b := tr.Track("a", 10); b.Add(10); b.Done() }},
		{"done short", func(tr Tracker) { b := tr.Track("a", 10); b.Add(3); b.Done() }},
		{"done overshoot", func(tr Tracker) { b := tr.Track("a", 10); b.Add(30); b.Done() }},
		{"unknown size done at zero", func(tr Tracker) { tr.Track("a", 0).Done() }},
		{"unknown size never ended", func(tr Tracker) { tr.Track("a", -1).Add(5) }},
		{"skipped", func(tr Tracker) { tr.Track("a", 10).Skip("exists") }},
		{"aborted", func(tr Tracker) { b := tr.Track("a", 10); b.Add(4); b.Abort(errors.New("x")) }},
		{"aborted after done", func(tr Tracker) { b := tr.Track("a", 10); b.Done(); b.Abort(errors.New("x")) }},
		{"left unfinished", func(tr Tracker) { tr.Track("a", 10).Add(1); tr.Track("b", 10) }},
		{"mixed", func(tr Tracker) {
			tr.Track("a", 10).Done()
			tr.Track("b", 0).Skip("mounted")
			tr.Track("c", 10).Abort(nil)
			tr.Track("d", 10)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr, _ := testBars(t)
			tc.run(tr)
			waitWithin(t, tr)
			// After Wait nothing blocks and nothing is drawn.
			b := tr.Track("late", 5)
			b.Add(5)
			b.Done()
			waitWithin(t, tr)
		})
	}
}

// TestBarsUseAfterWait: a bar still held by a goroutine when Wait returns
// must not block that goroutine.
func TestBarsUseAfterWait(t *testing.T) {
	tr, _ := testBars(t)
	b := tr.Track("a", 100)
	c := tr.Track("c", 100)
	c.Done()
	waitWithin(t, tr)
	done := make(chan struct{})
	go func() {
		b.Add(10)
		b.SetCurrent(0)
		b.Done()
		b.Abort(errors.New("x"))
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a bar used after Wait blocked")
	}
}

func TestBarsConcurrent(t *testing.T) {
	tr, buf := testBars(t, WithVerb("pulled"))
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			size := int64(1000 + i)
			b := tr.Track(fmt.Sprintf("images/blobs/sha256/%064d", i), size)
			for range 10 {
				b.Add(size / 10)
			}
			switch i % 4 {
			case 0, 1:
				b.Done()
			case 2:
				b.Skip("exists")
			case 3:
				b.Abort(errors.New("boom"))
			}
		})
	}
	wg.Wait()
	var want int64
	for i := range n {
		if i%4 != 3 {
			want += int64(1000 + i)
		}
	}
	if got := tr.total.Current(); got != want {
		t.Errorf("total current %d, want %d", got, want)
	}
	waitWithin(t, tr)
	out := buf.String()
	if c := strings.Count(out, "pulled images/blobs/sha256/"); c != n/2 {
		t.Errorf("%d done lines, want %d", c, n/2)
	}
	if c := strings.Count(out, "failed images/blobs/sha256/"); c != n/4 {
		t.Errorf("%d failed lines, want %d", c, n/4)
	}
	if !strings.Contains(out, "pulled images/blobs/sha256/"+fmt.Sprintf("%064d", 0)+" (1000 B)") {
		t.Error("a final line does not carry the whole name")
	}
}

func TestShorten(t *testing.T) {
	long := "images/blobs/sha256/" + strings.Repeat("a", 64)
	if got := shorten(long); len([]rune(got)) != maxNameWidth || !strings.HasSuffix(got, "…") {
		t.Errorf("shorten(%q) = %q", long, got)
	}
	if got := shorten("zarf.yaml"); got != "zarf.yaml" {
		t.Errorf("shorten kept %q", got)
	}
}
