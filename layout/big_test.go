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

// bigLimit is the memory budget for handling a package of any size.
const bigLimit = 64 << 20

// TestBigPackageMemory opens, streams and rewrites a package with a 4 GiB
// component and checks that memory stays flat. It writes about 12 GiB and
// takes minutes, so it runs only with DZ_BIG=1.
func TestBigPackageMemory(t *testing.T) {
	if os.Getenv("DZ_BIG") != "1" {
		t.Skip("set DZ_BIG=1 to run (writes ~12 GiB of temporary files)")
	}
	const size = 4 << 30
	for _, form := range []layouttest.Form{layouttest.FormTarZst, layouttest.FormTar, layouttest.FormSplit} {
		t.Run(string(form), func(t *testing.T) {
			dir := t.TempDir()
			path := layouttest.Build(t, dir, layouttest.Spec{
				Form: form, SplitOf: layouttest.FormTar, PartSize: 1 << 30,
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
			if p.Seekable() {
				measure(t, "write tar.zst", func() { rewrite(t, p, filepath.Join(dir, "out.tar.zst")) })
			}
		})
	}
}

// rewrite writes p's files as a new tar.zst, reading them with Open.
func rewrite(t *testing.T, p *layout.Package, dst string) {
	var entries []layout.Entry
	for _, f := range p.Files {
		entries = append(entries, layout.Entry{Path: f.Path, Size: f.Size, Open: func() (io.ReadCloser, error) { return p.Open(f) }})
	}
	if err := layout.Write(context.Background(), dst, layout.FormatTarZst, entries); err != nil {
		t.Fatal(err)
	}
	os.Remove(dst)
}

// measure runs fn while sampling the Go heap, and reads the peak resident
// set size of the process from /proc (reset before fn).
func measure(t *testing.T, name string, fn func()) {
	t.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // resets VmHWM on Linux
	var peakHeap, peakSys uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
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
	t.Logf("%s: %v, peak heap in use %d MiB, peak Go sys %d MiB, peak RSS %d MiB",
		name, time.Since(start).Round(time.Millisecond), peakHeap>>20, peakSys>>20, hwm>>20)
	if peakHeap > bigLimit || hwm > bigLimit {
		t.Errorf("%s: memory not flat: heap %d MiB, RSS %d MiB", name, peakHeap>>20, hwm>>20)
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
