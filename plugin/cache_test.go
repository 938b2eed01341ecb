package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/cli/cli/command"
	cliflags "github.com/docker/cli/cli/flags"
	"github.com/gofrs/flock"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/journey"
	"github.com/docker-zarf/docker-zarf/plugin/formatter"
)

// runCLIInput is runCLIContext with stdin reading in: how a test answers
// the prompt of cache prune.
func runCLIInput(ctx context.Context, t *testing.T, in io.Reader, args ...string) cliResult {
	t.Helper()
	configDir := emptyConfig(t)
	t.Setenv("DOCKER_CONFIG", configDir)
	var out, errb bytes.Buffer
	dockerCli, err := command.NewDockerCli(command.WithOutputStream(&out), command.WithErrorStream(&errb),
		command.WithInputStream(io.NopCloser(in)))
	if err != nil {
		t.Fatal(err)
	}
	opts := cliflags.NewClientOptions()
	opts.ConfigDir = configDir
	if err := dockerCli.Initialize(opts); err != nil {
		t.Fatal(err)
	}
	root := NewRootCmd("zarf", true, dockerCli, BuildInfo{Version: "v0.0.0-test"})
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errb)
	err = root.ExecuteContext(ctx)
	return cliResult{stdout: out.String(), stderr: errb.String(), err: err}
}

// testBlob is one file a test puts in a cache: a blob, or a partial
// download of one, n in hex its digest.
type testBlob struct {
	n       int
	partial bool
	size    int
	age     time.Duration
}

func (b testBlob) hex() string { return strings.Repeat(fmt.Sprintf("%02x", b.n), 32) }

func (b testBlob) digest() string { return "sha256:" + b.hex() }

func (b testBlob) file(cache string) string {
	p := filepath.Join(cache, "blobs", "sha256", b.hex())
	if b.partial {
		p += ".partial"
	}
	return p
}

var (
	cachedBlob    = testBlob{n: 0xa1, size: 3_000_000, age: 2 * time.Hour}
	staleBlob     = testBlob{n: 0xa2, size: 1_500_000, age: 72 * time.Hour}
	leftover      = testBlob{n: 0xa3, partial: true, size: 200_000, age: 30 * time.Hour}
	beingPulled   = testBlob{n: 0xa4, partial: true, size: 50_000, age: 10 * time.Minute}
	lockedBlob    = testBlob{n: 0xa5, size: 10_000, age: 100 * time.Hour}
	allTestBlobs  = []testBlob{cachedBlob, staleBlob, leftover, beingPulled, lockedBlob}
	lockedByPulls = []testBlob{beingPulled, lockedBlob}
)

