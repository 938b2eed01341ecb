//go:build linux

package plugin

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/layout/layouttest"
)

// openFiles counts the files and directories this process holds open, by
// the path /proc/self/fd links to. Sockets, pipes and anon inodes are left
// out: idle HTTP keep-alive connections are not leaks, and a leaked
// *os.File always shows as a path.
func openFiles(t *testing.T) map[string]int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	open := map[string]int{}
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		// ReadDir's own descriptor on /proc/<pid>/fd is gone by now.
		if err != nil || !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "/proc/") {
			continue
		}
		open[target]++
	}
	return open
}

// leaked is what after holds beyond before.
func leaked(before, after map[string]int) []string {
	var out []string
	for p, n := range after {
		if n > before[p] {
			out = append(out, fmt.Sprintf("%s (%d more)", p, n-before[p]))
		}
	}
	slices.Sort(out)
	return out
}

// noLeaks runs fn and fails if it left files open. The registry serves from
// this process too, so its handlers get a moment to finish their requests.
// No GC is forced: a finalizer would close a leaked *os.File and hide it.
func noLeaks(t *testing.T, fn func()) {
	t.Helper()
	before := openFiles(t)
	fn()
	var extra []string
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(25 * time.Millisecond) {
		if extra = leaked(before, openFiles(t)); len(extra) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(extra) > 0 {
		t.Errorf("files left open: %s", strings.Join(extra, ", "))
	}
}

// TestFDCounterSeesLeak proves the detector: a file left open is reported.
func TestFDCounterSeesLeak(t *testing.T) {
	before := openFiles(t)
	f, err := os.Open(demoAmd64)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	abs, _ := filepath.Abs(demoAmd64)
	if got := leaked(before, openFiles(t)); len(got) != 1 || !strings.HasPrefix(got[0], abs) {
		t.Fatalf("an open file was reported as %q", got)
	}
}

// TestNoFileLeaks publishes, pulls and inspects, on success and on every
// kind of failure, and checks each run closed every file it opened.
func TestNoFileLeaks(t *testing.T) {
	p := faultproxy.New(1)
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	cfg := emptyConfig(t)
	host := reg.Host
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "unpacked")
	unpackFixture(t, demoAmd64, dir)
	files := map[string]layouttest.Content{
		"components/app.tar": layouttest.Random(3<<20, 1),
		"components/cfg.tar": layouttest.Random(200<<10, 2),
	}
	badTar := layouttest.Build(t, mkdir(t, filepath.Join(tmp, "bad-tar")), layouttest.Spec{Name: "bad", Form: layouttest.FormTar,
		Files: files, Break: layouttest.Break{WrongChecksum: "components/app.tar"}})
	badZst := layouttest.Build(t, mkdir(t, filepath.Join(tmp, "bad-zst")), layouttest.Spec{Name: "bad",
		Files: files, Break: layouttest.Break{WrongChecksum: "components/app.tar"}})
	badAggregate := layouttest.Build(t, mkdir(t, filepath.Join(tmp, "bad-agg")), layouttest.Spec{Name: "bad",
		Files: files, Break: layouttest.Break{WrongAggregate: true}})
	cache := filepath.Join(tmp, "cache")
	ref := "oci://" + host + "/fd/demo:1.0.0"

	cases := []struct {
		name     string
		args     []string
		scenario *faultproxy.Scenario // injected for this run only
		cancel   bool                 // cancel once the scenario fires
		fails    bool
		want     string // in the error of a failing run
	}{
		{name: "publish tar.zst", args: []string{"publish", demoAmd64, "oci://" + host + "/fd"}},
		{name: "publish tar", args: []string{"publish", flavored, "oci://" + host + "/fd"}},
		{name: "publish split", args: []string{"publish", split000, "oci://" + host + "/fd"}},
		{name: "publish dir", args: []string{"publish", dir, "oci://" + host + "/fd-dir"}},
		{name: "publish wrong checksum tar", args: []string{"publish", badTar, "oci://" + host + "/fd"}, fails: true, want: "checksum"},
		{name: "publish wrong checksum tar.zst", args: []string{"publish", badZst, "oci://" + host + "/fd"}, fails: true, want: "checksum"},
		{name: "publish wrong aggregate", args: []string{"publish", badAggregate, "oci://" + host + "/fd"}, fails: true, want: "checksum"},
		{name: "publish missing file", args: []string{"publish", filepath.Join(tmp, "nope.tar.zst"), "oci://" + host + "/fd"}, fails: true, want: "no such file"},
		{name: "publish unreachable", args: []string{"publish", demoAmd64, "oci://127.0.0.1:1/fd", "--retries", "0"}, fails: true, want: "connection refused"},
		{name: "publish server error", args: []string{"publish", flavored, "oci://" + host + "/fd5", "--retries", "0"},
			scenario: ptr(faultproxy.ServerError(500, 0, faultproxy.UploadStart)), fails: true, want: "500"},
		{name: "publish cancelled", args: []string{"publish", demoAmd64, "oci://" + host + "/fdc"},
			scenario: ptr(faultproxy.Slow(time.Minute, faultproxy.UploadStart)), cancel: true, fails: true, want: "Cancelled"},
		{name: "pull", args: []string{"pull", ref, "-a", "amd64", "-o", mkdir(t, filepath.Join(tmp, "out1")), "--cache", cache}},
		{name: "pull cached dir", args: []string{"pull", ref, "-a", "amd64", "-o", mkdir(t, filepath.Join(tmp, "out2")), "--cache", cache, "--format", "dir"}},
		{name: "pull bad arch", args: []string{"pull", ref, "-a", "s390x", "-o", tmp, "--cache", cache}, fails: true, want: "s390x"},
		{name: "pull corrupt blob", args: []string{"pull", ref, "-a", "amd64", "-o", mkdir(t, filepath.Join(tmp, "out3")), "--no-cache", "--retries", "0"},
			scenario: ptr(faultproxy.CorruptBlob(0)), fails: true, want: "digest"},
		{name: "pull cancelled", args: []string{"pull", ref, "-a", "amd64", "-o", mkdir(t, filepath.Join(tmp, "out4")), "--cache", filepath.Join(tmp, "cache2")},
			scenario: ptr(faultproxy.Slow(time.Minute, faultproxy.BlobGet)), cancel: true, fails: true, want: "Cancelled"},
		{name: "pull unreachable", args: []string{"pull", "oci://127.0.0.1:1/fd/demo:1.0.0", "-o", tmp, "--retries", "0"}, fails: true, want: "connection refused"},
		{name: "inspect remote", args: []string{"inspect", ref, "-a", "amd64"}},
		{name: "inspect layers", args: []string{"inspect", ref, "-a", "amd64", "--layers"}},
		{name: "inspect local", args: []string{"inspect", demoAmd64}},
		{name: "inspect local split", args: []string{"inspect", split000}},
		{name: "inspect local broken", args: []string{"inspect", badAggregate}, fails: true, want: "checksum"},
		{name: "inspect bad arch", args: []string{"inspect", ref, "-a", "s390x"}, fails: true, want: "s390x"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p.Clear()
			if tc.scenario != nil {
				p.Set(*tc.scenario)
			}
			defer p.Clear()
			noLeaks(t, func() {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if tc.cancel {
					go cancelWhenFired(ctx, cancel, p, tc.scenario.Name)
				}
				r := runCLIContext(ctx, t, cfg, append(tc.args, "-q", "--plain-http")...)
				if (r.err != nil) != tc.fails {
					t.Fatalf("error %v, want failure: %v\nstderr: %s", r.err, tc.fails, r.stderr)
				}
				if tc.fails && !strings.Contains(Describe(r.err), tc.want) {
					t.Fatalf("failed for another reason: %s (want %q)", Describe(r.err), tc.want)
				}
			})
		})
	}
	// Every run also left no temporary files beside its outputs.
	for _, out := range []string{"out3", "out4"} {
		if ents, _ := os.ReadDir(filepath.Join(tmp, out)); len(ents) > 0 {
			t.Errorf("a failed pull left %s in %s", ents[0].Name(), out)
		}
	}
}

func mkdir(t *testing.T, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func ptr[T any](v T) *T { return &v }

// cancelWhenFired cancels once the proxy has stalled a request: the command
// is then mid-transfer with its files open.
func cancelWhenFired(ctx context.Context, cancel context.CancelFunc, p *faultproxy.Proxy, name string) {
	for ctx.Err() == nil {
		if p.Fired(name) > 0 {
			time.Sleep(50 * time.Millisecond)
			cancel()
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
