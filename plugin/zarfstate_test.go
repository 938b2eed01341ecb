package plugin

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

// zarfState is where pushZarfState put what the Zarf CLI published: oci://
// references by tag, ready for the commands.
type zarfState struct {
	host string
	ns   string
	// demoIndex is the index digest under demo:1.0.0. It differs from the
	// fixture's index.json because the skeleton entry is left out (see
	// pushZarfState); flavored and signed carry Zarf's index bytes as is.
	demoIndex string
}

func (s zarfState) demo() string { return "oci://" + s.host + "/" + s.ns + "/demo:1.0.0" }
func (s zarfState) flavored() string {
	return "oci://" + s.host + "/" + s.ns + "/flavored:0.2.0-upstream"
}
func (s zarfState) signed() string {
	return "oci://" + s.host + "/" + s.ns + "/signed/flavored:0.2.0-upstream"
}
func (s zarfState) repo(name string) string { return s.ns + "/" + name }

// pushZarfState recreates, digest for digest, what `zarf package publish`
// left in its registry (testdata/fixtures/registry): the package files as
// layers, then the exact config, manifest and index bytes Zarf pushed.
//
//   - NS/demo:1.0.0 holds the amd64 and arm64 manifests of the demo;
//   - NS/flavored:0.2.0-upstream the flavored package (Zarf's index bytes);
//   - NS/signed/flavored:0.2.0-upstream the signed one (Zarf's index bytes).
//
// Zarf's demo index also lists a skeleton manifest whose layers come from
// the skeleton source build, which the fixtures do not hold. distribution
// refuses an image manifest whose layers are missing (MANIFEST_BLOB_UNKNOWN)
// and, by default, an index whose manifests are missing, so the skeleton
// entry is dropped from a copy of the index; every other byte is Zarf's.
// The request log is reset afterwards, so tests see only their own requests.
func pushZarfState(t *testing.T, reg *testregistry.Registry, ns string) zarfState {
	t.Helper()
	s := zarfState{host: reg.Host, ns: ns}
	s.demoIndex = pushFixture(t, reg, s.repo("demo"), "1.0.0", "demo", map[string]string{"amd64": demoAmd64, "arm64": demoArm64})
	pushFixture(t, reg, s.repo("flavored"), "0.2.0-upstream", "flavored", map[string]string{"amd64": flavored})
	pushFixture(t, reg, s.repo("signed/flavored"), "0.2.0-upstream", "signed", map[string]string{"amd64": signed})
	reg.Reset()
	return s
}

// pushFixture pushes each architecture's package files, config and manifest
// by digest, then the index under tag, without the entries it could not
// push. It returns the digest of the index pushed.
func pushFixture(t *testing.T, reg *testregistry.Registry, repo, tag, fixture string, pkgs map[string]string) string {
	t.Helper()
	dir := filepath.Join(fixtures, "registry", fixture)
	indexBytes := readBytes(t, filepath.Join(dir, "index.json"))
	var idx v1.IndexManifest
	if err := json.Unmarshal(indexBytes, &idx); err != nil {
		t.Fatal(err)
	}
	pushed := map[string]bool{}
	for _, d := range idx.Manifests {
		arch := d.Platform.Architecture
		pkg, ok := pkgs[arch]
		if !ok {
			continue // the skeleton: its layer blobs are not in the fixtures
		}
		m := pushFixtureManifest(t, reg, repo, dir, arch, pkg)
		if m != d.Digest.String() {
			t.Fatalf("%s: manifest-%s.json is %s, the index says %s", fixture, arch, m, d.Digest)
		}
		pushed[arch] = true
	}
	if len(pushed) < len(idx.Manifests) {
		indexBytes = withoutEntries(t, indexBytes, pushed)
	}
	putManifest(t, reg, repo, tag, string(idx.MediaType), indexBytes)
	return sha256Hash(indexBytes).String()
}

// pushFixtureManifest pushes one architecture and returns its manifest digest.
func pushFixtureManifest(t *testing.T, reg *testregistry.Registry, repo, dir, arch, pkg string) string {
	t.Helper()
	files := t.TempDir()
	unpackFixture(t, pkg, files)
	raw := readBytes(t, filepath.Join(dir, "manifest-"+arch+".json"))
	var m v1.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for _, l := range m.Layers {
		title := l.Annotations["org.opencontainers.image.title"]
		b := readBytes(t, filepath.Join(files, filepath.FromSlash(title)))
		if got := sha256Hash(b); got != l.Digest || int64(len(b)) != l.Size {
			t.Fatalf("%s in %s is %s (%d bytes), Zarf pushed %s (%d bytes)", title, pkg, got, len(b), l.Digest, l.Size)
		}
		putBlob(t, reg, repo, b)
	}
	cfg := readBytes(t, filepath.Join(dir, "config-"+arch+".json"))
	if got := sha256Hash(cfg); got != m.Config.Digest {
		t.Fatalf("config-%s.json is %s, the manifest says %s", arch, got, m.Config.Digest)
	}
	putBlob(t, reg, repo, cfg)
	d := sha256Hash(raw).String()
	putManifest(t, reg, repo, d, string(m.MediaType), raw)
	return d
}

