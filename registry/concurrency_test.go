package registry

import (
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

// TestParallelTransfers pushes and fetches several blobs at once through one
// Client against a bearer registry: one ping and one token per scope set are
// shared, and every blob arrives intact.
func TestParallelTransfers(t *testing.T) {
	tr := &tokenRecorder{tokens: map[string]bool{}}
	reg := testregistry.Start(t, testregistry.WithHandler(tr.wrap), testregistry.WithBearerAuth(testUser, testPass, 0))
	c := newTestClient(Options{Keychain: keychain{testUser, testPass}, ChunkSize: 48 << 10})
	repo := mustRepo(t, reg, "parallel/blobs")
	blobs := make([]blob, 8)
	for i := range blobs {
		blobs[i] = newBlob(t, 100<<10+i)
	}
	ctx := testCtx(t)
	g, gctx := errgroup.WithContext(ctx)
	for _, b := range blobs {
		g.Go(func() error { return c.PushBlob(gctx, repo, b.desc, b.stream(), nil) })
	}
	if err := g.Wait(); err != nil {
		t.Fatalf("parallel push: %v", err)
	}
	dir := t.TempDir()
	g, gctx = errgroup.WithContext(ctx)
	for i, b := range blobs {
		g.Go(func() error {
			return c.Fetch(gctx, repo, b.desc, filepath.Join(dir, string(rune('a'+i))), nil)
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatalf("parallel fetch: %v", err)
	}
	for i, b := range blobs {
		assertFile(t, filepath.Join(dir, string(rune('a'+i))), b.data)
	}
	pings := 0
	for _, r := range reg.Requests() {
		if r.Path == "/v2/" {
			pings++
		}
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if pings > 2 || len(tr.scopes) > 2 {
		t.Errorf("%d pings and %d token requests for 2 scope sets", pings, len(tr.scopes))
	}
}

// TestMountWithBearer asks for pull on the source and push on the target in
// one token.
func TestMountWithBearer(t *testing.T) {
	tr := &tokenRecorder{tokens: map[string]bool{}}
	reg := testregistry.Start(t, testregistry.WithHandler(tr.wrap), testregistry.WithBearerAuth(testUser, testPass, 0))
	c := newTestClient(Options{Keychain: keychain{testUser, testPass}})
	src, dst := mustRepo(t, reg, "mnt/src"), mustRepo(t, reg, "mnt/dst")
	b := newBlob(t, 5000)
	if err := c.PushBlob(testCtx(t), src, b.desc, b.stream(), nil); err != nil {
		t.Fatal(err)
	}
	ok, err := c.MountBlob(testCtx(t), dst, src, b.desc)
	if err != nil || !ok {
		t.Fatalf("MountBlob = %v, %v", ok, err)
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	last := strings.Join(tr.scopes[len(tr.scopes)-2:], " ")
	if !strings.Contains(last, "repository:mnt/dst:pull,push") || !strings.Contains(last, "repository:mnt/src:pull") {
		t.Errorf("mount token scopes %q", tr.scopes)
	}
}

// TestPlainHTTPAndAccept: PlainHTTP talks http://, and manifest reads
// accept OCI and Docker manifests and indexes.
func TestPlainHTTPAndAccept(t *testing.T) {
	var mu sync.Mutex
	var accept []string
	rec := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if faultproxy.ManifestGet(r) {
				mu.Lock()
				accept = append(accept, r.Header.Get("Accept"))
				mu.Unlock()
			}
			next.ServeHTTP(w, r)
		})
	}
	reg := testregistry.Start(t, testregistry.WithHandler(rec))
	var out syncBuffer
	c := newTestClient(Options{PlainHTTP: true, Debug: &out})
	repo := mustRepo(t, reg, "plain/http")
	pushImage(t, c, repo, "1", newBlob(t, 10))
	if _, _, err := c.Resolve(testCtx(t), repo.Tag("1")); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "> [1] GET https://") {
		t.Error("PlainHTTP still tried https first")
	}
	mu.Lock()
	defer mu.Unlock()
	for _, mt := range []string{"application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
		"application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.docker.distribution.manifest.v2+json"} {
		if len(accept) == 0 || !strings.Contains(accept[0], mt) {
			t.Errorf("Accept %q lacks %s", accept, mt)
		}
	}
}
