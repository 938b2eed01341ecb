package plugin

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/layout/layouttest"
)

// bigPackage is a generated package published to a test registry.
type bigPackage struct {
	ref   string // oci://…/big:1.0.0
	total int64  // sum of its layer sizes
	file  string // the name pull gives it
}

// publishBig generates a package of n incompressible components of size
// bytes each (streamed, never held in memory), publishes it with the
// plugin and deletes the local copy.
func publishBig(t *testing.T, reg *testregistry.Registry, cfg string, n int, size int64, uncompressed bool) bigPackage {
	t.Helper()
	files := map[string]layouttest.Content{}
	for i := range n {
		files[fmt.Sprintf("components/c%d.tar", i)] = layouttest.Random(size, uint64(i+1))
	}
	dir := t.TempDir()
	path := layouttest.Build(t, dir, layouttest.Spec{Name: "big", Version: "1.0.0", Uncompressed: uncompressed, Files: files})
	mustSucceed(t, runCLI(t, cfg, "publish", path, "oci://"+reg.Host+"/team", "-q"))
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(path)
	var total int64
	for _, l := range pushedManifest(t, reg.Host+"/team/big", entryFor(t, pushedIndex(t, reg.Host+"/team/big:1.0.0"), "amd64")).Layers {
		total += l.Size
	}
	t.Logf("published %s: %d bytes (%d layer bytes)", filepath.Base(path), fi.Size(), total)
	return bigPackage{ref: "oci://" + reg.Host + "/team/big:1.0.0", total: total, file: filepath.Base(path)}
}

// cacheBytes sums the finished and partial blobs in a pull cache.
func cacheBytes(cache string) (finished, partial int64) {
	es, _ := os.ReadDir(filepath.Join(cache, "blobs", "sha256"))
	for _, e := range es {
		fi, err := e.Info()
		if err != nil {
			continue
		}
		if strings.HasSuffix(e.Name(), ".partial") {
			partial += fi.Size()
		} else {
			finished += fi.Size()
		}
	}
	return finished, partial
}

// pullUntil runs a pull and cancels its context, as Ctrl-C does, as soon as
// stop reports true (polled every millisecond).
func pullUntil(t *testing.T, cfg string, stop func() bool, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if stop() {
					cancel()
					return
				}
			}
		}
	}()
	r := runCLIContext(ctx, t, cfg, args...)
	close(done)
	return r
}

// checkPulled verifies every file of a pulled package against its
// checksums, streaming.
func checkPulled(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	pkg, err := layout.Open(ctx, path)
	if err != nil {
		t.Fatalf("opening the pulled package: %v", err)
	}
	defer pkg.Close()
	err = pkg.Walk(ctx, func(f layout.File, r io.Reader) error {
		_, err := io.Copy(io.Discard, r)
		return err
	})
	if err != nil {
		t.Fatalf("verifying the pulled package: %v", err)
	}
}

// throttle slows blob downloads to about rate bytes per second, so that a
// test can stop a pull at a chosen point on any machine.
func throttle(rate int64) faultproxy.Scenario {
	return faultproxy.Scenario{Name: "throttle", Match: faultproxy.BlobGet, Action: func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		next.ServeHTTP(&slowWriter{ResponseWriter: w, rate: rate}, r)
	}}
}

type slowWriter struct {
	http.ResponseWriter
	rate int64
}

func (s *slowWriter) Write(b []byte) (int, error) {
	written := 0
	for len(b) > 0 {
		n := min(len(b), 64<<10)
		m, err := s.ResponseWriter.Write(b[:n])
		written += m
		if err != nil {
			return written, err
		}
		time.Sleep(time.Duration(int64(n) * int64(time.Second) / s.rate))
		b = b[n:]
	}
	return written, nil
}

// stripRange makes the registry ignore Range, as some CDNs and proxies do.
func stripRange() faultproxy.Scenario {
	return faultproxy.Scenario{Name: "no-range", Match: faultproxy.BlobGet, Action: func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		r.Header.Del("Range")
		next.ServeHTTP(w, r)
	}}
}