// withoutEntries re-encodes an index keeping only the architectures pushed,
// in Zarf's key order (schemaVersion, mediaType, manifests) with each kept
// entry's bytes as Zarf wrote them: the index Zarf would have pushed
// without the skeleton.
func withoutEntries(t *testing.T, index []byte, keep map[string]bool) []byte {
	t.Helper()
	var doc struct {
		SchemaVersion int               `json:"schemaVersion"`
		MediaType     string            `json:"mediaType"`
		Manifests     []json.RawMessage `json:"manifests"`
	}
	if err := json.Unmarshal(index, &doc); err != nil {
		t.Fatal(err)
	}
	var kept []json.RawMessage
	for _, e := range doc.Manifests {
		var d v1.Descriptor
		if err := json.Unmarshal(e, &d); err != nil {
			t.Fatal(err)
		}
		if keep[d.Platform.Architecture] {
			kept = append(kept, e)
		}
	}
	doc.Manifests = kept
	return mustJSON(t, doc)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// putBlob uploads b monolithically (POST, then PUT ?digest=) with plain
// HTTP, independently of the code under test.
func putBlob(t *testing.T, reg *testregistry.Registry, repo string, b []byte) {
	t.Helper()
	hc := reg.Client()
	resp := rawRequest(t, hc, http.MethodPost, reg.URL+"/v2/"+repo+"/blobs/uploads/", "", nil, http.StatusAccepted)
	loc, err := url.Parse(reg.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	loc, err = loc.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	q := loc.Query()
	q.Set("digest", sha256Hash(b).String())
	loc.RawQuery = q.Encode()
	rawRequest(t, hc, http.MethodPut, loc.String(), "application/octet-stream", b, http.StatusCreated)
}

// putManifest PUTs body under ref (a tag or a digest) with mediaType.
func putManifest(t *testing.T, reg *testregistry.Registry, repo, ref, mediaType string, body []byte) {
	t.Helper()
	rawRequest(t, reg.Client(), http.MethodPut, reg.URL+"/v2/"+repo+"/manifests/"+ref, mediaType, body, http.StatusCreated)
}

func rawRequest(t *testing.T, hc *http.Client, method, u, contentType string, body []byte, want int) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, u, resp.StatusCode, want, strings.TrimSpace(string(msg)))
	}
	return resp
}

// fixtureLayers maps each layer title of a fixture manifest to its digest.
func fixtureLayers(t *testing.T, rel string) map[string]string {
	t.Helper()
	m := readFixture[v1.Manifest](t, rel)
	out := map[string]string{}
	for _, l := range m.Layers {
		out[l.Annotations["org.opencontainers.image.title"]] = l.Digest.String()
	}
	return out
}

// TestZarfStateDigests checks that the registry holds Zarf's manifests and
// configs byte for byte, and Zarf's index where it could be pushed whole.
func TestZarfStateDigests(t *testing.T) {
	reg := testregistry.Start(t)
	s := pushZarfState(t, reg, "zarf")
	cases := []struct{ fixture, repo, tag string }{
		{"demo", "demo", "1.0.0"},
		{"flavored", "flavored", "0.2.0-upstream"},
		{"signed", "signed/flavored", "0.2.0-upstream"},
	}
	for _, tc := range cases {
		t.Run(tc.fixture, func(t *testing.T) {
			idx := pushedIndex(t, reg.Host+"/"+s.repo(tc.repo)+":"+tc.tag)
			want := readFixture[v1.IndexManifest](t, tc.fixture+"/index.json")
			for _, d := range idx.Manifests {
				wantEntry := entryFor(t, &want, d.Platform.Architecture)
				if d.Digest != wantEntry.Digest || d.Size != wantEntry.Size {
					t.Fatalf("%s entry %s, Zarf's %s", d.Platform.Architecture, d.Digest, wantEntry.Digest)
				}
				m := pushedManifest(t, reg.Host+"/"+s.repo(tc.repo), d)
				if m.Config.Digest != sha256Hash(readBytes(t, filepath.Join(fixtures, "registry", tc.fixture, "config-"+d.Platform.Architecture+".json"))) {
					t.Fatalf("config digest %s differs from the fixture's", m.Config.Digest)
				}
			}
			if tc.fixture != "demo" {
				if got, want := indexDigest(t, reg, s.repo(tc.repo), tc.tag), sha256Hash(readBytes(t, filepath.Join(fixtures, "registry", tc.fixture, "index.json"))).String(); got != want {
					t.Fatalf("index digest %s, Zarf's %s", got, want)
				}
			} else if len(idx.Manifests) != 2 {
				t.Fatalf("demo index has %d entries, want amd64 and arm64", len(idx.Manifests))
			}
		})
	}
}

// TestZarfStateSkeletonRefused shows why pushZarfState drops the skeleton
// entry: without its layer blobs, distribution refuses the manifest.
func TestZarfStateSkeletonRefused(t *testing.T) {
	reg := testregistry.Start(t)
	dir := filepath.Join(fixtures, "registry", "demo")
	putBlob(t, reg, "zarf/demo", readBytes(t, filepath.Join(dir, "config-skeleton.json")))
	raw := readBytes(t, filepath.Join(dir, "manifest-skeleton.json"))
	req, err := http.NewRequest(http.MethodPut, reg.URL+"/v2/zarf/demo/manifests/"+sha256Hash(raw).String(), bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
	resp, err := reg.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "MANIFEST_BLOB_UNKNOWN") {
		t.Fatalf("skeleton manifest PUT: %d %s; if the fixtures now hold its blobs, push the whole index", resp.StatusCode, body)
	}
}

// indexDigest is the Docker-Content-Digest the registry serves for repo:tag.
func indexDigest(t *testing.T, reg *testregistry.Registry, repo, tag string) string {
	t.Helper()
	_, _, digest := getManifest(t, reg, repo, tag)
	return digest
}
