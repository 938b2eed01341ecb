package plugin

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/layout/layouttest"
)

// faultPkgName is the package every fault test publishes: ns/faulty:0.0.1.
const faultPkgName = "faulty"

// faultPackage builds a small package (its biggest file 256 KiB) for the
// fault tests that need no big file; the fault matrix uses matrixPackage.
func faultPackage(t testing.TB, seed uint64) string {
	t.Helper()
	return layouttest.Build(t, t.TempDir(), layouttest.Spec{
		Name: faultPkgName,
		Files: map[string]layouttest.Content{
			"components/app.tar": layouttest.Random(256<<10, seed),
			"components/lib.tar": layouttest.Random(48<<10, seed+1000),
			"values.yaml":        layouttest.String("replicas: 1\n"),
		},
	})
}

// The fault matrix publishes matrixPackage: a .tar.zst with one file for
// each way publish sends a blob, so that every fault meets every path.
var matrixFiles = []struct {
	path string
	size int64
}{
	// Over registry's monolithicMax (16 MiB): POST, one streaming PATCH of
	// the whole blob, PUT. Over journey's memory spool (1 MiB): spooled to
	// a temporary file, which a retry reads again. (Entries over 64 MiB
	// stream from the decompressor; journey's tests fault that path.)
	{"components/app.tar", 16<<20 + 64<<10},
	// Over the memory spool, under monolithicMax: spooled to a file and
	// sent in the commit PUT.
	{"components/mid.tar", 1<<20 + 128<<10},
	// Spooled in memory and sent in the commit PUT.
	{"components/lib.tar", 48 << 10},
}

// matrixContent is the content of matrixFiles[i] for seed.
func matrixContent(seed uint64, i int) layouttest.Content {
	return layouttest.Random(matrixFiles[i].size, seed*16+uint64(i))
}

// matrixPackage builds ns/faulty:0.0.1 with matrixFiles for seed.
func matrixPackage(t testing.TB, seed uint64) string {
	t.Helper()
	files := map[string]layouttest.Content{"values.yaml": layouttest.String("replicas: 1\n")}
	for i, f := range matrixFiles {
		files[f.path] = matrixContent(seed, i)
	}
	return layouttest.Build(t, t.TempDir(), layouttest.Spec{Name: faultPkgName, Files: files})
}

// site is a kind of request a seeded fault lands on.
type site struct {
	name  string
	match faultproxy.Matcher
}

// The sites of each step. Every one must occur in a clean run (takeCensus
// checks), so a seeded fault on it always fires.
var (
	publishSites = []site{
		{"blob HEAD", faultproxy.BlobHead},
		{"upload POST", faultproxy.UploadStart},
		{"streaming PATCH", faultproxy.UploadPatch},
		{"commit PUT", faultproxy.UploadPut},
		{"manifest PUT", faultproxy.ManifestPut},
	}
	pullSites = []site{
		{"manifest GET", faultproxy.ManifestGet},
		{"blob GET", faultproxy.BlobGet},
	}
)

// census counts the requests of each site in a clean publish and pull of a
// matrix package, by "step/site".
type census map[string]int

