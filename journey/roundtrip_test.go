package journey

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/layout/layouttest"
	"github.com/docker-zarf/docker-zarf/registry"
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

func maxDepth(calls []rtCall) int {
	n := 0
	for _, c := range calls {
		n = max(n, c.depth)
	}
	return n
}

// TestPublishOnePingOneToken: a first publish reads (HEAD manifest, GET
// tag) and writes (uploads, PUTs) under one token for pull,push; before,
// the reads took a token of their own: two pings and two tokens.
func TestPublishOnePingOneToken(t *testing.T) {
	reg, l := startRT(t)
	l.start()
	publishRT(t, reg, layouttest.Spec{Name: "pub", Version: "1.0.0", Arch: "amd64", Files: smallFiles(3)})
	calls := l.record()
	got := count(calls)
	if got["ping"] != 1 || got["token"] != 1 {
		t.Fatalf("publish sent %d pings and %d token requests, want 1 and 1:%s", got["ping"], got["token"], describe(calls))
	}
}