// testCache writes allTestBlobs into a new cache and holds the locks of
// lockedByPulls, as running pulls do, until the test ends.
func testCache(t *testing.T) string {
	t.Helper()
	cache := t.TempDir()
	if err := os.MkdirAll(filepath.Join(cache, "blobs", "sha256"), 0o755); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, b := range allTestBlobs {
		if err := os.WriteFile(b.file(cache), make([]byte, b.size), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(b.file(cache), now.Add(-b.age), now.Add(-b.age)); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range lockedByPulls {
		fl := flock.New(strings.TrimSuffix(b.file(cache), ".partial") + ".lock")
		if ok, err := fl.TryLock(); err != nil || !ok {
			t.Fatalf("locking %s: %v %v", b.digest(), ok, err)
		}
		t.Cleanup(func() { fl.Unlock() })
	}
	return cache
}

// present tells which of allTestBlobs are still in cache.
func present(cache string) []testBlob {
	var left []testBlob
	for _, b := range allTestBlobs {
		if _, err := os.Stat(b.file(cache)); err == nil {
			left = append(left, b)
		}
	}
	return left
}

// TestCacheLsAfterPull: after a real pull, cache ls lists each blob the
// pull stored, and its total is the bytes on disk; json and -q say the same.
func TestCacheLsAfterPull(t *testing.T) {
	reg := testregistry.Start(t)
	cfg := emptyConfig(t)
	cache := t.TempDir()
	ref := "oci://" + reg.Host + "/ns/demo:1.0.0"
	mustSucceed(t, runCLI(t, cfg, "publish", demoAmd64, "oci://"+reg.Host+"/ns", "-q"))
	mustSucceed(t, runCLI(t, cfg, "pull", ref, "-a", "amd64", "-o", t.TempDir(), "--cache", cache, "-q"))

	entries, err := os.ReadDir(filepath.Join(cache, "blobs", "sha256"))
	if err != nil {
		t.Fatal(err)
	}
	var digests []string
	var total int64
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".lock") {
			continue
		}
		fi, _ := e.Info()
		total += fi.Size()
		digests = append(digests, "sha256:"+e.Name())
	}
	if len(digests) < 3 {
		t.Fatalf("the pull stored %d blobs", len(digests))
	}

	r := mustSucceed(t, runCLI(t, cfg, "cache", "ls", "--cache", cache))
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	if !strings.HasPrefix(lines[0], "DIGEST") || !strings.Contains(lines[0], "SIZE") || !strings.Contains(lines[0], "LAST USED") {
		t.Fatalf("no table header:\n%s", r.stdout)
	}
	for _, d := range digests {
		if !strings.Contains(r.stdout, d[len("sha256:"):][:12]+"  ") {
			t.Errorf("cache ls does not list %s:\n%s", d, r.stdout)
		}
	}
	wantTail := []string{"", "Cache:        " + cache, "Reclaimable:  0B", "Total:        " + humanSize(total)}
	if got := lines[len(lines)-4:]; !slices.Equal(got, wantTail) || len(lines) != 1+len(digests)+4 {
		t.Fatalf("cache ls:\n%s\nwant %d rows and the tail %q", r.stdout, len(digests), wantTail)
	}
	if !strings.Contains(r.stdout, "second ago") && !strings.Contains(r.stdout, "seconds ago") {
		t.Errorf("blobs just pulled are not shown as used seconds ago:\n%s", r.stdout)
	}

	var info journey.CacheInfo
	r = mustSucceed(t, runCLI(t, cfg, "cache", "ls", "--cache", cache, "--format", "json"))
	if err := json.Unmarshal([]byte(r.stdout), &info); err != nil {
		t.Fatalf("--format json printed %q: %v", r.stdout, err)
	}
	if info.Size != total || len(info.Blobs) != len(digests) || info.Dir != cache {
		t.Fatalf("--format json: %+v, want %d blobs of %d bytes", info, len(digests), total)
	}

	r = mustSucceed(t, runCLI(t, cfg, "cache", "ls", "--cache", cache, "-q"))
	got := strings.Fields(r.stdout)
	slices.Sort(got)
	if !slices.Equal(got, digests) {
		t.Fatalf("cache ls -q printed %q, want %q", got, digests)
	}
}

// humanSize is docker's way of writing sizes (units.HumanSize).
func humanSize(n int64) string {
	var b bytes.Buffer
	formatter.Pruned(&b, journey.PruneResult{Reclaimed: n})
	return strings.TrimSpace(strings.TrimPrefix(b.String(), "Total reclaimed space:"))
}

