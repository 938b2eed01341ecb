package progress

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestPlainLines(t *testing.T) {
	cases := []struct {
		name string
		opts []Option
		run  func(tr Tracker)
		want []string
	}{{
		name: "custom verb, known size",
		opts: []Option{WithVerb("pushed")},
		run: func(tr Tracker) {
			b := tr.Track("components/app.tar", 12_900_000)
			b.Add(1000)
			b.Done()
		},
		want: []string{"pushed components/app.tar (12.3 MiB)"},
	}, {
		name: "default verb, unknown size counts bytes",
		run: func(tr Tracker) {
			b := tr.Track("zarf.yaml", 0)
			b.Add(100)
			b.Add(24)
			b.Done()
		},
		want: []string{"done zarf.yaml (124 B)"},
	}, {
		name: "retry rewinds",
		run: func(tr Tracker) {
			b := tr.Track("blob", -1)
			b.Add(500)
			b.SetCurrent(0)
			b.Add(10)
			b.Done()
		},
		want: []string{"done blob (10 B)"},
	}, {
		name: "skip and fail",
		opts: []Option{WithVerb("pulled")},
		run: func(tr Tracker) {
			tr.Track("images/index.json", 409).Skip("exists")
			tr.Track("checksums.txt", 1).Skip("")
			tr.Track("x", 5).Abort(errors.New("boom"))
			tr.Track("y", 5).Abort(nil)
		},
		want: []string{"skipped images/index.json (exists)", "skipped checksums.txt", "failed x: boom", "failed y"},
	}, {
		name: "only the first ending counts",
		run: func(tr Tracker) {
			b := tr.Track("a", 2048)
			b.Done()
			b.Abort(errors.New("late"))
			b.Skip("late")
			b.Done()
			b.Add(5)
			c := tr.Track("b", 1)
			c.Abort(errors.New("first"))
			c.Done()
		},
		want: []string{"done a (2.0 KiB)", "failed b: first"},
	}, {
		name: "empty verb keeps the default",
		opts: []Option{WithVerb(""), nil},
		run:  func(tr Tracker) { tr.Track("a", 1).Done() },
		want: []string{"done a (1 B)"},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			tr := New(&buf, ModePlain, tc.opts...)
			tc.run(tr)
			tr.Wait()
			if got := lines(buf.String()); !slices.Equal(got, tc.want) {
				t.Errorf("output\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// TestNotATerminal: bars on a writer that is not a terminal become plain
// lines.
func TestNotATerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var buf bytes.Buffer
	for _, w := range []io.Writer{&buf, f, fdWriter{f}} {
		tr := New(w, ModeBars)
		tr.Track("x", 1).Done()
		tr.Wait()
	}
	if got := buf.String(); got != "done x (1 B)\n" {
		t.Errorf("bars on a buffer wrote %q, want a plain line", got)
	}
	if _, ok := terminalOf(fdWriter{f}); ok {
		t.Error("a wrapper of a regular file is a terminal")
	}
	var nilFile *os.File
	if _, ok := terminalOf(nilFile); ok {
		t.Error("a nil file is a terminal")
	}
	New(nil, ModeBars).Track("x", 1).Done() // a nil writer discards
	buf.Reset()
	New(&buf, Mode(9)).Track("x", 1).Done()
	if buf.String() != "done x (1 B)\n" {
		t.Errorf("an unknown mode wrote %q", buf.String())
	}
}

// fdWriter wraps a file the way docker's *streams.Out does.
type fdWriter struct{ f *os.File }

func (w fdWriter) Write(p []byte) (int, error) { return w.f.Write(p) }
func (w fdWriter) FD() uintptr                 { return w.f.Fd() }

// TestTerminalThroughWrapper: a wrapper exposing a terminal's descriptor is
// seen as a terminal. Nothing is drawn on it.
func TestTerminalThroughWrapper(t *testing.T) {
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	defer ptmx.Close()
	if _, ok := terminalOf(ptmx); !ok {
		t.Skip("/dev/ptmx is not a terminal here")
	}
	if _, ok := terminalOf(fdWriter{ptmx}); !ok {
		t.Error("a wrapper with the terminal's FD is not a terminal")
	}
}

func TestQuiet(t *testing.T) {
	var buf bytes.Buffer
	for _, tr := range []Tracker{New(&buf, ModeQuiet, WithVerb("pushed")), Nop()} {
		b := tr.Track("a", 10)
		b.Add(10)
		b.SetCurrent(3)
		b.Done()
		tr.Track("b", 1).Skip("exists")
		tr.Track("c", 1).Abort(errors.New("boom"))
		tr.Wait()
	}
	NopBar().Done()
	q := New(&buf, ModeQuiet)
	q.SetTotal(10)
	q.Track("a", 10).Skip("cached")
	q.Step("writing", 0).Done()
	q.Wait()
	if s := q.Stats(); s.Done != 10 || s.Total != 10 || s.Moved != 0 {
		t.Errorf("quiet stats %+v", s)
	}
	if s := Nop().Stats(); s != (Stats{}) {
		t.Errorf("nop stats %+v", s)
	}
	if buf.Len() != 0 {
		t.Errorf("quiet wrote %q", buf.String())
	}
}

func TestPlainConcurrent(t *testing.T) {
	var buf bytes.Buffer
	tr := New(&buf, ModePlain, WithVerb("pushed"))
	const n = 64
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			b := tr.Track(fmt.Sprintf("blob-%02d", i), 4096)
			r := Reader(strings.NewReader(strings.Repeat("x", 4096)), b)
			if _, err := io.Copy(io.Discard, r); err != nil {
				b.Abort(err)
				return
			}
			// Racing endings: exactly one line per bar.
			var end sync.WaitGroup
			end.Go(b.Done)
			end.Go(func() { b.Abort(errors.New("late")) })
			end.Wait()
		})
	}
	wg.Wait()
	tr.Wait()
	got := lines(buf.String())
	if len(got) != n {
		t.Fatalf("%d lines, want %d:\n%s", len(got), n, buf.String())
	}
	for i := range n {
		name := fmt.Sprintf("blob-%02d", i)
		if !slices.ContainsFunc(got, func(l string) bool {
			return l == "pushed "+name+" (4.0 KiB)" || l == "failed "+name+": late"
		}) {
			t.Errorf("no whole line for %s", name)
		}
	}
}

// TestPlainCancelAndStep: in logs a cancelled transfer leaves no line
// (one per layer was printed on Ctrl-C before), a step prints its title as
// it starts, and the counters match the bars'.
func TestPlainCancelAndStep(t *testing.T) {
	var buf bytes.Buffer
	tr := New(&buf, ModePlain, WithVerb("pulled"))
	tr.SetTotal(300)
	a := tr.Track("a", 100)
	a.Add(100)
	a.Done()
	b := tr.Track("b", 100)
	b.SetCurrent(40)
	b.Abort(fmt.Errorf("pulling b: %w", context.Canceled))
	tr.Track("c", 100).Add(5) // left unfinished
	w := tr.Step("writing pkg.tar.zst", 0)
	w.Add(10)
	w.Done()
	tr.Wait()
	want := []string{"pulled a (100 B)", "writing pkg.tar.zst"}
	if got := lines(buf.String()); !slices.Equal(got, want) {
		t.Errorf("lines %q, want %q", got, want)
	}
	if s := tr.Stats(); s != (Stats{Total: 300, Done: 145, Completed: 100, Moved: 105, Cancelled: 2}) {
		t.Errorf("stats %+v", s)
	}
}

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 12_900_000: "12.3 MiB",
		10 << 30: "10.0 GiB", 3 << 40: "3.0 TiB", 1 << 62: "4.0 EiB", -2048: "-2.0 KiB",
	} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestReader(t *testing.T) {
	var buf bytes.Buffer
	tr := New(&buf, ModePlain)
	b := tr.Track("r", 0)
	if _, err := io.Copy(io.Discard, Reader(strings.NewReader("hello world"), b)); err != nil {
		t.Fatal(err)
	}
	b.Done()
	if got := buf.String(); got != "done r (11 B)\n" {
		t.Errorf("output %q", got)
	}
}

func TestModeString(t *testing.T) {
	for m, want := range map[Mode]string{ModeBars: "bars", ModePlain: "plain", ModeQuiet: "quiet", Mode(9): "unknown"} {
		if m.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(m), m.String(), want)
		}
	}
}
