//go:build !windows

package progress

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/docker-zarf/docker-zarf/internal/ptytest"
)

// The pty test runs this package's test binary as a pull of 1,000 layers
// in a real 80×24 terminal (tmux) and reads the screen. These variables
// make the binary play the pull instead of running the tests.
const (
	scenarioEnv    = "PROGRESS_PTY_SCENARIO" // "success", "cancel" or "resize"
	concurrencyEnv = "PROGRESS_PTY_CONCURRENCY"
	rawEnv         = "PROGRESS_PTY_RAW" // where to copy the bytes the bars write
)

const (
	ptyLayers = 1000
	hungFrom  = 300 // in "cancel", layers from here on wait for Ctrl-C; in "resize", for a resize
)

func TestMain(m *testing.M) {
	if s := os.Getenv(scenarioEnv); s != "" {
		os.Exit(pullScenario(s))
	}
	os.Exit(m.Run())
}

// tee is the terminal seen through a wrapper, as docker's *streams.Out
// shows it: writes also go to the raw log.
type tee struct {
	io.Writer
	fd uintptr
}

func (t tee) FD() uintptr { return t.fd }

func layerName(i int) string {
	if i%2 == 1 {
		return fmt.Sprintf("images/blobs/sha256/%064x", i)
	}
	return fmt.Sprintf("components/layer-%04d.tar", i)
}

// layerSize: small layers, with a few big ones that leave a line.
func layerSize(i int) int64 {
	if i%250 == 0 {
		return 3 << 20
	}
	return 48<<10 + int64(i%7)<<13
}

