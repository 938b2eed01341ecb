package layout_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/layout/layouttest"
)

// bigLimit is the memory budget for handling a package of any size: peak
// Go heap in use and peak resident set size of the whole test process.
const bigLimit = 64 << 20

// bigSize is the component size TestBigPackageMemory uses: 256 MiB in every
// `go test` run (`make test`), four times the budget, so anything that holds
// a whole file in memory fails; DZ_BIG=1 runs the full 4 GiB (about 12 GiB
// of temporary files, minutes).
func bigSize() int64 {
	if os.Getenv("DZ_BIG") == "1" {
		return 4 << 30
	}
	return 256 << 20
}

// TestBigPackageMemory opens, streams and rewrites a package with one big
// component in each form and checks that memory stays flat: under bigLimit
// whatever the size. It is skipped with -short.
func TestBigPackageMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes about 3 × 256 MiB of temporary files")
	}
	if raceEnabled {
		// The race detector's shadow memory inflates RSS past any honest
		// budget and makes the run minutes long; make test runs this test
		// once more without -race.
		t.Skip("memory budgets are measured without -race")
	}
	size := bigSize()
	// Seekable forms are also rewritten through Open and Write: to tar.zst
	// from one form and to tar from the other, so that both writers are
	// measured and only one pays for compressing.
	for _, tc := range []struct {
		form layouttest.Form
		to   layout.Format
	}{{layouttest.FormTarZst, ""}, {layouttest.FormTar, layout.FormatTarZst}, {layouttest.FormSplit, layout.FormatTar}} {
		t.Run(string(tc.form), func(t *testing.T) {
			dir := t.TempDir()
			path := layouttest.Build(t, dir, layouttest.Spec{
				Form: tc.form, SplitOf: layouttest.FormTar, PartSize: size / 4,
				Files: map[string]layouttest.Content{"components/big.tar": layouttest.Text(size, 7)},
			})
			var p *layout.Package
			measure(t, "open", func() {
				var err error
				if p, err = layout.Open(context.Background(), path); err != nil {
					t.Fatal(err)
				}
			})
			defer p.Close()
			measure(t, "walk", func() {
				err := p.Walk(context.Background(), func(_ layout.File, r io.Reader) error {
					_, err := io.Copy(io.Discard, r)
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
			})
			if p.Seekable() != (tc.to != "") {
				t.Fatalf("%s: seekable %v", tc.form, p.Seekable())
			}
			if tc.to != "" {
				measure(t, "write "+string(tc.to), func() { rewrite(t, p, filepath.Join(dir, "out"), tc.to) })
			}
		})
	}
}

// rewrite writes p's files as a new package in format, reading them with
// Open.
func rewrite(t *testing.T, p *layout.Package, dst string, format layout.Format) {
	var entries []layout.Entry
	for _, f := range p.Files {
		entries = append(entries, layout.Entry{Path: f.Path, Size: f.Size, Open: func() (io.ReadCloser, error) { return p.Open(f) }})
	}
	if err := layout.Write(context.Background(), dst, format, entries); err != nil {
		t.Fatal(err)
	}
	os.Remove(dst)
}

// measure runs fn while sampling the Go heap, and reads the peak resident
// set size of the process from /proc (reset before fn), failing the test
// if either goes over bigLimit. Where the peak cannot be reset (not Linux)
// only the heap is bounded.
func measure(t *testing.T, name string, fn func()) {
	t.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	// Writing 5 to clear_refs resets VmHWM to the current RSS (Linux).
	hwmReset := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	var peakHeap, peakSys uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peakHeap, peakSys = max(peakHeap, m.HeapInuse), max(peakSys, m.Sys)
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})
	start := time.Now()
	fn()
	close(stop)
	wg.Wait()
	hwm := vmHWM()
	t.Logf("%s: %v, peak heap in use %d MiB, peak Go sys %d MiB, peak RSS %d MiB (reset: %v)",
		name, time.Since(start).Round(time.Millisecond), peakHeap>>20, peakSys>>20, hwm>>20, hwmReset)
	if peakHeap > bigLimit || (hwmReset && hwm > bigLimit) {
		t.Errorf("%s: memory not flat: heap %d MiB, RSS %d MiB, budget %d MiB", name, peakHeap>>20, hwm>>20, bigLimit>>20)
	}
}

// vmHWM is the peak resident set size in bytes (0 if unknown).
func vmHWM() uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