// TestCacheLs: the table marks partial downloads and those a running pull
// holds, -q lists only complete blobs, json carries every field, and
// without --cache it lists the default cache.
func TestCacheLs(t *testing.T) {
	cache := testCache(t)
	r := mustSucceed(t, runCLI(t, emptyConfig(t), "cache", "ls", "--cache", cache))
	want := fmt.Sprintf(`DIGEST                   SIZE    LAST USED
%.12s (pulling)   50kB    10 minutes ago
%.12s             3MB     2 hours ago
%.12s (partial)   200kB   30 hours ago
%.12s             1.5MB   3 days ago
%.12s (pulling)   10kB    4 days ago

Cache:        %s
Reclaimable:  200kB
Total:        4.76MB
`, beingPulled.hex(), cachedBlob.hex(), leftover.hex(), staleBlob.hex(), lockedBlob.hex(), cache)
	if r.stdout != want {
		t.Fatalf("cache ls:\n%s\nwant:\n%s", r.stdout, want)
	}

	r = mustSucceed(t, runCLI(t, emptyConfig(t), "cache", "ls", "--cache", cache, "-q", "--no-trunc"))
	if want := cachedBlob.digest() + "\n" + staleBlob.digest() + "\n" + lockedBlob.digest() + "\n"; r.stdout != want {
		t.Fatalf("cache ls -q:\n%s\nwant:\n%s", r.stdout, want)
	}

	r = mustSucceed(t, runCLI(t, emptyConfig(t), "cache", "ls", "--cache", cache, "--format", "json"))
	var info journey.CacheInfo
	if err := json.Unmarshal([]byte(r.stdout), &info); err != nil {
		t.Fatal(err)
	}
	if len(info.Blobs) != 5 || !info.Blobs[0].Partial || !info.Blobs[0].InUse || info.Blobs[0].Digest != beingPulled.digest() ||
		info.Reclaimable != int64(leftover.size) || info.Size != 4_760_000 {
		t.Fatalf("cache ls --format json: %s", r.stdout)
	}

	home := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", home)
	r = mustSucceed(t, runCLI(t, emptyConfig(t), "cache", "ls"))
	if !strings.HasSuffix(r.stdout, "Cache:        "+filepath.Join(home, "docker-zarf")+"\nReclaimable:  0B\nTotal:        0B\n") {
		t.Fatalf("cache ls of the default, empty cache:\n%s", r.stdout)
	}
	mustFail(t, runCLI(t, emptyConfig(t), "cache", "ls", "--format", "yaml"), `--format "yaml" is not one of text, json`)
	mustFail(t, runCLI(t, emptyConfig(t), "cache", "ls", "extra"), "accepts no arguments")
}

// TestCachePrune: what each form removes, what it prints, and that an
// entry a running pull holds always stays.
func TestCachePrune(t *testing.T) {
	cases := []struct {
		name   string
		input  string
		args   []string
		left   []testBlob
		stdout []string // in this order
	}{
		{"default asks and removes leftovers", "y\n", nil,
			[]testBlob{cachedBlob, staleBlob, beingPulled, lockedBlob},
			[]string{"WARNING! This will remove all partial downloads in the cache ", "Are you sure you want to continue? [y/N] ",
				"Deleted cache blobs:\n" + leftover.digest() + " (partial)\n\nTotal reclaimed space: 200kB\n"}},
		{"Y is yes", "Y\n", nil, []testBlob{cachedBlob, staleBlob, beingPulled, lockedBlob}, []string{"Total reclaimed space: 200kB"}},
		{"all keeps what pulls hold", "", []string{"--all", "--force"},
			[]testBlob{beingPulled, lockedBlob}, []string{"Total reclaimed space: 4.7MB\n"}},
		{"-a -f", "", []string{"-a", "-f"}, []testBlob{beingPulled, lockedBlob}, []string{"Total reclaimed space: 4.7MB\n"}},
		{"until 24h", "y\n", []string{"--filter", "until=24h"},
			[]testBlob{cachedBlob, beingPulled, lockedBlob},
			[]string{"WARNING! This will remove all blobs and partial downloads not used in the last 24h in the cache", "Total reclaimed space: 1.7MB\n"}},
		{"all until 48h", "", []string{"-af", "--filter", "until=48h"},
			[]testBlob{cachedBlob, leftover, beingPulled, lockedBlob}, []string{"Total reclaimed space: 1.5MB\n"}},
		{"n refuses", "n\n", []string{"--all"}, allTestBlobs, []string{"WARNING! This will remove all blobs in the cache", "[y/N] "}},
		{"no answer refuses", "", []string{"--all"}, allTestBlobs, []string{"[y/N] "}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cache := testCache(t)
			args := append([]string{"cache", "prune", "--cache", cache}, tc.args...)
			r := runCLIInput(context.Background(), t, strings.NewReader(tc.input), args...)
			if r.err != nil {
				t.Fatalf("cache prune: %v (exit %d)", r.err, exitCode(r.err))
			}
			rest := r.stdout
			for _, s := range tc.stdout {
				i := strings.Index(rest, s)
				if i < 0 {
					t.Fatalf("stdout lacks %q (in this order):\n%s", s, r.stdout)
				}
				rest = rest[i+len(s):]
			}
			if slices.Equal(tc.left, allTestBlobs) && strings.Contains(r.stdout, "reclaimed") {
				t.Fatalf("a refused prune reports: %s", r.stdout)
			}
			if got := present(cache); !slices.Equal(got, tc.left) {
				t.Fatalf("left %v, want %v", got, tc.left)
			}
		})
	}
}

