package plugin

import (
	"archive/tar"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/testfixtures"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/layout/layouttest"
)

// tarHeaders reads every header of a .tar or .tar.zst archive.
func tarHeaders(t *testing.T, archive string) []*tar.Header {
	t.Helper()
	return testfixtures.Read(t, archive).Headers
}

// fixtureEntryOrder is the member order of Zarf's archive, without the
// empty images/ingest directory Zarf leaves in (it is no layer, so it cannot
// come back from a registry).
func fixtureEntryOrder(t *testing.T, archive string) []string {
	t.Helper()
	var names []string
	for _, h := range tarHeaders(t, archive) {
		if strings.TrimSuffix(h.Name, "/") != "images/ingest" {
			names = append(names, strings.TrimSuffix(h.Name, "/"))
		}
	}
	return names
}

// checkArchive checks that archive holds exactly fixture's files, byte for
// byte, in Zarf's member order, with directory entries and zeroed times and
// owners.
func checkArchive(t *testing.T, archive, fixture string) {
	t.Helper()
	var names []string
	dirs := 0
	for _, h := range tarHeaders(t, archive) {
		names = append(names, strings.TrimSuffix(h.Name, "/"))
		if h.ModTime.Unix() != 0 || h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: mtime %v uid %d gid %d uname %q gname %q, want all zero", h.Name, h.ModTime, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		if h.Typeflag == tar.TypeDir {
			dirs++
		} else if h.Typeflag != tar.TypeReg {
			t.Errorf("%s: type %c", h.Name, h.Typeflag)
		}
	}
	if want := fixtureEntryOrder(t, fixture); !reflect.DeepEqual(names, want) {
		t.Fatalf("members\n got %q\nwant %q", names, want)
	}
	if dirs == 0 {
		t.Fatal("no directory entries")
	}
	got, want := t.TempDir(), t.TempDir()
	unpackFixture(t, archive, got)
	unpackFixture(t, fixture, want)
	sameFiles(t, unpackedFiles(t, got), unpackedFiles(t, want))
}

func sameFiles(t *testing.T, got, want map[string]string) {
	t.Helper()
	for p, b := range want {
		if g, ok := got[p]; !ok {
			t.Errorf("%s missing", p)
		} else if g != b {
			t.Errorf("%s differs (%d bytes, want %d)", p, len(g), len(b))
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("unexpected file %s", p)
		}
	}
}

// dirNames lists what a directory holds.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	names, err := listDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// listDir names the entries of dir; for callers without a *testing.T
// (pollers running beside a command).
func listDir(dir string) ([]string, error) {
	es, err := os.ReadDir(dir)
	names := make([]string, 0, len(es))
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names, err
}

// TestPullMatchesZarf pulls what the Zarf CLI published and gets the very
// package Zarf created, in every output format.
func TestPullMatchesZarf(t *testing.T) {
	reg := testregistry.Start(t)
	s := pushZarfState(t, reg, "zarf")
	cfg := emptyConfig(t)
	cache := t.TempDir()
	cases := []struct {
		name, ref, arch, format, fixture, file string
	}{
		{"demo-amd64", s.demo(), "amd64", "", demoAmd64, "zarf-package-demo-amd64-1.0.0.tar.zst"},
		{"demo-arm64", s.demo(), "arm64", "", demoArm64, "zarf-package-demo-arm64-1.0.0.tar.zst"},
		{"flavored", s.flavored(), "amd64", "", flavored, "zarf-package-flavored-amd64-0.2.0-upstream.tar"},
		{"signed", s.signed(), "amd64", "", signed, "zarf-package-flavored-amd64-0.2.0-upstream.tar"},
		{"demo-format-tar", s.demo(), "amd64", "tar", demoAmd64, "zarf-package-demo-amd64-1.0.0.tar"},
		{"demo-format-tar.zst", s.demo(), "amd64", "tar.zst", demoAmd64, "zarf-package-demo-amd64-1.0.0.tar.zst"},
		{"flavored-format-tar.zst", s.flavored(), "amd64", "tar.zst", flavored, "zarf-package-flavored-amd64-0.2.0-upstream.tar"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			args := []string{"pull", tc.ref, "-a", tc.arch, "-o", out, "--cache", cache}
			if tc.format != "" {
				args = append(args, "--package-format", tc.format)
			}
			r := mustSucceed(t, runCLI(t, cfg, args...))
			path := filepath.Join(out, tc.file)
			if strings.TrimSpace(r.stdout) != path {
				t.Fatalf("printed %q, want %q", r.stdout, path)
			}
			if names := dirNames(t, out); len(names) != 1 {
				t.Fatalf("output dir holds %v, want only %s", names, tc.file)
			}
			checkArchive(t, path, tc.fixture)
		})
	}
	t.Run("format-dir", func(t *testing.T) {
		for _, tc := range []struct{ ref, arch, fixture, dir string }{
			{s.demo(), "arm64", demoArm64, "zarf-package-demo-arm64-1.0.0"},
			{s.signed(), "amd64", signed, "zarf-package-flavored-amd64-0.2.0-upstream"},
		} {
			out := t.TempDir()
			mustSucceed(t, runCLI(t, cfg, "pull", tc.ref, "-a", tc.arch, "-o", out, "--package-format", "dir", "--no-cache"))
			if names := dirNames(t, out); !reflect.DeepEqual(names, []string{tc.dir}) {
				t.Fatalf("output dir holds %v, want [%s]", names, tc.dir)
			}
			want := t.TempDir()
			unpackFixture(t, tc.fixture, want)
			sameFiles(t, unpackedFiles(t, filepath.Join(out, tc.dir)), unpackedFiles(t, want))
		}
	})
}