// takeCensus publishes and pulls a matrix package without faults, counting
// each site's requests. It also checks that the package takes the paths
// matrixFiles says: one streaming PATCH of app.tar, mid.tar in a commit PUT.
func takeCensus(t *testing.T) census {
	var mu sync.Mutex
	counts, step := census{}, "publish"
	count := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			for _, s := range append(slices.Clone(publishSites), pullSites...) {
				if s.match(r) {
					counts[step+"/"+s.name]++
				}
			}
			mu.Unlock()
			next.ServeHTTP(w, r)
		})
	}
	reg := testregistry.Start(t, testregistry.WithHandler(count))
	cfg := emptyConfig(t)
	src := matrixPackage(t, 0)
	mustSucceed(t, runCLI(t, cfg, "publish", src, "oci://"+reg.Host+"/ns", "--plain-http", "-q"))
	var streamed, inPut bool
	for _, l := range reg.Requests() {
		streamed = streamed || l.Method == http.MethodPatch && l.RequestContentRange == "" && l.BytesIn == matrixFiles[0].size
		inPut = inPut || l.Method == http.MethodPut && l.IsBlobUpload() && l.BytesIn == matrixFiles[1].size
	}
	if !streamed || !inPut {
		t.Fatalf("app.tar in one streaming PATCH: %v, mid.tar in its commit PUT: %v; matrixFiles no longer fit the upload paths", streamed, inPut)
	}
	mu.Lock()
	step = "pull"
	mu.Unlock()
	r := mustSucceed(t, runCLI(t, cfg, "pull", "oci://"+reg.Host+"/ns/"+faultPkgName+":0.0.1", "--plain-http",
		"-a", "amd64", "-o", t.TempDir(), "--cache", t.TempDir()))
	if err := diffPackages(src, strings.TrimSpace(r.stdout)); err != nil {
		t.Fatal(err)
	}
	for st, sites := range map[string][]site{"publish": publishSites, "pull": pullSites} {
		for _, s := range sites {
			if counts[st+"/"+s.name] == 0 {
				t.Fatalf("a clean %s sends no %s: drop it from the fault sites", st, s.name)
			}
		}
	}
	return counts
}

// fault is what one step of one run injects.
type fault struct {
	scenarios []faultproxy.Scenario
	name      string // the scenario that must fire,
	times     int    // exactly this often
	site      string // where it lands: "commit PUT", "app.tar"
	where     string // and in detail: "commit PUT #3 ×2", "app.tar at 1234 ×1"
}

// onSite puts f on the requests of one site, after skipping the first few:
// both vary with the seed (and salt, so that the rows of one seed differ),
// so that over the seeds a fault meets every kind of request, early and
// late in the run. A scenario without a matcher would only ever hit the
// first requests: the ping and the first HEADs.
func onSite(seed, salt uint64, step string, sites []site, c census, f faultproxy.Scenario) fault {
	s := sites[(seed+salt)%uint64(len(sites))]
	rng := rand.New(rand.NewPCG(seed, salt))
	skip := rng.IntN(c[step+"/"+s.name])
	if f.Match == nil {
		f.Match = s.match
	} else {
		f.Match = faultproxy.All(f.Match, s.match)
	}
	var scs []faultproxy.Scenario
	if skip > 0 { // Count 0 would pass every request
		scs = append(scs, faultproxy.Scenario{Name: "pass", Match: s.match, Count: skip, Action: faultproxy.Pass()})
	}
	return fault{scenarios: append(scs, f), name: f.Name, times: f.Count, site: s.name,
		where: fmt.Sprintf("%s #%d ×%d", s.name, skip+1, f.Count)}
}

// uploadOf matches the upload requests that carry a whole blob of size
// bytes: the streaming PATCH or the commit PUT with the bytes, first sent
// or sent again from the start.
func uploadOf(size int64) faultproxy.Matcher {
	return func(r *http.Request) bool { return faultproxy.UploadData(r) && r.ContentLength == size }
}

// hasToken matches requests that carry credentials.
func hasToken(r *http.Request) bool { return r.Header.Get("Authorization") != "" }

// transientCase is a fault a publish and a pull must get through.
type transientCase struct {
	name string
	// bearerTTL > 0 puts a token server with that token lifetime in front.
	bearerTTL time.Duration
	// publish and pull are the faults of each step for a seed (nil: none).
	publish, pull func(seed uint64, c census) fault
}

