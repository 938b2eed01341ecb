package registry

import (
	"bytes"
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

// TestManifestRoundTrip puts a manifest by tag and reads it back by tag and
// by digest, with its media type, size and digest.
func TestManifestRoundTrip(t *testing.T) {
	reg := testregistry.Start(t)
	c := newTestClient(Options{})
	repo := mustRepo(t, reg, "mf/app")
	ctx := testCtx(t)
	reg.Reset()
	raw, want := pushImage(t, c, repo, "1.0.0", newBlob(t, 100))
	for _, r := range reg.Requests() {
		if r.Method == http.MethodPut && r.IsManifest() && r.ContentType != string(types.OCIManifestSchema1) {
			t.Errorf("manifest PUT %s with Content-Type %q", r.Path, r.ContentType)
		}
	}
	desc, body, err := c.Resolve(ctx, repo.Tag("1.0.0"))
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	if desc.Digest != want.Digest || desc.Size != want.Size || desc.MediaType != types.OCIManifestSchema1 || !bytes.Equal(body, raw) {
		t.Errorf("Resolve = %+v, want %+v", desc, want)
	}
	byDigest, err := c.Manifest(ctx, repo, want)
	if err != nil || !bytes.Equal(byDigest, raw) {
		t.Fatalf("Manifest: %v", err)
	}
	if _, _, err := c.Resolve(ctx, repo.Digest(want.Digest.String())); err != nil {
		t.Fatalf("Resolve by digest: %v", err)
	}
}

// TestManifestFailures covers the structured errors of manifest calls.
func TestManifestFailures(t *testing.T) {
	p := faultproxy.New(1)
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	c := newTestClient(Options{})
	repo := mustRepo(t, reg, "mf/bad")
	ctx := testCtx(t)
	raw, desc := pushImage(t, c, repo, "1.0.0", newBlob(t, 10))
	wrong := desc
	wrong.Digest.Hex = desc.Digest.Hex[:60] + "0000"
	tests := []struct {
		name   string
		fault  *faultproxy.Scenario
		call   func() error
		is     error
		status int
		code   string
	}{
		{"unknown tag", nil, func() error { _, _, err := c.Resolve(ctx, repo.Tag("nope")); return err }, nil, 404, "MANIFEST_UNKNOWN"},
		{"unknown repository tags", nil, func() error { _, err := c.Tags(ctx, mustRepo(t, reg, "no/such")); return err }, nil, 404, "NAME_UNKNOWN"},
		{"wrong digest", nil, func() error { _, err := c.Manifest(ctx, repo, wrong); return err }, nil, 404, "MANIFEST_UNKNOWN"},
		{"oversized with length", ptr(faultproxy.OversizedManifest(5 << 20)), func() error { _, _, err := c.Resolve(ctx, repo.Tag("1.0.0")); return err }, ErrManifestTooLarge, 0, ""},
		{"oversized chunked", &faultproxy.Scenario{Match: faultproxy.ManifestGet, Action: faultproxy.ServeOversizedManifest(5<<20, false)},
			func() error { _, _, err := c.Resolve(ctx, repo.Tag("1.0.0")); return err }, ErrManifestTooLarge, 0, ""},
		{"body not matching digest ref", nil, func() error {
			return c.PutManifest(ctx, repo.Digest(wrong.Digest.String()), string(types.OCIManifestSchema1), raw)
		}, ErrDigestMismatch, 0, ""},
		{"MANIFEST_INVALID", ptr(faultproxy.ManifestInvalid()), func() error {
			return c.PutManifest(ctx, repo.Tag("2"), string(types.OCIManifestSchema1), raw)
		}, nil, 400, "MANIFEST_INVALID"},
		{"too large to put", nil, func() error {
			return c.PutManifest(ctx, repo.Tag("3"), string(types.OCIManifestSchema1), make([]byte, maxManifestSize+1))
		}, ErrManifestTooLarge, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.Clear()
			if tt.fault != nil {
				p.Set(*tt.fault)
			}
			err := tt.call()
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T), want *Error", err, err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v, want %v", err, tt.is)
			}
			if e.StatusCode != tt.status || e.Code != tt.code || e.Host != reg.Host {
				t.Errorf("error %+v, want status %d code %q", e, tt.status, tt.code)
			}
		})
	}
}

// TestManifestDigestHeaderChecked: a manifest whose bytes do not match the
// registry's Docker-Content-Digest is refused.
func TestManifestDigestHeaderChecked(t *testing.T) {
	lie := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if faultproxy.ManifestGet(r) {
				w = &keepHeader{ResponseWriter: w, name: "Docker-Content-Digest", value: "sha256:" + string(bytes.Repeat([]byte{'a'}, 64))}
			}
			next.ServeHTTP(w, r)
		})
	}
	reg := testregistry.Start(t, testregistry.WithHandler(lie))
	c := newTestClient(Options{})
	repo := mustRepo(t, reg, "mf/lie")
	pushImage(t, c, repo, "1", newBlob(t, 10))
	if _, _, err := c.Resolve(testCtx(t), repo.Tag("1")); !errors.Is(err, ErrDigestMismatch) {
		t.Fatalf("Resolve error %v, want ErrDigestMismatch", err)
	}
}

// keepHeader forces one response header to value.
type keepHeader struct {
	http.ResponseWriter
	name, value string
}

func (k *keepHeader) WriteHeader(code int) {
	k.ResponseWriter.Header().Set(k.name, k.value)
	k.ResponseWriter.WriteHeader(code)
}

func (k *keepHeader) Write(b []byte) (int, error) {
	k.ResponseWriter.Header().Set(k.name, k.value)
	return k.ResponseWriter.Write(b)
}

func ptr[T any](v T) *T { return &v }
