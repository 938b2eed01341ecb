package plugin

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"sigs.k8s.io/yaml"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/layout/layouttest"
)

// fixtureFile reads one file of a fixture package.
func fixtureFile(t *testing.T, pkg, path string) []byte {
	t.Helper()
	dir := t.TempDir()
	unpackFixture(t, pkg, dir)
	return readBytes(t, filepath.Join(dir, filepath.FromSlash(path)))
}

// TestInspectRemoteMatchesZarf inspects what Zarf published: the zarf.yaml
// comes back as stored, --format json is the config Zarf pushed, and only a few
// kilobytes of blobs cross the wire, whatever the package's size.
func TestInspectRemoteMatchesZarf(t *testing.T) {
	reg := testregistry.Start(t)
	s := pushZarfState(t, reg, "zarf")
	cfg := emptyConfig(t)
	cases := []struct{ name, ref, arch, fixture, pkg string }{
		{"demo-amd64", s.demo(), "amd64", "demo", demoAmd64},
		{"demo-arm64", s.demo(), "arm64", "demo", demoArm64},
		{"flavored", s.flavored(), "amd64", "flavored", flavored},
		{"signed", s.signed(), "amd64", "signed", signed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reg.Reset()
			r := mustSucceed(t, runCLI(t, cfg, "inspect", tc.ref, "-a", tc.arch))
			if want := fixtureFile(t, tc.pkg, "zarf.yaml"); r.stdout != string(want) {
				t.Fatalf("inspect printed\n%s\nwant the package's zarf.yaml\n%s", r.stdout, want)
			}
			if n := reg.BlobBytesOut(); n >= 8<<10 {
				t.Fatalf("inspect fetched %d bytes of blobs, want < 8 KiB", n)
			} else {
				t.Logf("inspect %s: %d bytes of blobs (%d requests)", tc.name, n, len(reg.Requests()))
			}

			r = mustSucceed(t, runCLI(t, cfg, "inspect", tc.ref, "-a", tc.arch, "--format", "json"))
			checkDefinitionJSON(t, r.stdout, fixtureFile(t, tc.pkg, "zarf.yaml"),
				readBytes(t, filepath.Join(fixtures, "registry", tc.fixture, "config-"+tc.arch+".json")))
		})
	}
}

// checkDefinitionJSON checks inspect --format json: it is the zarf.yaml as JSON,
// and every value in it is the one in the config Zarf pushed (which also
// spells out Zarf's empty defaults, so it is a superset).
func checkDefinitionJSON(t *testing.T, out string, zarfYAML, zarfConfig []byte) {
	t.Helper()
	var got, fromYAML, config any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("--format json printed %q: %v", out, err)
	}
	j, err := yaml.YAMLToJSON(zarfYAML)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(j, &fromYAML); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, fromYAML) {
		t.Fatalf("--format json\n%s\nis not zarf.yaml as JSON\n%s", out, j)
	}
	if err := json.Unmarshal(zarfConfig, &config); err != nil {
		t.Fatal(err)
	}
	if path := notWithin(got, config, "$"); path != "" {
		t.Fatalf("--format json differs from the config Zarf pushed at %s", path)
	}
}

// notWithin returns the first path where a holds something b does not, or "".
func notWithin(a, b any, path string) string {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			return path
		}
		for k, v := range av {
			if p := notWithin(v, bv[k], path+"."+k); p != "" {
				return p
			}
		}
		return ""
	case []any:
		bv, ok := b.([]any)
		if !ok || len(bv) != len(av) {
			return path
		}
		for i := range av {
			if p := notWithin(av[i], bv[i], fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p
			}
		}
		return ""
	}
	if !reflect.DeepEqual(a, b) {
		return path
	}
	return ""
}

// layerRow is a row of inspect --layers --format json.
type layerRow struct {
	Title     string `json:"title"`
	Size      int64  `json:"size"`
	Digest    string `json:"digest"`
	MediaType string `json:"mediaType"`
}