// transientCases are the faults of issue #4 that retries must absorb. Where
// they land, how often and where a cut falls vary with the seed.
func transientCases() []transientCase {
	burst := func(status int, salt uint64) transientCase {
		f := func(sites []site, step string) func(uint64, census) fault {
			return func(seed uint64, c census) fault {
				return onSite(seed, salt, step, sites, c, faultproxy.ServerError(status, 1+int(seed%3), nil))
			}
		}
		return transientCase{name: fmt.Sprintf("%d-burst", status), publish: f(publishSites, "publish"), pull: f(pullSites, "pull")}
	}
	rateLimit := func(sites []site, step string) func(uint64, census) fault {
		return func(seed uint64, c census) fault {
			return onSite(seed, 3, step, sites, c, faultproxy.RateLimit(1+int(seed%2), nil))
		}
	}
	expire := func(sites []site, step string) func(uint64, census) fault {
		return func(seed uint64, c census) fault {
			// Held past the token's lifetime, the request reaches the token
			// check with an expired token: a re-auth in the middle of the
			// run. Only requests with a token: a challenge proves nothing.
			return onSite(seed, 4, step, sites, c, faultproxy.Scenario{Name: faultproxy.NameSlow, Count: 1,
				Match: hasToken, Action: faultproxy.Delay(2500 * time.Millisecond)})
		}
	}
	return []transientCase{
		{name: "drop-upload", publish: func(seed uint64, _ census) fault {
			// Cut a seeded file's upload at a seeded byte, once or twice.
			i := int(seed % uint64(len(matrixFiles)))
			f := matrixFiles[i]
			at := 1 + int64(seed*7919)%(f.size-1)
			n := 1 + int(seed%2)
			return fault{name: dropUploadName, times: n, site: path.Base(f.path), where: fmt.Sprintf("%s at %d ×%d", path.Base(f.path), at, n),
				scenarios: []faultproxy.Scenario{{Name: dropUploadName, Count: n, Match: uploadOf(f.size), Action: faultproxy.DropRequestAfter(at)}}}
		}},
		{name: "drop-download", pull: func(seed uint64, _ census) fault {
			// Cut a seeded file's download at a seeded byte, once or twice
			// (the second cut lands in the resumed download).
			i := int(seed % uint64(len(matrixFiles)))
			f := matrixFiles[i]
			at := 1 + int64(seed*7919)%(f.size-1)
			n := 1 + int(seed%2)
			return fault{name: "drop", times: n, site: path.Base(f.path), where: fmt.Sprintf("%s at %d ×%d", path.Base(f.path), at, n),
				scenarios: []faultproxy.Scenario{{Name: "drop", Count: n,
					Match:  faultproxy.All(faultproxy.BlobGet, faultproxy.Ref(matrixContent(seed, i).Digest())),
					Action: faultproxy.DropResponseAfter(at)}}}
		}},
		{name: "drop-metadata", pull: func(seed uint64, _ census) fault {
			// The first blob GET is zarf.yaml: cut it a few bytes in.
			at := int64(1 + seed*13%100)
			return fault{name: faultproxy.NameDropDownload, times: 1, site: "zarf.yaml", where: fmt.Sprintf("zarf.yaml at %d", at),
				scenarios: []faultproxy.Scenario{faultproxy.DropDownload(at, 1)}}
		}},
		burst(500, 0), burst(502, 1), burst(503, 2),
		{name: "429-retry-after", publish: rateLimit(publishSites, "publish"), pull: rateLimit(pullSites, "pull")},
		{name: "token-expiry", bearerTTL: 2 * time.Second, publish: expire(publishSites, "publish"), pull: expire(pullSites, "pull")},
	}
}

