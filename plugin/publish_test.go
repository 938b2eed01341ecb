package plugin

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/journey"
)

var (
	demoAmd64 = filepath.Join(fixtures, "packages", "zarf-package-demo-amd64-1.0.0.tar.zst")
	demoArm64 = filepath.Join(fixtures, "packages", "zarf-package-demo-arm64-1.0.0.tar.zst")
	flavored  = filepath.Join(fixtures, "packages", "zarf-package-flavored-amd64-0.2.0-upstream.tar")
	signed    = filepath.Join(fixtures, "packages", "signed", "zarf-package-flavored-amd64-0.2.0-upstream.tar")
	split000  = filepath.Join(fixtures, "packages", "split", "zarf-package-split-amd64-0.0.1.tar.zst.part000")
)

func readFixture[T any](t *testing.T, rel string) T {
	t.Helper()
	var v T
	b, err := os.ReadFile(filepath.Join(fixtures, "registry", rel))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// pushedIndex reads back what a tag points at, with ggcr as an independent client.
func pushedIndex(t *testing.T, ref string, opts ...remote.Option) *v1.IndexManifest {
	t.Helper()
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := remote.Index(tag, opts...)
	if err != nil {
		t.Fatalf("reading %s: %v", ref, err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func pushedManifest(t *testing.T, repo string, d v1.Descriptor, opts ...remote.Option) *v1.Manifest {
	t.Helper()
	ref, err := name.NewDigest(repo + "@" + d.Digest.String())
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(ref, opts...)
	if err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func entryFor(t *testing.T, idx *v1.IndexManifest, arch string) v1.Descriptor {
	t.Helper()
	for _, d := range idx.Manifests {
		if d.Platform != nil && d.Platform.OS == "multi" && d.Platform.Architecture == arch {
			return d
		}
	}
	t.Fatalf("no os: multi entry for %s in %+v", arch, idx.Manifests)
	return v1.Descriptor{}
}

// TestPublishMatchesZarf publishes every fixture package and compares what
// landed, field by field, with what the Zarf CLI pushed for it.
func TestPublishMatchesZarf(t *testing.T) {
	reg := testregistry.Start(t)
	cfg := emptyConfig(t)
	cases := []struct {
		pkg, ns, repo, tag, fixture, arch string
	}{
		{demoAmd64, "zarf", "zarf/demo", "1.0.0", "demo", "amd64"},
		{demoArm64, "zarf", "zarf/demo", "1.0.0", "demo", "arm64"},
		{flavored, "zarf", "zarf/flavored", "0.2.0-upstream", "flavored", "amd64"},
		{signed, "signed", "signed/flavored", "0.2.0-upstream", "signed", "amd64"},
	}
	for _, tc := range cases {
		t.Run(filepath.Base(tc.fixture)+"-"+tc.arch, func(t *testing.T) {
			r := mustSucceed(t, runCLI(t, cfg, "publish", tc.pkg, "oci://"+reg.Host+"/"+tc.ns, "-q"))
			_ = r
			idx := pushedIndex(t, reg.Host+"/"+tc.repo+":"+tc.tag)
			want := readFixture[v1.IndexManifest](t, tc.fixture+"/index.json")
			if idx.MediaType != want.MediaType || idx.SchemaVersion != 2 {
				t.Fatalf("index media type %s, want %s", idx.MediaType, want.MediaType)
			}
			got := entryFor(t, idx, tc.arch)
			wantEntry := entryFor(t, &want, tc.arch)
			if got.MediaType != wantEntry.MediaType || !reflect.DeepEqual(got.Platform, wantEntry.Platform) {
				t.Fatalf("index entry %+v, want %+v", got, wantEntry)
			}
			m := pushedManifest(t, reg.Host+"/"+tc.repo, got)
			wm := readFixture[v1.Manifest](t, tc.fixture+"/manifest-"+tc.arch+".json")
			if m.MediaType != wm.MediaType || m.Config.MediaType != wm.Config.MediaType {
				t.Fatalf("media types %s/%s, want %s/%s", m.MediaType, m.Config.MediaType, wm.MediaType, wm.Config.MediaType)
			}
			if !reflect.DeepEqual(m.Layers, wm.Layers) {
				t.Fatalf("layers differ\n got %+v\nwant %+v", m.Layers, wm.Layers)
			}
			if !reflect.DeepEqual(m.Annotations, wm.Annotations) {
				t.Fatalf("annotations differ\n got %v\nwant %v", m.Annotations, wm.Annotations)
			}
		})
	}
	// Publishing arm64 after amd64 kept the amd64 entry.
	idx := pushedIndex(t, reg.Host+"/zarf/demo:1.0.0")
	if len(idx.Manifests) != 2 {
		t.Fatalf("demo index has %d entries, want amd64 and arm64", len(idx.Manifests))
	}
}

func TestPublishRepublishReplacesOwnEntryOnly(t *testing.T) {
	reg := testregistry.Start(t)
	cfg := emptyConfig(t)
	target := "oci://" + reg.Host + "/team"
	mustSucceed(t, runCLI(t, cfg, "publish", demoAmd64, target, "-q"))
	mustSucceed(t, runCLI(t, cfg, "publish", demoArm64, target, "-q"))
	r := mustSucceed(t, runCLI(t, cfg, "publish", demoAmd64, target, "--format", "json"))
	idx := pushedIndex(t, reg.Host+"/team/demo:1.0.0")
	if len(idx.Manifests) != 2 {
		t.Fatalf("index has %d entries after republishing amd64, want 2", len(idx.Manifests))
	}
	var res journey.Published
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("--format json printed %q: %v", r.stdout, err)
	}
	if res.Reference != reg.Host+"/team/demo:1.0.0" || res.Digest != entryFor(t, idx, "amd64").Digest.String() || res.Layers != 9 || res.Size == 0 || !res.Unchanged {
		t.Fatalf("--format json = %+v", res)
	}
	// In text, an unchanged republish says so rather than "Published"; the
	// .tar.zst's scan is kept, so that it is not decompressed again.
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	mustSucceed(t, runCLI(t, cfg, "publish", demoAmd64, target, "-q"))
	if kept, _ := filepath.Glob(filepath.Join(os.Getenv("XDG_CACHE_HOME"), "docker-zarf", "scans", "*.json")); len(kept) != 1 {
		t.Fatalf("publish kept %v, want the one scan of %s", kept, demoAmd64)
	}
	r = mustSucceed(t, runCLI(t, cfg, "publish", demoAmd64, target))
	if !strings.HasPrefix(r.stdout, reg.Host+"/team/demo:1.0.0 is up to date") || strings.Contains(r.stdout, "Published") {
		t.Fatalf("an unchanged republish printed %q", r.stdout)
	}
}

func TestPublishTagOverride(t *testing.T) {
	reg := testregistry.Start(t)
	cfg := emptyConfig(t)
	mustSucceed(t, runCLI(t, cfg, "publish", flavored, "oci://"+reg.Host+"/team", "--tag", "stable", "-q"))
	idx := pushedIndex(t, reg.Host+"/team/flavored:stable")
	entryFor(t, idx, "amd64")
}

func TestPublishEveryForm(t *testing.T) {
	reg := testregistry.Start(t)
	cfg := emptyConfig(t)
	dir := t.TempDir()
	unpackFixture(t, demoAmd64, dir)
	for name, pkg := range map[string]string{"split": split000, "dir": dir, "tar": flavored} {
		t.Run(name, func(t *testing.T) {
			mustSucceed(t, runCLI(t, cfg, "publish", pkg, "oci://"+reg.Host+"/forms-"+name, "-q"))
		})
	}
	idx := pushedIndex(t, reg.Host+"/forms-split/split:0.0.1")
	entryFor(t, idx, "amd64")
	// The directory form pushes the same layers as the archive it came from.
	m := pushedManifest(t, reg.Host+"/forms-dir/demo", entryFor(t, pushedIndex(t, reg.Host+"/forms-dir/demo:1.0.0"), "amd64"))
	wm := readFixture[v1.Manifest](t, "demo/manifest-amd64.json")
	if !reflect.DeepEqual(m.Layers, wm.Layers) {
		t.Fatalf("directory form layers differ from the fixture")
	}
}

// TestPublishSkeletonSource: a package source publishes as a skeleton
// beside the built architectures, with the layers Zarf's skeleton has.
func TestPublishSkeletonSource(t *testing.T) {
	reg := testregistry.Start(t)
	cfg := emptyConfig(t)
	mustSucceed(t, runCLI(t, cfg, "publish", demoAmd64, "oci://"+reg.Host+"/team", "-q"))
	mustSucceed(t, runCLI(t, cfg, "publish", filepath.Join(fixtures, "sources", "demo"), "oci://"+reg.Host+"/team", "-q"))
	idx := pushedIndex(t, reg.Host+"/team/demo:1.0.0")
	entryFor(t, idx, "amd64")
	entryFor(t, idx, "skeleton")
	r := mustSucceed(t, runCLI(t, cfg, "inspect", "oci://"+reg.Host+"/team/demo:1.0.0", "-a", "skeleton", "--layers"))
	want, err := os.ReadFile(filepath.Join(fixtures, "registry", "demo", "manifest-skeleton.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Layers []struct{ Annotations map[string]string }
	}
	if err := json.Unmarshal(want, &m); err != nil {
		t.Fatal(err)
	}
	for _, l := range m.Layers {
		if title := l.Annotations["org.opencontainers.image.title"]; !strings.Contains(r.stdout, title) {
			t.Errorf("the skeleton lacks %s:\n%s", title, r.stdout)
		}
	}
}

func TestPublishBasicAuth(t *testing.T) {
	reg := testregistry.Start(t, testregistry.WithBasicAuth("alice", "s3cret-basic"))
	anon := runCLI(t, emptyConfig(t), "publish", flavored, "oci://"+reg.Host+"/team")
	mustFail(t, anon, "authentication required for "+reg.Host+": run docker login "+reg.Host)

	cfg := dockerConfig(t, map[string]any{"auths": map[string]any{
		reg.Host: map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte("alice:s3cret-basic"))},
	}})
	mustSucceed(t, runCLI(t, cfg, "publish", flavored, "oci://"+reg.Host+"/team", "-q"))
	entryFor(t, pushedIndex(t, reg.Host+"/team/flavored:0.2.0-upstream",
		remote.WithAuth(&authn.Basic{Username: "alice", Password: "s3cret-basic"})), "amd64")
}

func TestPublishBearerAuth(t *testing.T) {
	reg := testregistry.Start(t, testregistry.WithBearerAuth("bob", "s3cret-bearer", 0))
	cfg := dockerConfig(t, map[string]any{"auths": map[string]any{
		reg.Host: map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte("bob:s3cret-bearer"))},
	}})
	mustSucceed(t, runCLI(t, cfg, "publish", demoAmd64, "oci://"+reg.Host+"/team", "-q"))
	r := runCLI(t, emptyConfig(t), "publish", demoAmd64, "oci://"+reg.Host+"/team")
	mustFail(t, r, "run docker login "+reg.Host)
}

func TestPublishRejectsBadTargets(t *testing.T) {
	cfg := emptyConfig(t)
	for _, target := range []string{"registry.example.com/team", "oci://Registry.example.com/Team", "oci://", "oci://host/bad repo"} {
		t.Run(target, func(t *testing.T) {
			r := runCLI(t, cfg, "publish", flavored, target)
			if r.err == nil {
				t.Fatalf("publish to %q succeeded", target)
			}
		})
	}
	if strings.Contains(Describe(runCLI(t, cfg, "publish", "no-such-file.tar.zst", "oci://localhost:1/x").err), "\n") {
		t.Fatal("multi-line error")
	}
}