func manifestRows(t *testing.T, rel string) []layerRow {
	t.Helper()
	var rows []layerRow
	for _, l := range readFixture[v1.Manifest](t, rel).Layers {
		rows = append(rows, layerRow{l.Annotations["org.opencontainers.image.title"], l.Size, l.Digest.String(), string(l.MediaType)})
	}
	return rows
}

func TestInspectLayers(t *testing.T) {
	reg := testregistry.Start(t)
	s := pushZarfState(t, reg, "zarf")
	cfg := emptyConfig(t)
	for _, tc := range []struct{ name, ref, fixture string }{
		{"demo", s.demo(), "demo/manifest-amd64.json"},
		{"signed", s.signed(), "signed/manifest-amd64.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := manifestRows(t, tc.fixture)
			reg.Reset()
			r := mustSucceed(t, runCLI(t, cfg, "inspect", tc.ref, "-a", "amd64", "--layers"))
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			if len(lines) != len(want)+1 || !strings.Contains(lines[0], "TITLE") {
				t.Fatalf("--layers printed\n%s", r.stdout)
			}
			for _, row := range want {
				if !strings.Contains(r.stdout, row.Title+" ") || !strings.Contains(r.stdout, row.Digest+"  "+row.MediaType) {
					t.Errorf("--layers has no row for %+v:\n%s", row, r.stdout)
				}
			}
			if n := reg.BlobBytesOut(); n != 0 {
				t.Errorf("--layers fetched %d bytes of blobs, want none", n)
			}
			r = mustSucceed(t, runCLI(t, cfg, "inspect", tc.ref, "-a", "amd64", "--layers", "--format", "json"))
			var got []layerRow
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
				t.Fatalf("--layers --format json printed %q: %v", r.stdout, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("--layers --format json\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

// TestInspectLocalEveryForm inspects a package on disk in each form publish
// accepts.
func TestInspectLocalEveryForm(t *testing.T) {
	cfg := emptyConfig(t)
	dir := t.TempDir()
	unpackFixture(t, demoArm64, dir)
	splitYAML := fixtureFile(t, joinedSplit(t), "zarf.yaml")
	cases := []struct {
		name, path string
		yaml       []byte
		files      int
	}{
		{"tar.zst", demoAmd64, fixtureFile(t, demoAmd64, "zarf.yaml"), 9},
		{"tar", flavored, fixtureFile(t, flavored, "zarf.yaml"), 3},
		{"signed-tar", signed, fixtureFile(t, signed, "zarf.yaml"), 4},
		{"split", split000, splitYAML, 0},
		{"dir", dir, fixtureFile(t, demoArm64, "zarf.yaml"), 9},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := mustSucceed(t, runCLI(t, cfg, "inspect", tc.path))
			if r.stdout != string(tc.yaml) {
				t.Fatalf("inspect printed\n%s\nwant\n%s", r.stdout, tc.yaml)
			}
			r = mustSucceed(t, runCLI(t, cfg, "inspect", tc.path, "--layers", "--format", "json"))
			var rows []layerRow
			if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
				t.Fatalf("--layers --format json printed %q: %v", r.stdout, err)
			}
			if tc.files > 0 && len(rows) != tc.files {
				t.Fatalf("--layers lists %d files, want %d: %+v", len(rows), tc.files, rows)
			}
			for _, row := range rows {
				if row.Title == "" || !strings.HasPrefix(row.Digest, "sha256:") || row.Size < 0 {
					t.Fatalf("bad row %+v", row)
				}
			}
		})
	}
	// The demo's rows on disk are the layers Zarf pushed.
	r := mustSucceed(t, runCLI(t, cfg, "inspect", demoAmd64, "--layers", "--format", "json"))
	var rows []layerRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatal(err)
	}
	want := map[string]layerRow{}
	for _, row := range manifestRows(t, "demo/manifest-amd64.json") {
		want[row.Title] = row
	}
	for _, row := range rows {
		if w := want[row.Title]; w.Digest != row.Digest || w.Size != row.Size {
			t.Errorf("local row %+v, Zarf pushed %+v", row, w)
		}
	}
}

// joinedSplit concatenates the split fixture's data parts into one
// archive, for reading its zarf.yaml independently of the code under test.
func joinedSplit(t *testing.T) string {
	t.Helper()
	var buf bytes.Buffer
	for i := 1; i <= 4; i++ {
		buf.Write(readBytes(t, strings.TrimSuffix(split000, "000")+"00"+string(rune('0'+i))))
	}
	path := filepath.Join(t.TempDir(), "joined.tar.zst")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// tarOf builds a tar archive of the given members (name → content).
func tarOf(t *testing.T, members [][2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range members {
		if err := tw.WriteHeader(&tar.Header{Name: m[0], Mode: 0o644, Size: int64(len(m[1])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(m[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestInspectSBOM extracts sboms.tar from a package in a registry and on
// disk, and refuses a hostile sboms.tar without writing outside DIR.
func TestInspectSBOM(t *testing.T) {
	reg := testregistry.Start(t)
	cfg := emptyConfig(t)
	good := [][2]string{{"sbom-viewer-app.html", "<html>app</html>"}, {"app.json", `{"artifacts":[]}`}}
	evil := [][2]string{{"ok.json", "{}"}, {"../escaped.txt", "pwned"}}
	build := func(name string, sboms []byte) string {
		return layouttest.Build(t, t.TempDir(), layouttest.Spec{Name: name, Version: "1.0.0", Files: map[string]layouttest.Content{
			"components/app.tar": layouttest.Random(4<<10, 1),
			"sboms.tar":          layouttest.Bytes(sboms),
		}})
	}
	goodPkg, evilPkg := build("good", tarOf(t, good)), build("evil", tarOf(t, evil))
	mustSucceed(t, runCLI(t, cfg, "publish", goodPkg, "oci://"+reg.Host+"/team", "-q"))
	mustSucceed(t, runCLI(t, cfg, "publish", evilPkg, "oci://"+reg.Host+"/team", "-q"))
	mustSucceed(t, runCLI(t, cfg, "publish", flavored, "oci://"+reg.Host+"/team", "-q"))

	for kind, src := range map[string]string{"remote": "oci://" + reg.Host + "/team/good:1.0.0", "local": goodPkg} {
		t.Run("good-"+kind, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "sboms")
			mustSucceed(t, runCLI(t, cfg, "inspect", src, "-a", "amd64", "--sbom", dir))
			got := unpackedFiles(t, dir)
			if len(got) != len(good) {
				t.Fatalf("extracted %v, want %v", got, good)
			}
			for _, m := range good {
				if got[m[0]] != m[1] {
					t.Fatalf("%s holds %q, want %q", m[0], got[m[0]], m[1])
				}
			}
		})
	}
	for kind, src := range map[string]string{"remote": "oci://" + reg.Host + "/team/evil:1.0.0", "local": evilPkg} {
		t.Run("evil-"+kind, func(t *testing.T) {
			base := t.TempDir()
			dir := filepath.Join(base, "sboms")
			r := runCLI(t, cfg, "inspect", src, "-a", "amd64", "--sbom", dir)
			mustFail(t, r, "../escaped.txt")
			err := filepath.WalkDir(base, func(p string, d os.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if rel, _ := filepath.Rel(dir, p); p != base && strings.HasPrefix(rel, "..") {
					t.Errorf("%s was written outside %s", p, dir)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("none", func(t *testing.T) {
		mustFail(t, runCLI(t, cfg, "inspect", "oci://"+reg.Host+"/team/flavored:0.2.0-upstream", "-a", "amd64", "--sbom", t.TempDir()), "no SBOMs")
		mustFail(t, runCLI(t, cfg, "inspect", flavored, "--sbom", t.TempDir()), "no SBOMs")
	})
}