// pullScenario pulls ptyLayers fake layers the way the plugin does (an
// errgroup, a limit, a tracker with a declared total) and ends with one
// line: the result, or the cancellation summary.
func pullScenario(kind string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	raw, err := os.Create(os.Getenv(rawEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer raw.Close()
	conc, _ := strconv.Atoi(os.Getenv(concurrencyEnv))
	tr := New(tee{io.MultiWriter(os.Stderr, raw), os.Stderr.Fd()}, ModeBars, WithVerb("pulled"))
	var total int64
	for i := range ptyLayers {
		total += layerSize(i)
	}
	tr.SetTotal(total)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(conc)
	hold := gctx.Done() // "cancel": until Ctrl-C
	if kind == "resize" {
		winch := make(chan os.Signal, 1)
		signal.Notify(winch, syscall.SIGWINCH)
		resized := make(chan struct{})
		go func() { <-winch; close(resized) }()
		hold = resized
	}
	for i := range ptyLayers {
		var wait <-chan struct{}
		if kind != "success" && i >= hungFrom {
			wait = hold
		}
		g.Go(func() error { return fakeLayer(gctx, tr, i, wait) })
	}
	err = g.Wait()
	if err == nil {
		w := tr.Step("writing zarf-package-big-amd64-1.0.0.tar.zst", 0)
		time.Sleep(300 * time.Millisecond)
		w.Done()
	}
	tr.Wait()
	s := tr.Stats()
	if err != nil {
		fmt.Fprintf(os.Stderr, "Cancelled: %s of %s kept in the cache; run the same command to resume.\n", FormatSize(s.Done), FormatSize(s.Total))
		return 130
	}
	fmt.Fprintf(os.Stderr, "pulled %d layers (%s)\n", ptyLayers, FormatSize(s.Done))
	return 0
}

// fakeLayer moves a layer in eight chunks; every tenth is cached and
// every tenth resumed from a half-full partial file. A layer given a wait
// channel waits for it (or a cancellation) before each chunk.
func fakeLayer(ctx context.Context, tr Tracker, i int, wait <-chan struct{}) error {
	size := layerSize(i)
	b := tr.Track(layerName(i), size)
	switch i % 10 {
	case 3:
		b.Skip("cached")
		return nil
	case 5:
		b.SetCurrent(size / 2)
	}
	for range 8 {
		if wait != nil {
			select {
			case <-wait:
			case <-ctx.Done():
			}
		}
		select {
		case <-ctx.Done():
			err := fmt.Errorf("pulling layer %s: %w", layerName(i), context.Cause(ctx))
			b.Abort(err)
			return err
		case <-time.After(2 * time.Millisecond):
			b.Add(size / 8)
		}
	}
	b.Done()
	return nil
}

// allowedLine is what may stay on the screen: a big layer's line, the
// result, the cancellation summary.
var allowedLine = regexp.MustCompile(`^(pulled components/layer-\d{4}\.tar \(3\.0 MiB\)|pulled 1000 layers \(.*\)|Cancelled: .* of .* kept in the cache; run the same command to resume\.)$`)

func TestPtyThousandLayers(t *testing.T) {
	cases := []struct {
		name, kind  string
		concurrency int
		resize      bool
	}{
		{"success", "success", 6, false},
		{"ctrl-c", "cancel", 6, false},
		{"more in flight than rows, resized", "resize", 40, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			raw := t.TempDir() + "/raw"
			term := ptytest.Start(t, 80, 24, []string{
				scenarioEnv + "=" + tc.kind, concurrencyEnv + "=" + strconv.Itoa(tc.concurrency), rawEnv + "=" + raw,
			}, os.Args[0])
			most := 0
			sample := func(screen []string) { most = max(most, barRows(screen)) }
			switch {
			case tc.kind == "cancel":
				// Hung transfers stay on screen until Ctrl-C.
				if err := term.WaitFor(ctx, layerName(hungFrom)); err != nil {
					t.Fatal(err)
				}
				if err := term.Keys("C-c"); err != nil {
					t.Fatal(err)
				}
			case tc.resize:
				// Hung transfers fill the screen until the resize.
				if err := term.WaitFor(ctx, " more"); err != nil {
					t.Fatal(err)
				}
				if err := term.Resize(50, 24); err != nil {
					t.Fatal(err)
				}
			}
			status, err := term.Wait(ctx, sample)
			if err != nil {
				t.Fatal(err)
			}
			screen, err := term.Screen()
			if err != nil {
				t.Fatal(err)
			}
			show := "\n" + strings.Join(screen, "\n")
			if want := map[string]int{"success": 0, "resize": 0, "cancel": 130}[tc.kind]; status != want {
				t.Errorf("exit status %d, want %d%s", status, want, show)
			}
			if most > 22 {
				t.Errorf("up to %d bar rows on the 24-row screen", most)
			}
			if n := barRows(screen); n != 0 {
				t.Errorf("%d bar rows left on the screen:%s", n, show)
			}
			summaries, big := 0, 0
			for _, l := range screen {
				if strings.HasSuffix(l, "(3.0 MiB)") {
					big++
				}
				if l != "" && !allowedLine.MatchString(l) {
					t.Errorf("unexpected line %q on the screen:%s", l, show)
				}
				if strings.HasPrefix(l, "Cancelled: ") || strings.HasPrefix(l, "pulled 1000 layers") {
					summaries++
				}
			}
			if summaries != 1 {
				t.Errorf("%d summary lines, want 1:%s", summaries, show)
			}
			// Layers 0, 250, 500 and 750 are big; a cancelled pull got two.
			// (A 22-row frame leaves room for one line: the others went
			// into the scrollback.)
			if want := map[string]int{"success": 4, "cancel": 2, "resize": 1}[tc.kind]; big != want {
				t.Errorf("%d lines for big layers, want %d:%s", big, want, show)
			}
			checkRaw(t, raw, tc.kind != "cancel", tc.concurrency > 22)
		})
	}
}

// totalValues reads the total row: done, total and percent.
var totalValues = regexp.MustCompile(`^total .*?([\d.]+ [KMGT]?i?B) / ([\d.]+ [KMGT]?i?B) +(\d+)%`)

// checkRaw reads every frame the bars wrote: none is taller than 22 rows
// or wider than 79 columns, and the total row shows the declared total
// from the first frame, a count that never goes back, and 100% only when
// every layer is in.
func checkRaw(t *testing.T, path string, success, wantMore bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	erase := regexp.MustCompile(`\r(\x1b\[\d+A)?\x1b\[J`)
	frames := erase.Split(string(b), -1)
	var lastPct, lastDone int64 = -1, -1
	totals := map[string]bool{}
	more := false
	for _, f := range frames {
		var rows []string
		for _, l := range strings.Split(strings.TrimSuffix(f, "\n"), "\n") {
			if barRow.MatchString(l) {
				rows = append(rows, l)
			}
		}
		if len(rows) > 22 {
			t.Errorf("a frame of %d rows:\n%s", len(rows), strings.Join(rows, "\n"))
		}
		for _, r := range rows {
			if textWidth(r) > 79 {
				t.Errorf("a row %d wide: %q", textWidth(r), r)
			}
			more = more || strings.HasPrefix(r, "+")
			m := totalValues.FindStringSubmatch(r)
			if m == nil {
				continue
			}
			totals[m[2]] = true
			done, pct := parseSize(m[1]), int64(must(strconv.Atoi(m[3])))
			if done < lastDone || pct < lastPct {
				t.Errorf("the total went back: %q after %d%% (%d B)", r, lastPct, lastDone)
			}
			lastDone, lastPct = done, pct
		}
	}
	if len(frames) < 5 || lastPct < 0 {
		t.Fatalf("only %d frames, last total %d%%", len(frames), lastPct)
	}
	if len(totals) != 1 {
		t.Errorf("the total changed: %v", totals)
	}
	if !success && lastPct >= 100 {
		t.Errorf("a cancelled pull showed %d%%", lastPct)
	}
	if wantMore && !more {
		t.Error("no +K more row with more transfers than rows")
	}
	t.Logf("%d frames, %d bytes, last total %d%%", len(frames), len(b), lastPct)
}

func parseSize(s string) int64 {
	f := strings.Fields(s)
	v, _ := strconv.ParseFloat(f[0], 64)
	mult := map[string]float64{"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}[f[1]]
	return int64(v * mult)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