// TestPullResolution covers every way to name a package: a tag holding an
// index, a tag holding a manifest (older Zarf), a digest of either, and an
// architecture the index lacks.
func TestPullResolution(t *testing.T) {
	reg := testregistry.Start(t)
	s := pushZarfState(t, reg, "zarf")
	manifestAmd64 := readBytes(t, filepath.Join(fixtures, "registry", "demo", "manifest-amd64.json"))
	putManifest(t, reg, s.repo("demo"), "1.0.0-amd64", "application/vnd.oci.image.manifest.v1+json", manifestAmd64)
	base := "oci://" + reg.Host + "/" + s.repo("demo")
	cfg := emptyConfig(t)
	cases := []struct {
		name, ref, arch, fixture string
	}{
		{"tag-index", base + ":1.0.0", "amd64", demoAmd64},
		{"tag-manifest", base + ":1.0.0-amd64", "amd64", demoAmd64},
		{"index-digest", base + "@" + s.demoIndex, "arm64", demoArm64},
		{"manifest-digest", base + "@" + sha256Hash(manifestAmd64).String(), "amd64", demoAmd64},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reg.Reset()
			out := t.TempDir()
			mustSucceed(t, runCLI(t, cfg, "pull", tc.ref, "-a", tc.arch, "-o", out, "--no-cache", "-q"))
			checkArchive(t, filepath.Join(out, "zarf-package-demo-"+tc.arch+"-1.0.0.tar.zst"), tc.fixture)
			checkPinned(t, reg.Requests(), tc.ref)
		})
	}
	t.Run("manifest-other-arch", func(t *testing.T) {
		// A lone amd64 manifest cannot satisfy -a arm64; without -a it is
		// used as it is.
		out := t.TempDir()
		mustFail(t, runCLI(t, cfg, "pull", base+":1.0.0-amd64", "-a", "arm64", "-o", out), "is a single amd64 package, not arm64")
		if names := dirNames(t, out); len(names) != 0 {
			t.Fatalf("a refused pull left %v", names)
		}
		mustSucceed(t, runCLI(t, cfg, "pull", base+":1.0.0-amd64", "-o", out, "--no-cache", "-q"))
	})
	t.Run("missing-arch", func(t *testing.T) {
		out := t.TempDir()
		r := runCLI(t, cfg, "pull", s.demo(), "-a", "s390x", "-o", out)
		mustFail(t, r, `no "s390x" package in the index (available: amd64, arm64)`)
		if names := dirNames(t, out); len(names) != 0 {
			t.Fatalf("a failed resolve left %v", names)
		}
	})
}

// checkPinned checks that ref's tag, if it has one, was read exactly once
// (the resolve) and every other request went by digest, so a tag moving
// mid-pull cannot mix two packages.
func checkPinned(t *testing.T, reqs []testregistry.RequestLog, ref string) {
	t.Helper()
	tag := ""
	if i := strings.LastIndex(ref, ":"); i > 0 && !strings.Contains(ref, "@") {
		tag = ref[i+1:]
	}
	byTag := 0
	for _, r := range reqs {
		if r.Path == "/v2/" {
			continue // the API version check
		}
		last := r.Path[strings.LastIndex(r.Path, "/")+1:]
		switch {
		case tag != "" && last == tag:
			byTag++
			if r.Method != "GET" {
				t.Errorf("%s %s: want only one GET by tag", r.Method, r.Path)
			}
		case !strings.HasPrefix(last, "sha256:"):
			t.Errorf("%s %s is not by digest", r.Method, r.Path)
		}
	}
	if tag != "" && byTag != 1 {
		t.Errorf("%d requests by tag %s, want 1", byTag, tag)
	}
}

