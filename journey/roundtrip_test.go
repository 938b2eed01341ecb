package journey

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/layout/layouttest"
	"github.com/docker-zarf/docker-zarf/registry"
	"github.com/docker-zarf/docker-zarf/signature"
)

// The tests here count requests and serial round trips through a real
// registry with token auth, as the latency benchmark of issue 12 sees
// them. None gates on how long anything took: a delay only makes requests
// the client sends together overlap for certain, so that the depth of the
// chain of requests that had to wait for one another can be counted.

const (
	rtUser, rtPass = "rt", "rt-pass"
	// rtDelay is held before every request reaches the registry, like a
	// far registry's latency. It only has to be longer than the client
	// takes to send requests it means to send together.
	rtDelay = 75 * time.Millisecond
)

type rtKeychain struct{}

func (rtKeychain) Resolve(authn.Resource) (authn.Authenticator, error) {
	return authn.FromConfig(authn.AuthConfig{Username: rtUser, Password: rtPass}), nil
}

func rtClient() *registry.Client {
	return registry.New(registry.Options{PlainHTTP: true, Keychain: rtKeychain{}, NoSync: true})
}

// rtCall is one request as the latency front saw it.
type rtCall struct {
	method, path string
	start, end   time.Time
	depth        int // 1 + the depth of the deepest call that ended before this one started
}

// kind names a call: ping, token, manifest, blob HEAD, blob GET, upload.
func (c rtCall) kind() string {
	switch {
	case c.path == "/v2/":
		return "ping"
	case c.path == "/token":
		return "token"
	case strings.Contains(c.path, "/manifests/"):
		return c.method + " manifest"
	case strings.Contains(c.path, "/blobs/uploads/"):
		return c.method + " upload"
	case strings.Contains(c.path, "/blobs/"):
		return c.method + " blob"
	}
	return c.method + " " + c.path
}

// latency is a front that delays every request while on, and records
// each one with its start and end, the number in flight at once, and the
// depth of the chain of calls each had to wait for.
type latency struct {
	mu       sync.Mutex
	on       bool
	calls    []rtCall
	inflight int
	peak     int
}

func (l *latency) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		on := l.on
		c := rtCall{method: r.Method, path: r.URL.Path, start: time.Now()}
		for _, p := range l.calls {
			if !p.end.IsZero() && p.end.Before(c.start) {
				c.depth = max(c.depth, p.depth)
			}
		}
		c.depth++
		l.inflight++
		l.peak = max(l.peak, l.inflight)
		l.mu.Unlock()
		if on {
			time.Sleep(rtDelay)
		}
		next.ServeHTTP(w, r)
		l.mu.Lock()
		c.end = time.Now()
		l.inflight--
		l.calls = append(l.calls, c)
		l.mu.Unlock()
	})
}

// start clears the record and turns the delay on.
func (l *latency) start() {
	l.mu.Lock()
	l.calls, l.peak, l.on = nil, 0, true
	l.mu.Unlock()
}

func (l *latency) record() []rtCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]rtCall(nil), l.calls...)
}

func (l *latency) peakInFlight() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.peak
}

// count tells how many calls of each kind were made.
func count(calls []rtCall) map[string]int {
	n := map[string]int{}
	for _, c := range calls {
		n[c.kind()]++
	}
	return n
}

// depthBefore is the serial round trips before the first call matching
// pick starts, that call excluded.
func depthBefore(calls []rtCall, pick func(rtCall) bool) int {
	best := -1
	for _, c := range calls {
		if pick(c) && (best < 0 || c.depth < best) {
			best = c.depth
		}
	}
	return best - 1
}

func describe(calls []rtCall) string {
	var b strings.Builder
	for _, c := range calls {
		fmt.Fprintf(&b, "\n  %d %s %s", c.depth, c.method, c.path)
	}
	return b.String()
}

// startRT starts a token-auth registry behind a latency front.
func startRT(t *testing.T) (*testregistry.Registry, *latency) {
	l := &latency{}
	reg := testregistry.Start(t, testregistry.WithHandler(l.wrap), testregistry.WithBearerAuth(rtUser, rtPass, 0))
	return reg, l
}

