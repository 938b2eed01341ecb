package registry

import (
	"net/http"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

// TestManifestExists: true for a manifest the repository holds, false with
// no error for one it lacks, each in one HEAD; on both registries.
func TestManifestExists(t *testing.T) {
	for _, start := range []func(testing.TB, ...testregistry.Option) *testregistry.Registry{testregistry.Start, testregistry.StartOlareg} {
		reg := start(t)
		c := newTestClient(Options{})
		repo := mustRepo(t, reg, "ns/exists")
		cfg := blobOf([]byte("{}"))
		if err := c.PushBlob(testCtx(t), repo, cfg.desc, cfg.stream(), nil); err != nil {
			t.Fatal(err)
		}
		body := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"` +
			cfg.desc.Digest.String() + `","size":2},"layers":[]}`)
		h := blobOf(body).desc.Digest
		if err := c.PutManifest(testCtx(t), repo.Digest(h.String()), string(types.OCIManifestSchema1), body); err != nil {
			t.Fatal(err)
		}
		other := cfg.desc.Digest
		reg.Reset()
		for _, tc := range []struct {
			d    v1.Hash
			want bool
		}{{h, true}, {other, false}} {
			got, err := c.ManifestExists(testCtx(t), repo.Digest(tc.d.String()))
			if err != nil || got != tc.want {
				t.Errorf("ManifestExists(%s) = %v, %v; want %v", tc.d, got, err, tc.want)
			}
		}
		for _, r := range reg.Requests() {
			if r.IsManifest() && r.Method != http.MethodHead {
				t.Errorf("ManifestExists sent %s %s", r.Method, r.Path)
			}
		}
	}
}