func TestCachePruneJSON(t *testing.T) {
	cache := testCache(t)
	r := runCLIInput(context.Background(), t, strings.NewReader("y\n"), "cache", "prune", "--cache", cache, "--format", "json")
	var res journey.PruneResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.err != nil {
		t.Fatalf("prune --format json printed %q (%v, %v)", r.stdout, err, r.err)
	}
	if len(res.Removed) != 1 || res.Removed[0].Digest != leftover.digest() || res.Reclaimed != int64(leftover.size) {
		t.Fatalf("prune --format json: %+v", res)
	}
	if !strings.Contains(r.stderr, "Are you sure you want to continue? [y/N]") {
		t.Fatalf("the prompt is not on stderr: %q", r.stderr)
	}
}

// TestCachePruneErrors: bad filters fail before the prompt, and Ctrl-C at
// the prompt exits 130 with the cache untouched.
func TestCachePruneErrors(t *testing.T) {
	cache := testCache(t)
	bad := []struct {
		args []string
		want string
	}{
		{[]string{"--filter", "label=x"}, `invalid filter "label": the cache can only be filtered by until=DURATION`},
		{[]string{"--filter", "until"}, `invalid filter "until"`},
		{[]string{"--filter", "until=3d"}, `invalid filter until="3d": give a duration such as 24h`},
		{[]string{"--filter", "until=-1h"}, `invalid filter until="-1h"`},
		{[]string{"--format", "yaml"}, `--format "yaml" is not one of text, json`},
		{[]string{"now"}, "accepts no arguments"},
	}
	for _, tc := range bad {
		r := runCLIInput(context.Background(), t, strings.NewReader("y\n"), append([]string{"cache", "prune", "--cache", cache}, tc.args...)...)
		mustFail(t, r, tc.want)
		if exitCode(r.err) != ExitFailure || strings.Contains(r.stdout, "WARNING!") {
			t.Errorf("%v: exit %d, stdout %q", tc.args, exitCode(r.err), r.stdout)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	pr, pw := io.Pipe() // an answer that never comes
	defer pw.Close()
	r := runCLIInput(ctx, t, pr, "cache", "prune", "--cache", cache, "--all")
	if exitCode(r.err) != ExitCanceled || Describe(r.err) != "Error: cancelled" {
		t.Fatalf("Ctrl-C at the prompt: %v, exit %d", r.err, exitCode(r.err))
	}
	if got := present(cache); !slices.Equal(got, allTestBlobs) {
		t.Fatalf("a cancelled prune removed %v", got)
	}
}

// TestCacheBinaryExitCodes runs the real binary, stdin /dev/null: a
// refused prune exits 0 like docker's, a bad filter 1, a bad flag 125.
func TestCacheBinaryExitCodes(t *testing.T) {
	cache := testCache(t)
	cases := []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"cache", "prune", "--all"}, 0, "Are you sure you want to continue? [y/N] "},
		{[]string{"cache", "prune", "--filter", "dangling=true"}, ExitFailure, ""},
		{[]string{"cache", "prune", "--bogus"}, ExitUsage, ""},
		{[]string{"cache", "ls", "-q"}, 0, cachedBlob.digest()},
		{[]string{"cache", "prune", "-f"}, 0, "Total reclaimed space: 200kB"},
	}
	for _, tc := range cases {
		r := runProcess(t, exec.Command(pluginBinary(t), append(tc.args, "--cache", cache)...), emptyConfig(t))
		if r.code != tc.code || !strings.Contains(r.stdout, tc.out) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d and %q", tc.args, r.code, r.stdout, r.stderr, tc.code, tc.out)
		}
	}
	if got := present(cache); !slices.Equal(got, []testBlob{cachedBlob, staleBlob, beingPulled, lockedBlob}) {
		t.Fatalf("left %v", got)
	}
}