// TestPullVerifiesBlobs serves one blob with a flipped byte: the pull fails
// naming the file, leaves nothing in the output directory and nothing
// under that digest in the cache, and the next clean pull succeeds.
func TestPullVerifiesBlobs(t *testing.T) {
	p := faultproxy.New(1)
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	s := pushZarfState(t, reg, "zarf")
	layers := fixtureLayers(t, "demo/manifest-amd64.json")
	cfg := emptyConfig(t)
	for _, title := range []string{"components/config-files.tar", "zarf.yaml", "checksums.txt", "images/blobs/sha256/658a35c4073c2801ec1747f8665e2f714da11dceadea646372a6cda420978dfb"} {
		for _, cacheFlag := range []string{"--cache", "--no-cache"} {
			t.Run(filepath.Base(title)+cacheFlag, func(t *testing.T) {
				p.Set(faultproxy.Scenario{Name: "corrupt", Match: faultproxy.All(faultproxy.BlobGet, faultproxy.Ref(layers[title])), Action: faultproxy.CorruptBody(0)})
				out, cache := t.TempDir(), t.TempDir()
				args := []string{"pull", s.demo(), "-a", "amd64", "-o", out}
				if cacheFlag == "--cache" {
					args = append(args, "--cache", cache)
				} else {
					args = append(args, "--no-cache")
				}
				mustFail(t, runCLI(t, cfg, args...), title)
				if p.Fired("corrupt") == 0 {
					t.Fatal("the corrupt blob was never served")
				}
				if names := dirNames(t, out); len(names) != 0 {
					t.Fatalf("a failed pull left %v in the output directory", names)
				}
				blob := filepath.Join(cache, "blobs", "sha256", strings.TrimPrefix(layers[title], "sha256:"))
				if _, err := os.Stat(blob); err == nil {
					t.Fatal("the corrupt blob is in the cache")
				}
				p.Clear()
				mustSucceed(t, runCLI(t, cfg, args...))
				checkArchive(t, filepath.Join(out, "zarf-package-demo-amd64-1.0.0.tar.zst"), demoAmd64)
			})
		}
	}
}

// TestPullComponents checks that a component selection downloads exactly
// the always-needed layers, the chosen and required components' tars and
// the blobs of the images they use, and nothing else.
func TestPullComponents(t *testing.T) {
	reg := testregistry.Start(t)
	s := pushZarfState(t, reg, "zarf")
	layers := fixtureLayers(t, "demo/manifest-amd64.json")
	image := []string{
		"images/blobs/sha256/00e43204a308d4345159cf113ed2ed20ba3e3279e9e4578b2971e56f63a6780c",
		"images/blobs/sha256/39bb21afa67727b5adcce14a178b63bfba53ee6819e8b0c8ddb2d46e91ecbf6b",
		"images/blobs/sha256/658a35c4073c2801ec1747f8665e2f714da11dceadea646372a6cda420978dfb",
	}
	always := []string{"zarf.yaml", "checksums.txt", "components/config-files.tar"} // config-files is required
	cases := []struct {
		components string
		want       []string
	}{
		{"app", append(append([]string{"images/index.json", "images/oci-layout"}, image...), always...)},
		{"extras", append([]string{"components/extras.tar"}, always...)},
		{"app,extras", append(append([]string{"images/index.json", "images/oci-layout", "components/extras.tar"}, image...), always...)},
	}
	var pkgSize int64
	for _, l := range readFixture[v1.Manifest](t, "demo/manifest-amd64.json").Layers {
		pkgSize += l.Size
	}
	cfg := emptyConfig(t)
	for _, tc := range cases {
		t.Run(tc.components, func(t *testing.T) {
			reg.Reset()
			out := t.TempDir()
			r := mustSucceed(t, runCLI(t, cfg, "pull", s.demo(), "-a", "amd64", "-o", out, "--components", tc.components, "--cache", t.TempDir()))
			wantDigests := map[string]bool{}
			for _, title := range tc.want {
				wantDigests[layers[title]] = true
			}
			got := map[string]bool{}
			gets := 0
			for _, l := range reg.Requests() {
				if l.IsBlobGet() {
					got[l.Path[strings.LastIndex(l.Path, "/")+1:]] = true
					gets++
				}
			}
			if !reflect.DeepEqual(got, wantDigests) {
				t.Fatalf("fetched blobs %v\nwant %v (%v)", got, wantDigests, tc.want)
			}
			if gets != len(wantDigests) {
				t.Fatalf("%d blob GETs for %d blobs: some were fetched twice", gets, len(wantDigests))
			}
			t.Logf("demo --components %s: %d blob GETs, %d bytes fetched of the package's %d (%.1f%%); %s",
				tc.components, gets, reg.BlobBytesOut(), pkgSize, percentOf(reg.BlobBytesOut(), pkgSize), lastLine(r.stderr))
			// The partial package holds exactly those files, as Zarf wrote them.
			full, part := t.TempDir(), t.TempDir()
			unpackFixture(t, demoAmd64, full)
			unpackFixture(t, filepath.Join(out, "zarf-package-demo-amd64-1.0.0.tar.zst"), part)
			all := unpackedFiles(t, full)
			want := map[string]string{}
			for _, title := range tc.want {
				want[title] = all[title]
			}
			sameFiles(t, unpackedFiles(t, part), want)
		})
	}
	t.Run("unknown", func(t *testing.T) {
		mustFail(t, runCLI(t, cfg, "pull", s.demo(), "-a", "amd64", "-o", t.TempDir(), "--components", "nope", "--no-cache"), "config-files")
	})
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndex(s, "\n")+1:]
}

