package registry

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

// newTestClient returns a client for tests against plain HTTP test
// registries (PlainHTTP set): no certs.d of the machine, and retry waits
// shrunk to milliseconds.
func newTestClient(opts Options) *Client {
	opts.PlainHTTP = true
	return newTLSTestClient(opts)
}

// newTLSTestClient is newTestClient with opts.PlainHTTP as given, for TLS
// test registries.
func newTLSTestClient(opts Options) *Client {
	if opts.CertsDirs == nil {
		opts.CertsDirs = []string{}
	}
	c := New(opts)
	c.backoff.base = time.Millisecond
	c.backoff.max = 5 * time.Millisecond
	c.backoff.retryAfterCap = 5 * time.Millisecond
	return c
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mustRepo(t *testing.T, reg *testregistry.Registry, path string) name.Repository {
	t.Helper()
	repo, err := name.NewRepository(reg.Host + "/" + path)
	if err != nil {
		t.Fatal(err)
	}
	return repo
}

// blob is random test content with its descriptor.
type blob struct {
	data []byte
	desc v1.Descriptor
}

func newBlob(t *testing.T, size int) blob {
	t.Helper()
	b := make([]byte, size)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return blobOf(b)
}

func blobOf(b []byte) blob {
	sum := sha256.Sum256(b)
	return blob{data: b, desc: v1.Descriptor{
		MediaType: "application/vnd.test.blob",
		Size:      int64(len(b)),
		Digest:    v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])},
	}}
}

// stream opens the blob as a plain reader (no Seek): resumes must skip.
func (b blob) stream() func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b.data)), nil
	}
}

// file writes the blob to disk and opens it as *os.File (a Seeker).
func (b blob) file(t *testing.T) func() (io.ReadCloser, error) {
	p := filepath.Join(t.TempDir(), "blob")
	if err := os.WriteFile(p, b.data, 0o644); err != nil {
		t.Fatal(err)
	}
	return func() (io.ReadCloser, error) { return os.Open(p) }
}

// recBar records what a transfer reported.
type recBar struct {
	mu      sync.Mutex
	added   int64
	sets    []int64
	done    int
	aborted error
	skipped string
}

func (b *recBar) Add(n int64)        { b.mu.Lock(); b.added += n; b.mu.Unlock() }
func (b *recBar) SetCurrent(n int64) { b.mu.Lock(); b.sets = append(b.sets, n); b.mu.Unlock() }
func (b *recBar) Done()              { b.mu.Lock(); b.done++; b.mu.Unlock() }
func (b *recBar) Skip(r string)      { b.mu.Lock(); b.skipped = r; b.mu.Unlock() }
func (b *recBar) Abort(err error)    { b.mu.Lock(); b.aborted = err; b.mu.Unlock() }

// fetchBytes downloads a blob through Fetch and returns its content.
func fetchBytes(t *testing.T, c *Client, repo name.Repository, d v1.Descriptor) []byte {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "out")
	if err := c.Fetch(testCtx(t), repo, d, dst, nil); err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	got, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// pushImage pushes a config blob and an OCI image manifest with one layer
// and tags it; it returns the manifest bytes and descriptor.
func pushImage(t *testing.T, c *Client, repo name.Repository, tag string, layer blob) ([]byte, v1.Descriptor) {
	t.Helper()
	ctx := testCtx(t)
	cfg := blobOf([]byte(`{"architecture":"amd64","os":"linux"}`))
	for _, b := range []blob{cfg, layer} {
		if err := c.PushBlob(ctx, repo, b.desc, b.stream(), nil); err != nil {
			t.Fatalf("PushBlob: %v", err)
		}
	}
	cfg.desc.MediaType = types.OCIConfigJSON
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, Config: cfg.desc, Layers: []v1.Descriptor{layer.desc}}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.PutManifest(ctx, repo.Tag(tag), string(types.OCIManifestSchema1), raw); err != nil {
		t.Fatalf("PutManifest: %v", err)
	}
	d := blobOf(raw).desc
	d.MediaType = types.OCIManifestSchema1
	return raw, d
}

// keychain returns fixed credentials for every registry.
type keychain struct{ user, pass string }

func (k keychain) Resolve(authn.Resource) (authn.Authenticator, error) {
	return authn.FromConfig(authn.AuthConfig{Username: k.user, Password: k.pass}), nil
}
