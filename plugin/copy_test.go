package plugin

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/journey"
)

// rawManifest GETs repo@digest as stored.
func rawManifest(t *testing.T, reg *testregistry.Registry, repo, digest string) []byte {
	t.Helper()
	status, body, _ := getManifest(t, reg, repo, digest)
	if status != http.StatusOK {
		t.Fatalf("GET %s@%s: %d", repo, digest, status)
	}
	return body
}

// TestCopyBetweenRegistries copies Zarf's amd64 demo into a registry whose
// tag already holds arm64: the manifest keeps its bytes and digest, only
// the blobs the target lacks are uploaded, the arm64 entry stays, and
// nothing is written to the working directory or the temp directory.
func TestCopyBetweenRegistries(t *testing.T) {
	src, dst := testregistry.Start(t), testregistry.Start(t)
	s := pushZarfState(t, src, "zarf")
	cfg := emptyConfig(t)
	mustSucceed(t, runCLI(t, cfg, "publish", demoArm64, "oci://"+dst.Host+"/mirror", "-q"))
	arm64 := entryFor(t, pushedIndex(t, dst.Host+"/mirror/demo:1.0.0"), "arm64")

	// Read the fixtures before leaving the package directory.
	zarfManifest := readBytes(t, filepath.Join(fixtures, "registry", "demo", "manifest-amd64.json"))
	m := readFixture[v1.Manifest](t, "demo/manifest-amd64.json")
	work, tmp := t.TempDir(), t.TempDir()
	t.Chdir(work)
	t.Setenv("TMPDIR", tmp)
	dst.Reset()
	r := mustSucceed(t, runCLI(t, cfg, "publish", s.demo(), "oci://"+dst.Host+"/mirror", "-a", "amd64", "--format", "json"))
	if names := append(dirNames(t, work), dirNames(t, tmp)...); len(names) != 0 {
		t.Fatalf("the copy staged %v on disk", names)
	}

	want := sha256Hash(zarfManifest).String()
	var res journey.Published
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("--format json printed %q: %v", r.stdout, err)
	}
	if res.Digest != want || res.Reference != dst.Host+"/mirror/demo:1.0.0" {
		t.Fatalf("copy reported %+v, want digest %s", res, want)
	}
	idx := pushedIndex(t, dst.Host+"/mirror/demo:1.0.0")
	if got := entryFor(t, idx, "amd64"); got.Digest.String() != want {
		t.Fatalf("amd64 entry %s, want Zarf's %s", got.Digest, want)
	}
	if got := entryFor(t, idx, "arm64"); got.Digest != arm64.Digest || len(idx.Manifests) != 2 {
		t.Fatalf("the arm64 entry changed or entries were added: %+v", idx.Manifests)
	}
	if got := rawManifest(t, dst, "mirror/demo", want); string(got) != string(zarfManifest) {
		t.Fatal("the copied manifest's bytes differ from Zarf's")
	}

	// Only what arm64 did not bring was uploaded: the amd64 config and the
	// layers the two architectures do not share.
	have := map[string]bool{}
	for _, l := range pushedManifest(t, dst.Host+"/mirror/demo", arm64).Layers {
		have[l.Digest.String()] = true
	}
	wantIn := m.Config.Size
	for _, l := range m.Layers {
		if !have[l.Digest.String()] {
			wantIn += l.Size
		}
	}
	if got := dst.BlobBytesIn(); got != wantIn {
		t.Fatalf("uploaded %d blob bytes, want %d (config + layers arm64 lacks)", got, wantIn)
	}
	t.Logf("copy uploaded %d bytes to the target, read %d from the source", dst.BlobBytesIn(), src.BlobBytesOut())
}

// TestCopyByDigestAndAllArchitectures copies both architectures by digest
// into an empty registry: the result is Zarf's index again, and the
// flavored package is tagged with its version and flavor.
func TestCopyByDigestAndAllArchitectures(t *testing.T) {
	src, dst := testregistry.Start(t), testregistry.Start(t)
	s := pushZarfState(t, src, "zarf")
	cfg := emptyConfig(t)
	for _, arch := range []string{"amd64", "arm64"} {
		mustSucceed(t, runCLI(t, cfg, "publish", s.demo(), "oci://"+dst.Host+"/zarf", "-a", arch, "-q"))
	}
	// The same index as Zarf's, less the skeleton entry. Compared parsed:
	// the entries' JSON keys come in another order than Zarf's (size
	// before digest), so the bytes and the index digest differ.
	got := rawManifest(t, dst, "zarf/demo", "1.0.0")
	zarfIdx := rawManifest(t, src, "zarf/demo", "1.0.0")
	var gotIdx, wantIdx v1.IndexManifest
	if err := json.Unmarshal(got, &gotIdx); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(zarfIdx, &wantIdx); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotIdx, wantIdx) {
		t.Fatalf("the copied index\n%s\ndiffers from Zarf's (less the skeleton entry)\n%s", got, zarfIdx)
	}
	if sha256Hash(got).String() != s.demoIndex {
		t.Logf("index bytes differ from Zarf's:\n got %s\nwant %s", got, zarfIdx)
	}
	flavoredManifest := sha256Hash(readBytes(t, filepath.Join(fixtures, "registry", "flavored", "manifest-amd64.json"))).String()
	ref := "oci://" + src.Host + "/" + s.repo("flavored") + "@" + flavoredManifest
	mustSucceed(t, runCLI(t, cfg, "publish", ref, "oci://"+dst.Host+"/zarf", "-a", "amd64", "-q"))
	if e := entryFor(t, pushedIndex(t, dst.Host+"/zarf/flavored:0.2.0-upstream"), "amd64"); e.Digest.String() != flavoredManifest {
		t.Fatalf("flavored entry %s, want %s", e.Digest, flavoredManifest)
	}
}

// TestCopyWithinRegistryMounts copies inside one registry: every blob is
// mounted, none is uploaded.
func TestCopyWithinRegistryMounts(t *testing.T) {
	reg := testregistry.Start(t)
	s := pushZarfState(t, reg, "zarf")
	cfg := emptyConfig(t)
	mustSucceed(t, runCLI(t, cfg, "publish", s.signed(), "oci://"+reg.Host+"/copy", "-a", "amd64", "-q"))
	m := readFixture[v1.Manifest](t, "signed/manifest-amd64.json")
	mounts := map[string]bool{}
	for _, l := range reg.Requests() {
		q, err := url.ParseQuery(l.Query)
		if err != nil || l.Method != http.MethodPost || q.Get("mount") == "" {
			continue
		}
		if q.Get("from") != s.repo("signed/flavored") || l.Status != http.StatusCreated {
			t.Errorf("mount %s answered %d", l.Query, l.Status)
		}
		mounts[q.Get("mount")] = true
	}
	if len(mounts) != len(m.Layers)+1 {
		t.Fatalf("%d blobs mounted, want %d (layers and config)", len(mounts), len(m.Layers)+1)
	}
	if n := reg.BlobBytesIn(); n != 0 {
		t.Fatalf("%d bytes uploaded, want every blob mounted", n)
	}
	want := sha256Hash(readBytes(t, filepath.Join(fixtures, "registry", "signed", "manifest-amd64.json"))).String()
	if e := entryFor(t, pushedIndex(t, reg.Host+"/copy/flavored:0.2.0-upstream"), "amd64"); e.Digest.String() != want {
		t.Fatalf("copied entry %s, want %s", e.Digest, want)
	}
	if _, err := os.Stat("zarf-package-flavored-amd64-0.2.0-upstream.tar"); err == nil {
		t.Fatal("the copy wrote a package into the working directory")
	}
}
