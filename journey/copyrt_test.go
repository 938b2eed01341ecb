package journey

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/layout/layouttest"
	"github.com/docker-zarf/docker-zarf/registry"
)

// Requests and round trips of copy, counted as in roundtrip_test.go.

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
