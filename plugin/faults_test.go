package plugin

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/layout/layouttest"
)

// faultPkgName is the package every fault test publishes: ns/faulty:0.0.1.
const faultPkgName = "faulty"

// faultAppSize is the size of the fault package's biggest layer.
const faultAppSize = 256 << 10

// faultAppContent is its content for seed.
func faultAppContent(seed uint64) layouttest.Content { return layouttest.Random(faultAppSize, seed) }

// faultPackage builds a small package whose biggest blob is larger than the
// drop points the scenarios use, so a cut lands mid-blob.
func faultPackage(t testing.TB, seed uint64) string {
	t.Helper()
	return layouttest.Build(t, t.TempDir(), layouttest.Spec{
		Name: faultPkgName,
		Files: map[string]layouttest.Content{
			"components/app.tar": faultAppContent(seed),
			"components/lib.tar": layouttest.Random(48<<10, seed+1000),
			"values.yaml":        layouttest.String("replicas: 1\n"),
		},
	})
}

// authConfigFor writes a DOCKER_CONFIG holding user:pass for host.
func authConfigFor(t testing.TB, host, user, pass string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, host, base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// pkgFileDigests lists path → digest of a package on disk, opened (and so
// validated) by layout.
func pkgFileDigests(path string) (map[string]string, error) {
	pkg, err := layout.Open(context.Background(), path)
	if err != nil {
		return nil, err
	}
	defer pkg.Close()
	out := map[string]string{}
	// Walk hashes every byte, so a pulled package is checked end to end.
	err = pkg.Walk(context.Background(), func(f layout.File, r io.Reader) error {
		out[f.Path] = f.Digest
		_, err := io.Copy(io.Discard, r)
		return err
	})
	return out, err
}

// diffPackages fails unless got holds exactly the files of want.
func diffPackages(want, got string) error {
	w, err := pkgFileDigests(want)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	g, err := pkgFileDigests(got)
	if err != nil {
		return fmt.Errorf("pulled: %w", err)
	}
	if len(w) != len(g) {
		return fmt.Errorf("pulled %d files, want %d", len(g), len(w))
	}
	for p, d := range w {
		if g[p] != d {
			return fmt.Errorf("pulled %s is %q, want %q", p, g[p], d)
		}
	}
	return nil
}

// transientCase is a fault a publish and a pull must get through.
type transientCase struct {
	name string
	// bearerTTL > 0 puts a token server with that token lifetime in front.
	bearerTTL time.Duration
	publish   func(seed uint64) []faultproxy.Scenario
	pull      func(seed uint64) []faultproxy.Scenario
	// fired names the scenario that must have fired at least once per step.
	fired string
}

// transientCases are the faults of issue #4 that retries must absorb.
// Counts and cut points vary with the seed.
func transientCases() []transientCase {
	burst := func(status int) transientCase {
		s := func(seed uint64) []faultproxy.Scenario {
			return []faultproxy.Scenario{faultproxy.ServerError(status, 1+int(seed%3), nil)}
		}
		return transientCase{name: fmt.Sprintf("%d-burst", status), publish: s, pull: s, fired: faultproxy.NameServerError}
	}
	slowOnce := func(m faultproxy.Matcher) faultproxy.Scenario {
		// Held past the token's lifetime, the request reaches the token
		// check with an expired token: a re-auth in the middle of the run.
		s := faultproxy.Slow(2500*time.Millisecond, m)
		s.Count = 1
		return s
	}
	return []transientCase{
		{name: "drop-upload", fired: faultproxy.NameDropUpload,
			publish: func(seed uint64) []faultproxy.Scenario {
				return []faultproxy.Scenario{faultproxy.DropUpload(int64(1+seed*7919%(200<<10)), 1+int(seed%2))}
			}},
		{name: "drop-download", fired: "drop-app",
			pull: func(seed uint64) []faultproxy.Scenario {
				// Cut the big layer's download inside its body.
				return []faultproxy.Scenario{{Name: "drop-app", Count: 1 + int(seed%2),
					Match:  faultproxy.All(faultproxy.BlobGet, faultproxy.Ref(faultAppContent(seed).Digest())),
					Action: faultproxy.DropResponseAfter(int64(1 + seed*7919%(200<<10)))}}
			}},
		{name: "drop-metadata", fired: faultproxy.NameDropDownload,
			pull: func(seed uint64) []faultproxy.Scenario {
				// The first blob GET is zarf.yaml: cut it a few bytes in.
				return []faultproxy.Scenario{faultproxy.DropDownload(int64(1+seed*13%100), 1)}
			}},
		burst(500), burst(502), burst(503),
		{name: "429-retry-after", fired: faultproxy.NameRateLimit,
			publish: func(seed uint64) []faultproxy.Scenario {
				return []faultproxy.Scenario{faultproxy.RateLimit(1, faultproxy.Not(faultproxy.Method("GET")))}
			},
			pull: func(seed uint64) []faultproxy.Scenario {
				return []faultproxy.Scenario{faultproxy.RateLimit(1, faultproxy.BlobGet)}
			}},
		{name: "token-expiry", bearerTTL: 2 * time.Second, fired: faultproxy.NameSlow,
			publish: func(uint64) []faultproxy.Scenario { return []faultproxy.Scenario{slowOnce(faultproxy.UploadPut)} },
			pull:    func(uint64) []faultproxy.Scenario { return []faultproxy.Scenario{slowOnce(faultproxy.BlobGet)} }},
	}
}

// TestFaultMatrix publishes and pulls a package through every transient
// fault, runsPerFault times each with different seeds, and prints the
// matrix. Runs of one fault go in parallel: most of their time is spent in
// retry waits.
func TestFaultMatrix(t *testing.T) {
	const runsPerFault = 10
	t.Setenv("DOCKER_CONFIG", emptyConfig(t))
	type row struct {
		name          string
		tried, passed int
	}
	var (
		mu   sync.Mutex
		rows []row
	)
	start := time.Now()
	for _, tc := range transientCases() {
		t.Run(tc.name, func(t *testing.T) {
			// Goroutines, not t.Parallel: -parallel defaults to GOMAXPROCS
			// (2 here) and these runs mostly sleep.
			var wg sync.WaitGroup
			passed := 0
			for seed := uint64(1); seed <= runsPerFault; seed++ {
				wg.Go(func() {
					if err := transientRun(t, tc, seed); err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					passed++
					mu.Unlock()
				})
			}
			wg.Wait()
			mu.Lock()
			rows = append(rows, row{tc.name, runsPerFault, passed})
			mu.Unlock()
		})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "fault matrix (publish + pull per run, %s):\n", time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(&b, "  %-18s %5s %6s\n", "scenario", "runs", "passed")
	for _, r := range rows {
		fmt.Fprintf(&b, "  %-18s %5d %6d\n", r.name, r.tried, r.passed)
	}
	t.Log(b.String())
}

// transientRun is one publish and one pull of a fresh package through a
// fresh registry with tc's faults on, then a comparison of what came back.
func transientRun(t *testing.T, tc transientCase, seed uint64) error {
	p := faultproxy.New(seed)
	opts := []testregistry.Option{testregistry.WithHandler(p.Middleware)}
	cfg := emptyConfig(t)
	if tc.bearerTTL > 0 {
		opts = append(opts, testregistry.WithBearerAuth("fault", "fault-pass", tc.bearerTTL))
	}
	reg := testregistry.Start(t, opts...)
	if tc.bearerTTL > 0 {
		cfg = authConfigFor(t, reg.Host, "fault", "fault-pass")
	}
	src := faultPackage(t, seed)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	steps := []struct {
		name      string
		scenarios func(uint64) []faultproxy.Scenario
		args      []string
	}{
		{"publish", tc.publish, []string{"publish", src, "oci://" + reg.Host + "/ns", "--plain-http", "-q"}},
		{"pull", tc.pull, []string{"pull", "oci://" + reg.Host + "/ns/" + faultPkgName + ":0.0.1", "--plain-http",
			"-a", "amd64", "-o", t.TempDir(), "--cache", t.TempDir()}},
	}
	for _, st := range steps {
		p.Clear()
		if st.scenarios != nil {
			p.Set(st.scenarios(seed)...)
		}
		r := execCLI(ctx, cfg, st.args...)
		if r.err != nil {
			return fmt.Errorf("%s (seed %d): %s\nstderr: %s", st.name, seed, Describe(r.err), r.stderr)
		}
		if st.scenarios != nil && p.Fired(tc.fired) == 0 {
			return fmt.Errorf("%s (seed %d): the %s fault never fired", st.name, seed, tc.fired)
		}
		if st.name == "pull" {
			if err := diffPackages(src, strings.TrimSpace(r.stdout)); err != nil {
				return fmt.Errorf("seed %d: %w", seed, err)
			}
		}
	}
	return nil
}

// TestFaultsTolerated are registry quirks a publish or pull must accept as
// they are: ECR's 201 to a PATCH, a registry without image indexes, a
// registry answering slowly.
func TestFaultsTolerated(t *testing.T) {
	cases := []struct {
		name      string
		scenario  faultproxy.Scenario
		warn      string // a line stderr must hold; "" for none
		wantIndex bool   // the tag points at an index (else at the manifest)
		args      []string
	}{
		// Small blobs go up in the commit PUT; chunks make PATCHes to answer.
		{"patch-201", faultproxy.PatchCreated(), "", true, []string{"--chunk-size", "64KiB"}},
		{"index-400", faultproxy.IndexRejected(400), "does not accept OCI image indexes", false, nil},
		{"index-415", faultproxy.IndexRejected(415), "does not accept OCI image indexes", false, nil},
	}
	src := faultPackage(t, 7)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := faultproxy.New(1)
			reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
			p.Set(tc.scenario)
			cfg := emptyConfig(t)
			r := mustSucceed(t, runCLI(t, cfg, append([]string{"publish", src, "oci://" + reg.Host + "/ns", "--plain-http"}, tc.args...)...))
			if p.Fired(tc.scenario.Name) == 0 {
				t.Fatalf("%s never fired", tc.scenario.Name)
			}
			if hasWarn := strings.Contains(r.stderr, "WARNING: "); hasWarn != (tc.warn != "") || !strings.Contains(r.stderr, tc.warn) {
				t.Fatalf("stderr %q: want warning %q", r.stderr, tc.warn)
			}
			p.Clear()
			ref := reg.Host + "/ns/" + faultPkgName + ":0.0.1"
			d := resolveWithGGCR(t, ref)
			if isIndex := strings.Contains(string(d.MediaType), "index"); isIndex != tc.wantIndex {
				t.Fatalf("tag points at %s, want index=%v", d.MediaType, tc.wantIndex)
			}
			out := t.TempDir()
			pr := mustSucceed(t, runCLI(t, cfg, "pull", "oci://"+ref, "--plain-http", "-a", "amd64", "-o", out, "--no-cache"))
			if err := diffPackages(src, strings.TrimSpace(pr.stdout)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestSlowRegistry inspects a package through a registry that takes a
// second per request (only the first few, to keep the test short).
func TestSlowRegistry(t *testing.T) {
	p := faultproxy.New(1)
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	cfg := emptyConfig(t)
	mustSucceed(t, runCLI(t, cfg, "publish", faultPackage(t, 3), "oci://"+reg.Host+"/ns", "--plain-http", "-q"))
	slow := faultproxy.Slow(time.Second, nil)
	slow.Count = 3
	p.Set(slow)
	r := mustSucceed(t, runCLI(t, cfg, "inspect", "oci://"+reg.Host+"/ns/"+faultPkgName+":0.0.1", "--plain-http", "-a", "amd64"))
	if p.Fired(faultproxy.NameSlow) != 3 || !strings.Contains(r.stdout, faultPkgName) {
		t.Fatalf("slow inspect: fired %d, stdout %q", p.Fired(faultproxy.NameSlow), r.stdout)
	}
}

// TestPullTagMovedStaysConsistent moves the tag to another package right
// after the pull resolved it: the pull must deliver the package it resolved,
// whole, because everything after the resolve goes by digest.
func TestPullTagMovedStaysConsistent(t *testing.T) {
	p := faultproxy.New(1)
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	cfg := emptyConfig(t)
	t.Setenv("DOCKER_CONFIG", cfg)
	first, second := faultPackage(t, 11), faultPackage(t, 12)
	mustSucceed(t, runCLI(t, cfg, "publish", first, "oci://"+reg.Host+"/ns", "--plain-http", "-q"))
	var moveErr error
	p.Set(faultproxy.TagMoved("ns/"+faultPkgName, "0.0.1", func() {
		// runCLI's t.Setenv is not for this goroutine; the env is already set.
		moveErr = execCLI(context.Background(), cfg, "publish", second, "oci://"+reg.Host+"/ns", "--plain-http", "-q").err
	}))
	out := t.TempDir()
	r := mustSucceed(t, runCLI(t, cfg, "pull", "oci://"+reg.Host+"/ns/"+faultPkgName+":0.0.1", "--plain-http", "-a", "amd64", "-o", out, "--no-cache"))
	if p.Fired(faultproxy.NameTagMoved) != 1 || moveErr != nil {
		t.Fatalf("the tag did not move: fired %d, %v", p.Fired(faultproxy.NameTagMoved), moveErr)
	}
	if err := diffPackages(first, strings.TrimSpace(r.stdout)); err != nil {
		t.Fatalf("pull mixed packages after the tag moved: %v", err)
	}
	// And the tag really points at the second package now.
	p.Clear()
	r = mustSucceed(t, runCLI(t, cfg, "pull", "oci://"+reg.Host+"/ns/"+faultPkgName+":0.0.1", "--plain-http", "-a", "amd64", "-o", t.TempDir(), "--no-cache"))
	if err := diffPackages(second, strings.TrimSpace(r.stdout)); err != nil {
		t.Fatal(err)
	}
}

// resolveWithGGCR reads what ref's tag points at with an independent client.
func resolveWithGGCR(t *testing.T, ref string) v1.Descriptor {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	d, err := remote.Get(r)
	if err != nil {
		t.Fatalf("resolving %s: %v", ref, err)
	}
	return d.Descriptor
}

// TestChunkedUploadResumes cuts a chunk of a --chunk-size upload midway:
// every chunk must carry a real Content-Length and a Content-Range
// start-end, and the upload must go on from the registry's offset instead
// of starting over.
func TestChunkedUploadResumes(t *testing.T) {
	const blob, chunk = 512 << 10, 64 << 10
	p := faultproxy.New(1)
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	full := faultproxy.All(faultproxy.UploadPatch, faultproxy.ChunkOver(chunk-1))
	// Let three full chunks through, then cut the fourth after 20 KiB.
	p.Set(faultproxy.Scenario{Name: "pass", Match: full, Count: 3, Action: faultproxy.Pass()},
		faultproxy.Scenario{Name: "cut", Match: full, Count: 1, Action: faultproxy.DropRequestAfter(20 << 10)})
	src := layouttest.Build(t, t.TempDir(), layouttest.Spec{Name: "chunky",
		Files: map[string]layouttest.Content{"components/big.tar": layouttest.Random(blob, 5)}})
	mustSucceed(t, runCLI(t, emptyConfig(t), "publish", src, "oci://"+reg.Host+"/ns", "--plain-http", "-q",
		"--chunk-size", "64KiB", "--concurrency", "1"))
	if p.Fired("cut") != 1 {
		t.Fatalf("the cut never happened")
	}
	var in int64
	var cutStart, cutBytes int64 = -1, 0
	resumed := false
	for _, l := range reg.Requests() {
		if l.Method != "PATCH" {
			continue
		}
		in += l.BytesIn
		var start, end int64
		if _, err := fmt.Sscanf(l.RequestContentRange, "%d-%d", &start, &end); err != nil || l.RequestContentLength != end-start+1 {
			t.Fatalf("PATCH with Content-Range %q and Content-Length %d", l.RequestContentRange, l.RequestContentLength)
		}
		if cutStart >= 0 {
			// The registry's offset: it kept none or all of the cut bytes.
			if start != cutStart && start != cutStart+cutBytes {
				t.Fatalf("after a cut at %d (+%d bytes) the upload went on at %d", cutStart, cutBytes, start)
			}
			t.Logf("cut chunk at %d after %d bytes; resumed at %d", cutStart, cutBytes, start)
			resumed, cutStart = true, -1
		}
		if l.Aborted {
			cutStart, cutBytes = start, l.BytesIn
		}
	}
	if !resumed || in >= 2*blob {
		t.Fatalf("resumed %v, %d bytes sent for a %d byte blob", resumed, in, blob)
	}
}