// TestPullResumesAfterCancel stops a 200 MB pull midway, as Ctrl-C does,
// and checks that the next pull with the same cache fetches only what is
// missing (Range from each partial blob) and writes a correct package.
func TestPullResumesAfterCancel(t *testing.T) {
	if testing.Short() {
		t.Skip("200 MB end-to-end pull; skipped with -short")
	}
	start := time.Now()
	reg := testregistry.Start(t)
	cfg := emptyConfig(t)
	big := publishBig(t, reg, cfg, 4, 50<<20, true)
	t.Logf("generated and published in %v", time.Since(start).Round(time.Millisecond))

	out, cache := t.TempDir(), t.TempDir()
	args := []string{"pull", big.ref, "-a", "amd64", "-o", out, "--cache", cache, "-q"}
	reg.Reset()
	// 5/8, not 1/2: blobs bound for an archive stream one after another,
	// and half of four blobs is a blob boundary with nothing partial.
	r := pullUntil(t, cfg, func() bool { f, p := cacheBytes(cache); return f+p >= big.total*5/8 }, args...)
	mustFail(t, r, "Cancelled")
	reg.Requests() // waits for the server side of the cancelled requests
	first := reg.BlobBytesOut()
	finished, partial := cacheBytes(cache)
	if names := dirNames(t, out); len(names) != 0 {
		t.Fatalf("the cancelled pull left %v in the output directory", names)
	}
	if partial == 0 {
		t.Fatal("the cancelled pull left no partial blob to resume")
	}

	reg.Reset()
	mustSucceed(t, runCLI(t, cfg, args...))
	second := reg.BlobBytesOut()
	ranged := 0
	for _, l := range reg.Requests() {
		if l.IsBlobGet() && l.Range != "" && l.Status == http.StatusPartialContent {
			ranged++
		}
	}
	t.Logf("package %d bytes; cancelled run sent %d (%.1f%%), left %d finished + %d partial in the cache; resumed run fetched %d (%.1f%%) with %d Range GETs; total %v",
		big.total, first, percentOf(first, big.total), finished, partial, second, percentOf(second, big.total), ranged, time.Since(start).Round(time.Millisecond))
	if second >= big.total*6/10 {
		t.Fatalf("the resumed pull fetched %d bytes, %.1f%% of the package; want < 60%%", second, percentOf(second, big.total))
	}
	if ranged == 0 {
		t.Fatal("the resumed pull sent no Range request")
	}
	checkPulled(t, filepath.Join(out, big.file))
}

// settleRequests waits for the handlers of a cancelled pull to finish (the server
// side learns of the cancel late), then empties the request log, so that
// the next run's figures are its own.
func settleRequests(reg *testregistry.Registry) {
	reg.Requests()
	reg.Reset()
}

func percentOf(n, of int64) float64 { return 100 * float64(n) / float64(of) }

// TestPullRangeIgnored resumes against a registry that ignores Range: the
// partial blobs start over and the package is still right.
func TestPullRangeIgnored(t *testing.T) {
	p := faultproxy.New(1)
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	cfg := emptyConfig(t)
	big := publishBig(t, reg, cfg, 4, 4<<20, false)
	out, cache := t.TempDir(), t.TempDir()
	args := []string{"pull", big.ref, "-a", "amd64", "-o", out, "--cache", cache, "-q"}

	p.Set(throttle(64 << 20))
	r := pullUntil(t, cfg, func() bool { _, part := cacheBytes(cache); return part >= big.total/3 }, args...)
	mustFail(t, r, "Cancelled")
	finished, partial := cacheBytes(cache)
	if partial == 0 {
		t.Fatal("the cancelled pull left no partial blob")
	}

	p.Set(stripRange())
	settleRequests(reg)
	mustSucceed(t, runCLI(t, cfg, args...))
	if p.Fired("no-range") == 0 {
		t.Fatal("no blob GET went through the Range stripper")
	}
	sentRange, partialAnswers := 0, 0
	for _, l := range reg.Requests() {
		if l.IsBlobGet() && l.Range != "" {
			sentRange++
		}
		if l.Status == http.StatusPartialContent {
			partialAnswers++
		}
	}
	if sentRange == 0 || partialAnswers != 0 {
		t.Fatalf("%d Range requests, %d 206 answers; want some and none", sentRange, partialAnswers)
	}
	if got := reg.BlobBytesOut(); got < big.total-finished || got > big.total+64<<10 {
		t.Fatalf("fetched %d bytes after a Range was ignored, want the %d not finished, each once", got, big.total-finished)
	}
	t.Logf("Range ignored: %d finished + %d partial bytes in the cache; the next pull fetched %d of %d", finished, partial, reg.BlobBytesOut(), big.total)
	checkPulled(t, filepath.Join(out, big.file))
}