// publishRT publishes a package of files to reg with credentials.
func publishRT(t *testing.T, reg *testregistry.Registry, spec layouttest.Spec) string {
	t.Helper()
	ctx := context.Background()
	pkg, err := layout.Open(ctx, layouttest.Build(t, t.TempDir(), spec))
	if err != nil {
		t.Fatal(err)
	}
	defer pkg.Close()
	res, err := Publish(ctx, rtClient(), pkg, mustRepo(t, "oci://"+reg.Host+"/ns"), PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return "oci://" + res.Reference
}

func smallFiles(n int) map[string]layouttest.Content {
	files := map[string]layouttest.Content{}
	for i := range n {
		files[fmt.Sprintf("components/c%03d.tar", i)] = layouttest.Random(int64(1<<10+i), uint64(i+1))
	}
	return files
}

// TestInspectRequests: inspect makes one ping, one token request, and
// then reads the index, the manifest and zarf.yaml, nothing else.
func TestInspectRequests(t *testing.T) {
	reg, l := startRT(t)
	ref := mustRef(t, publishRT(t, reg, layouttest.Spec{Name: "inspect", Version: "1.0.0", Arch: "amd64", Files: smallFiles(3)}))
	l.start()
	if _, err := Inspect(context.Background(), rtClient(), ref, InspectOptions{Arch: "amd64"}); err != nil {
		t.Fatal(err)
	}
	calls := l.record()
	got := count(calls)
	want := map[string]int{"ping": 1, "token": 1, "GET manifest": 2, "GET blob": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("inspect sent %v, want %v:%s", got, want, describe(calls))
	}
}

// TestPullRoundTrips: before the first component download a pull waits
// for the ping, the token, the index and the manifest, as oras does: the
// first downloads share the round that reads zarf.yaml and checksums.txt
// (6 round trips before: those two were read one after the other, and
// then the downloads began). Every blob is fetched once, and no request
// is a HEAD.
func TestPullRoundTrips(t *testing.T) {
	reg, l := startRT(t)
	files := smallFiles(12)
	ref := mustRef(t, publishRT(t, reg, layouttest.Spec{Name: "many", Version: "1.0.0", Arch: "amd64", Files: files}))
	l.start()
	if _, err := Pull(context.Background(), rtClient(), ref, PullOptions{Arch: "amd64", OutDir: t.TempDir(), CacheDir: t.TempDir(), Concurrency: 4}); err != nil {
		t.Fatal(err)
	}
	calls := l.record()
	depth := depthBefore(calls, blobGetOf(files))
	t.Logf("%d serial round trips before the first component download, %d in all; %v", depth, maxDepth(calls), count(calls))
	if depth != 4 {
		t.Errorf("%d serial round trips before the first component GET, want 4 (ping, token, index, manifest):%s", depth, describe(calls))
	}
	seen := map[string]int{}
	for _, c := range calls {
		if c.method == http.MethodHead {
			t.Errorf("pull sent HEAD %s", c.path)
		}
		if c.kind() == "GET blob" {
			seen[c.path]++
		}
	}
	for p, n := range seen {
		if n > 1 {
			t.Errorf("%s fetched %d times", p, n)
		}
	}
}

// blobGetOf picks the GETs of the blobs of files.
func blobGetOf(files map[string]layouttest.Content) func(rtCall) bool {
	digests := map[string]bool{}
	for _, f := range files {
		digests[f.Digest()] = true
	}
	return func(c rtCall) bool {
		i := strings.LastIndex(c.path, "/blobs/")
		return c.kind() == "GET blob" && i >= 0 && digests[c.path[i+len("/blobs/"):]]
	}
}

// TestCopyRoundTrips: a copy pings and fetches a token once per client,
// for the whole scope set it needs, and mounts each blob within one
// registry without a HEAD first.
func TestCopyRoundTrips(t *testing.T) {
	reg, l := startRT(t)
	files := smallFiles(6)
	from := mustRef(t, publishRT(t, reg, layouttest.Spec{Name: "copied", Version: "1.0.0", Arch: "amd64", Files: files}))
	l.start()
	if _, err := Copy(context.Background(), rtClient(), rtClient(), from, mustRepo(t, "oci://"+reg.Host+"/mirror"), CopyOptions{Arch: "amd64", Concurrency: 4}); err != nil {
		t.Fatal(err)
	}
	calls := l.record()
	got := count(calls)
	t.Logf("copy within a registry: %v", got)
	if got["ping"] != 2 || got["token"] != 2 {
		t.Errorf("%d pings and %d tokens, want one of each per client:%s", got["ping"], got["token"], describe(calls))
	}
	if got["HEAD blob"] != 0 {
		t.Errorf("%d blob HEADs, want none: a mount says whether the blob is there", got["HEAD blob"])
	}
}

// TestCopyAcrossRegistries: between two registries the target gets one
// ping and one token for pull and push together.
func TestCopyAcrossRegistries(t *testing.T) {
	src, _ := startRT(t)
	dst, l := startRT(t)
	from := mustRef(t, publishRT(t, src, layouttest.Spec{Name: "relayed", Version: "1.0.0", Arch: "amd64", Files: smallFiles(6)}))
	l.start()
	if _, err := Copy(context.Background(), rtClient(), rtClient(), from, mustRepo(t, "oci://"+dst.Host+"/mirror"), CopyOptions{Arch: "amd64", Concurrency: 4}); err != nil {
		t.Fatal(err)
	}
	calls := l.record()
	got := count(calls)
	t.Logf("copy to another registry: %v", got)
	if got["ping"] != 1 || got["token"] != 1 {
		t.Errorf("the target saw %d pings and %d tokens, want one of each:%s", got["ping"], got["token"], describe(calls))
	}
}

// TestCopyRelaysWithoutHashing: a source that serves a component with a
// wrong byte has it refused by the target registry when the upload is
// committed (the client no longer hashes what the target hashes anyway),
// the copy fails as a digest mismatch, and nothing is tagged.
func TestCopyRelaysWithoutHashing(t *testing.T) {
	files := smallFiles(2)
	bad := files["components/c001.tar"].Digest()
	p := faultproxy.New(1)
	p.Set(faultproxy.Scenario{Name: "corrupt", Count: 0, Action: faultproxy.CorruptBody(10),
		Match: func(r *http.Request) bool { return faultproxy.BlobGet(r) && strings.HasSuffix(r.URL.Path, "/"+bad) }})
	src := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	dst := testregistry.Start(t)
	from := mustRef(t, publishTestPackage(t, src, "corrupt", files))
	ns := mustRepo(t, "oci://"+dst.Host+"/mirror")
	_, err := Copy(context.Background(), plainClient(), plainClient(), from, ns, CopyOptions{Arch: "amd64"})
	if !errors.Is(err, registry.ErrDigestMismatch) {
		t.Fatalf("copy of a corrupted blob: %v, want a digest mismatch", err)
	}
	refused := 0
	for _, r := range dst.Requests() {
		if r.Method == http.MethodPut && strings.Contains(r.Query, strings.TrimPrefix(bad, "sha256:")) && r.Status == http.StatusBadRequest {
			refused++
		}
	}
	if refused == 0 {
		t.Errorf("the target never refused the corrupted blob: the client checked it first")
	}
	if _, _, err := plainClient().Resolve(context.Background(), ns.Registry.Repo("mirror/corrupt").Tag("1.0.0")); err == nil {
		t.Error("the failed copy was tagged in the target")
	}
}

// TestCopyWhereMountsAreDeclined: a registry that answers a mount with 202
// (no cross-repository mounts) gets the rest of the blobs HEADed first and
// uploaded when missing, and the copy succeeds.
func TestCopyWhereMountsAreDeclined(t *testing.T) {
	p := faultproxy.New(1)
	p.Set(faultproxy.Scenario{Name: "decline",
		Match:  func(r *http.Request) bool { return faultproxy.UploadStart(r) && r.URL.Query().Get("mount") != "" },
		Action: faultproxy.Respond(http.StatusAccepted, http.Header{"Location": {"/v2/mirror/declined/blobs/uploads/none"}}, "")})
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	from := mustRef(t, publishTestPackage(t, reg, "declined", smallFiles(4)))
	reg.Reset()
	res, err := Copy(context.Background(), plainClient(), plainClient(), from, mustRepo(t, "oci://"+reg.Host+"/mirror"), CopyOptions{Arch: "amd64", Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	if n := p.Fired("decline"); n != 1 {
		t.Errorf("%d mounts tried, want 1: after a decline the copy HEADs", n)
	}
	heads := 0
	for _, r := range reg.Requests() {
		if r.Method == http.MethodHead {
			heads++
		}
	}
	if want := res.Layers + 1; heads != want { // the config too
		t.Errorf("%d HEADs, want %d", heads, want)
	}
	if _, err := Pull(context.Background(), plainClient(), mustRef(t, "oci://"+res.Reference), PullOptions{Arch: "amd64", OutDir: t.TempDir(), NoCache: true}); err != nil {
		t.Fatalf("pulling the copy: %v", err)
	}
}

// TestSignedPullRoundTrips: a signed package verified with its key costs
// no round trip more than an unsigned one: the signature is read in the
// same round as zarf.yaml and checksums.txt (7 round trips before).
func TestSignedPullRoundTrips(t *testing.T) {
	reg, l := startRT(t)
	ref, key, pkg := publishSigned(t, reg)
	var verified bool
	l.start()
	v := Verify{Key: key, Policy: signature.Always, Report: func(o signature.Outcome) { verified = o.Err == nil && o.Warning == nil }}
	if _, err := Pull(context.Background(), rtClient(), ref, PullOptions{Arch: "amd64", OutDir: t.TempDir(), CacheDir: t.TempDir(), Verify: v}); err != nil {
		t.Fatal(err)
	}
	if !verified {
		t.Fatal("the signature was not verified")
	}
	calls := l.record()
	first := func(c rtCall) bool {
		return c.kind() == "GET blob" && slices.ContainsFunc(pkg.Files, func(f layout.File) bool {
			return strings.HasPrefix(f.Path, "components/") && strings.HasSuffix(c.path, f.Digest)
		})
	}
	if depth := depthBefore(calls, first); depth != 5 {
		t.Errorf("%d serial round trips before the first component GET, want 5:%s", depth, describe(calls))
	}
}

func maxDepth(calls []rtCall) int {
	n := 0
	for _, c := range calls {
		n = max(n, c.depth)
	}
	return n
}

// publishSigned publishes the signed fixture to reg and returns its
// reference, its key and the package.
func publishSigned(t *testing.T, reg *testregistry.Registry) (name.Reference, *signature.PublicKey, *layout.Package) {
	t.Helper()
	dir := filepath.Join("..", "testdata", "fixtures", "packages", "signed")
	pkg, err := layout.Open(context.Background(), filepath.Join(dir, "zarf-package-flavored-amd64-0.2.0-upstream.tar"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pkg.Close() })
	res, err := Publish(context.Background(), rtClient(), pkg, mustRepo(t, "oci://"+reg.Host+"/ns"), PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pem, err := os.ReadFile(filepath.Join(dir, "cosign.pub"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := signature.LoadPublicKey(pem)
	if err != nil {
		t.Fatal(err)
	}
	return mustRef(t, "oci://"+res.Reference), key, pkg
}

// TestVerifyRemoteRoundTrips: verify reads zarf.yaml, checksums.txt and
// the signature in one round: 5 serial round trips in all (7 before).
func TestVerifyRemoteRoundTrips(t *testing.T) {
	reg, l := startRT(t)
	ref, key, _ := publishSigned(t, reg)
	l.start()
	if _, err := VerifyRemote(context.Background(), rtClient(), ref, VerifyOptions{Arch: "amd64", Key: key}); err != nil {
		t.Fatal(err)
	}
	calls := l.record()
	if got := maxDepth(calls); got != 5 {
		t.Errorf("verify took %d serial round trips, want 5 (ping, token, index, manifest, metadata):%s", got, describe(calls))
	}
}