// TestPullComponentsGenerated selects one component of a package with two
// images (one behind a nested index) and a big optional component: only
// its image's blobs come, each once.
func TestPullComponentsGenerated(t *testing.T) {
	reg := testregistry.Start(t)
	cfg := emptyConfig(t)
	app := layouttest.Image{Ref: "registry.example.com/app:1.0", Layers: []layouttest.Content{layouttest.Random(2<<20, 1), layouttest.Random(1<<20, 2)}, Nested: true}
	other := layouttest.Image{Ref: "registry.example.com/other:1.0", Layers: []layouttest.Content{layouttest.Random(4<<20, 3)}}
	files := layouttest.ImageFiles(app, other)
	files["components/core.tar"] = layouttest.Random(64<<10, 4)
	files["components/data.tar"] = layouttest.Random(8<<20, 5)
	pkg := layouttest.Build(t, t.TempDir(), layouttest.Spec{Name: "gen", Version: "1.0.0", APIVersion: "v1beta1", Files: files, Components: []layouttest.Component{
		{Name: "core"},
		{Name: "app", Optional: true, Images: []string{app.Ref}},
		{Name: "other", Optional: true, Images: []string{other.Ref}},
		{Name: "data", Optional: true},
	}})
	mustSucceed(t, runCLI(t, cfg, "publish", pkg, "oci://"+reg.Host+"/team", "-q"))
	want := map[string]bool{"images/index.json": true, "images/oci-layout": true, "components/core.tar": true}
	for p := range layouttest.ImageFiles(app) {
		if strings.HasPrefix(p, "images/blobs/") {
			want[p] = true
		}
	}
	var pkgSize int64
	wantDigests := map[string]bool{}
	m := pushedManifest(t, reg.Host+"/team/gen", entryFor(t, pushedIndex(t, reg.Host+"/team/gen:1.0.0"), "amd64"))
	for _, l := range m.Layers {
		pkgSize += l.Size
		if title := l.Annotations["org.opencontainers.image.title"]; want[title] || title == "zarf.yaml" || title == "checksums.txt" {
			wantDigests[l.Digest.String()] = true
		}
	}
	reg.Reset()
	out := t.TempDir()
	r := mustSucceed(t, runCLI(t, cfg, "pull", "oci://"+reg.Host+"/team/gen:1.0.0", "-a", "amd64", "-o", out, "--components", "app", "--no-cache"))
	got, gets := map[string]bool{}, 0
	for _, l := range reg.Requests() {
		if l.IsBlobGet() {
			got[l.Path[strings.LastIndex(l.Path, "/")+1:]] = true
			gets++
		}
	}
	if !reflect.DeepEqual(got, wantDigests) || gets != len(wantDigests) {
		t.Fatalf("%d GETs of %v\nwant each of %v once", gets, got, wantDigests)
	}
	t.Logf("generated --components app: %d blob GETs, %d bytes fetched of the package's %d (%.1f%%); %s",
		gets, reg.BlobBytesOut(), pkgSize, percentOf(reg.BlobBytesOut(), pkgSize), lastLine(r.stderr))
}