// TestPullCancelLeavesNothing cancels pulls at several points (downloading,
// writing the archive) and checks that the output name never holds a file
// unless the pull finished, and that no temporary file is left beside it.
func TestPullCancelLeavesNothing(t *testing.T) {
	p := faultproxy.New(1)
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	cfg := emptyConfig(t)
	big := publishBig(t, reg, cfg, 4, 4<<20, false)
	p.Set(throttle(64 << 20))
	cases := []struct {
		name string
		stop func(out, cache string) bool
	}{
		{"at-once", func(string, string) bool { return true }},
		{"downloading", func(_, cache string) bool { f, p := cacheBytes(cache); return f+p >= big.total/4 }},
		{"writer-started", func(out, _ string) bool { return tempSize(out, big.file) >= 0 }},
		{"writing", func(out, _ string) bool { return tempSize(out, big.file) >= 4<<20 }},
		{"almost-done", func(_, cache string) bool { f, _ := cacheBytes(cache); return f >= big.total*3/4 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, cache := t.TempDir(), t.TempDir()
			r := pullUntil(t, cfg, func() bool { return tc.stop(out, cache) }, "pull", big.ref, "-a", "amd64", "-o", out, "--cache", cache, "-q")
			names := dirEntries(out)
			if r.err == nil {
				// Cancelled too late: then the package must be whole.
				if len(names) != 1 || names[0] != big.file {
					t.Fatalf("a finished pull left %v", names)
				}
				checkPulled(t, filepath.Join(out, big.file))
				t.Logf("the pull finished before the cancel")
				return
			}
			mustFail(t, r, "Cancelled")
			if len(names) != 0 {
				t.Fatalf("a cancelled pull left %v in the output directory", names)
			}
		})
	}
}

// tempSize is the size of the writer's temporary file for name in dir
// (layout.Write's ".NAME.tmp-*"), or -1 if there is none.
func tempSize(dir, name string) int64 {
	for _, n := range dirEntries(dir) {
		if strings.HasPrefix(n, "."+name+".tmp-") {
			if fi, err := os.Stat(filepath.Join(dir, n)); err == nil {
				return fi.Size()
			}
		}
	}
	return -1
}

func dirEntries(dir string) []string {
	names, _ := listDir(dir)
	return names
}

// TestPullDuplicateContent pulls a package two of whose files have the same
// bytes, so two layers share one digest and one cache entry.
func TestPullDuplicateContent(t *testing.T) {
	reg := testregistry.Start(t)
	cfg := emptyConfig(t)
	same := layouttest.Random(3<<20, 7)
	pkg := layouttest.Build(t, t.TempDir(), layouttest.Spec{Name: "dup", Version: "1.0.0", Files: map[string]layouttest.Content{
		"components/a.tar": same, "components/b.tar": same, "components/c.tar": layouttest.Random(1<<20, 8),
	}})
	mustSucceed(t, runCLI(t, cfg, "publish", pkg, "oci://"+reg.Host+"/team", "-q"))
	for _, cacheFlag := range []string{"--cache", "--no-cache"} {
		t.Run(cacheFlag, func(t *testing.T) {
			out := t.TempDir()
			args := []string{"pull", "oci://" + reg.Host + "/team/dup:1.0.0", "-a", "amd64", "-o", out, cacheFlag}
			if cacheFlag == "--cache" {
				args = append(args, t.TempDir())
			}
			mustSucceed(t, runCLI(t, cfg, args...))
			got, want := t.TempDir(), t.TempDir()
			unpackFixture(t, filepath.Join(out, "zarf-package-dup-amd64-1.0.0.tar.zst"), got)
			unpackFixture(t, pkg, want)
			sameFiles(t, unpackedFiles(t, got), unpackedFiles(t, want))
		})
	}
}