// TestFaultMatrix publishes and pulls a package through every transient
// fault, runsPerFault times each with different seeds, and prints the
// matrix with where the faults landed. Runs of one fault go in parallel:
// most of their time is spent in retry waits.
func TestFaultMatrix(t *testing.T) {
	const runsPerFault = 10
	t.Setenv("DOCKER_CONFIG", emptyConfig(t))
	start := time.Now()
	c := takeCensus(t)
	// One package per seed, shared by the rows: publish only reads it.
	srcs := map[uint64]string{}
	for seed := uint64(1); seed <= runsPerFault; seed++ {
		srcs[seed] = matrixPackage(t, seed)
	}
	type row struct {
		name          string
		tried, passed int
		sites         []string // distinct "step: site"
		placements    int      // distinct placements in detail
	}
	var rows []row
	for _, tc := range transientCases() {
		t.Run(tc.name, func(t *testing.T) {
			// Goroutines, not t.Parallel: -parallel defaults to GOMAXPROCS
			// (2 here) and these runs mostly sleep.
			var (
				wg           sync.WaitGroup
				mu           sync.Mutex
				sites, where []string
			)
			passed := 0
			for seed := uint64(1); seed <= runsPerFault; seed++ {
				wg.Go(func() {
					faults, err := transientRun(t, tc, seed, srcs[seed], c)
					mu.Lock()
					defer mu.Unlock()
					for _, f := range faults {
						sites, where = append(sites, f.site), append(where, f.where)
					}
					if err != nil {
						t.Error(err)
						return
					}
					passed++
				})
			}
			wg.Wait()
			slices.Sort(sites)
			slices.Sort(where)
			rows = append(rows, row{tc.name, runsPerFault, passed, slices.Compact(sites), len(slices.Compact(where))})
		})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "fault matrix (publish + pull per run, census %v, %s):\n", c, time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(&b, "  %-16s %4s %6s %10s  %s\n", "scenario", "runs", "passed", "placements", "sites hit")
	for _, r := range rows {
		fmt.Fprintf(&b, "  %-16s %4d %6d %10d  %s\n", r.name, r.tried, r.passed, r.placements, strings.Join(r.sites, ", "))
	}
	t.Log(b.String())
}

// transientRun is one publish and one pull of src, the matrix package for
// seed, through a fresh registry with tc's faults on, then a comparison of
// what came back. It returns the faults it injected.
func transientRun(t *testing.T, tc transientCase, seed uint64, src string, c census) ([]fault, error) {
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
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	steps := []struct {
		name   string
		faults func(uint64, census) fault
		args   []string
	}{
		{"publish", tc.publish, []string{"publish", src, "oci://" + reg.Host + "/ns", "--plain-http", "-q"}},
		{"pull", tc.pull, []string{"pull", "oci://" + reg.Host + "/ns/" + faultPkgName + ":0.0.1", "--plain-http",
			"-a", "amd64", "-o", t.TempDir(), "--cache", t.TempDir()}},
	}
	var faults []fault
	for _, st := range steps {
		p.Clear()
		var f fault
		if st.faults != nil {
			f = st.faults(seed, c)
			p.Set(f.scenarios...)
			f.site, f.where = st.name+": "+f.site, st.name+": "+f.where
			faults = append(faults, f)
		}
		r := execCLI(ctx, cfg, st.args...)
		if r.err != nil {
			return faults, fmt.Errorf("%s (seed %d, %s): %s\nstderr: %s", st.name, seed, f.where, Describe(r.err), r.stderr)
		}
		if got := p.Fired(f.name); st.faults != nil && !firedAsSet(f, got) {
			return faults, fmt.Errorf("%s (seed %d): the fault on %s fired %d times, want %d", st.name, seed, f.where, got, f.times)
		}
		if st.name == "pull" {
			if err := diffPackages(src, strings.TrimSpace(r.stdout)); err != nil {
				return faults, fmt.Errorf("seed %d: %w", seed, err)
			}
		}
	}
	return faults, nil
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

// dropUploadName names the matrix's upload cuts, whose count is an upper
// bound (see firedAsSet).
const dropUploadName = "drop-upload"

// firedAsSet tells whether a fault fired as often as it was set to. A cut
// upload resumes from the registry's offset, so the next request sends only
// the rest, which can be shorter than the cut point: a drop-upload fault
// set for n cuts may need fewer. Every other fault fires exactly n times.
func firedAsSet(f fault, got int) bool {
	if f.name == dropUploadName {
		return got >= 1 && got <= f.times
	}
	return got == f.times
}
