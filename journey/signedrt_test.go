package journey

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/signature"
	"github.com/google/go-containerregistry/pkg/name"
)

// Round trips of a signed package, counted as in roundtrip_test.go.

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
