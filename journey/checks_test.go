package journey

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/layout/layouttest"
	"github.com/docker-zarf/docker-zarf/manifest"
)

func openTestPackage(t *testing.T, spec layouttest.Spec) *layout.Package {
	t.Helper()
	pkg, err := layout.Open(context.Background(), layouttest.Build(t, t.TempDir(), spec))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pkg.Close() })
	return pkg
}

func mustRepo(t *testing.T, s string) name.Repository {
	t.Helper()
	r, err := ParseRepository(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func mustRef(t *testing.T, s string) name.Reference {
	t.Helper()
	r, err := ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want one containing %q", err, want)
	}
}

var oneFile = map[string]layouttest.Content{"components/a.tar": layouttest.Random(2<<10, 7)}

// TestPublishRefusesWhatZarfWould: a package name outside Zarf's pattern,
// and -a naming another architecture than the package's, stop publish
// before anything is sent.
func TestPublishRefusesWhatZarfWould(t *testing.T) {
	reg := testregistry.Start(t)
	ns := mustRepo(t, "oci://"+reg.Host+"/ns")
	ctx := context.Background()
	bad := openTestPackage(t, layouttest.Spec{Name: "bad_name", Version: "1.0.0", Arch: "amd64", Files: oneFile})
	_, err := Publish(ctx, plainClient(), bad, ns, PublishOptions{})
	wantErr(t, err, "not a valid Zarf package name")
	amd := openTestPackage(t, layouttest.Spec{Name: "ok", Version: "1.0.0", Arch: "amd64", Files: oneFile})
	_, err = Publish(ctx, plainClient(), amd, ns, PublishOptions{Arch: "arm64"})
	wantErr(t, err, "built for amd64, not arm64")
	if n := len(reg.Requests()); n != 0 {
		t.Errorf("refused publishes sent %d requests", n)
	}
}

// TestMislabelledIndexEntryIsRefused: an index entry for amd64 whose
// zarf.yaml says arm64 is refused by pull and copy, not written as an
// arm64 file or tagged as amd64.
func TestMislabelledIndexEntryIsRefused(t *testing.T) {
	reg := testregistry.Start(t)
	ctx := context.Background()
	c := plainClient()
	ref, body := publishAndResolve(t, reg, layouttest.Spec{Name: "label", Version: "1.0.0", Arch: "arm64", Files: oneFile})
	// Relabel the arm64 entry as amd64.
	idx, err := manifest.ParseIndex(body)
	if err != nil {
		t.Fatal(err)
	}
	idx.Manifests[0].Platform.Architecture = "amd64"
	raw, _ := json.Marshal(idx)
	if err := c.PutManifest(ctx, ref, string(types.OCIImageIndex), raw); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	_, err = Pull(ctx, c, ref, PullOptions{Arch: "amd64", OutDir: out, NoCache: true})
	wantErr(t, err, `zarf.yaml says architecture "arm64"`)
	_, err = Copy(ctx, c, c, ref, mustRepo(t, "oci://"+reg.Host+"/mirror"), CopyOptions{Arch: "amd64"})
	wantErr(t, err, "refusing a mislabelled package")
}

// TestCopyChecksLikePull: a package whose manifest lists a layer that
// checksums.txt does not is refused by copy, and the target gets no tag.
func TestCopyChecksLikePull(t *testing.T) {
	reg := testregistry.Start(t)
	ctx := context.Background()
	c := plainClient()
	ref, body := publishAndResolve(t, reg, layouttest.Spec{Name: "tamper", Version: "1.0.0", Arch: "amd64", Files: oneFile})
	d, err := manifest.SelectPlatform(body, "amd64")
	if err != nil {
		t.Fatal(err)
	}
	mb, err := c.Manifest(ctx, ref.Context(), d)
	if err != nil {
		t.Fatal(err)
	}
	m, err := manifest.ParseManifest(mb)
	if err != nil {
		t.Fatal(err)
	}
	// An extra layer that checksums.txt does not list: the config blob,
	// which the registry has, under a component's title.
	extra := m.Config
	extra.MediaType = manifest.MediaTypeLayer
	extra.Annotations = map[string]string{manifest.AnnotationTitle: "components/extra.tar"}
	m.Layers = append(m.Layers, extra)
	raw, _ := json.Marshal(m)
	tampered := ref.Context().Tag("tampered")
	if err := c.PutManifest(ctx, tampered, string(types.OCIManifestSchema1), raw); err != nil {
		t.Fatal(err)
	}
	mirror := mustRepo(t, "oci://"+reg.Host+"/mirror")
	_, err = Copy(ctx, c, c, tampered, mirror, CopyOptions{Arch: "amd64"})
	wantErr(t, err, "not listed in checksums.txt")
	if _, _, err := c.Resolve(ctx, mirror.Registry.Repo("mirror/tamper").Tag("tampered")); err == nil {
		t.Fatal("the refused copy was tagged in the target")
	}
}

// publishAndResolve publishes spec's package under reg/ns and returns its
// reference and the index the tag holds.
func publishAndResolve(t *testing.T, reg *testregistry.Registry, spec layouttest.Spec) (name.Reference, []byte) {
	t.Helper()
	ctx := context.Background()
	res, err := Publish(ctx, plainClient(), openTestPackage(t, spec), mustRepo(t, "oci://"+reg.Host+"/ns"), PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ref := mustRef(t, "oci://"+res.Reference)
	_, body, err := plainClient().Resolve(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	return ref, body
}
