package manifest

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// asArtifact rewrites an image manifest Zarf pushed as the artifact manifest
// older Zarf pushed for the same package: blobs for layers, no config.
func asArtifact(t *testing.T, m *v1.Manifest) []byte {
	t.Helper()
	b, err := json.Marshal(artifactManifest{
		MediaType:    MediaTypeArtifactManifest,
		ArtifactType: MediaTypeConfig,
		Blobs:        m.Layers,
		Subject:      m.Subject,
		Annotations:  m.Annotations,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParseArtifactManifest: an artifact manifest reads as the image
// manifest of the same package, less the config. Before, it was refused
// ("schemaVersion 0, want 2"), so such a package could not be pulled,
// inspected, listed or copied.
func TestParseArtifactManifest(t *testing.T) {
	for _, rel := range []string{"demo/manifest-amd64.json", "signed/manifest-amd64.json"} {
		image, err := ParseManifest(registryFile(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		art, err := ParseManifest(asArtifact(t, image))
		if err != nil {
			t.Fatalf("%s as an artifact: %v", rel, err)
		}
		if !IsArtifact(art) || IsArtifact(image) {
			t.Errorf("IsArtifact: artifact %v, image %v", IsArtifact(art), IsArtifact(image))
		}
		if !slices.Equal(LayersOf(art), LayersOf(image)) {
			t.Errorf("%s: layers\n got %v\nwant %v", rel, LayersOf(art), LayersOf(image))
		}
		if art.ArtifactType != MediaTypeConfig || len(art.Annotations) != len(image.Annotations) {
			t.Errorf("%s: artifactType %q, annotations %v", rel, art.ArtifactType, art.Annotations)
		}
		// A copy carries the config only when there is one.
		if got := Blobs(art); !reflect.DeepEqual(got, image.Layers) {
			t.Errorf("Blobs(artifact) = %d blobs, want the %d layers", len(got), len(image.Layers))
		}
		if got := Blobs(image); len(got) != len(image.Layers)+1 || got[0].Digest != image.Config.Digest {
			t.Errorf("Blobs(image) does not start with the config")
		}
	}
}

func TestParseArtifactManifestErrors(t *testing.T) {
	const mt = `"mediaType":"application/vnd.oci.artifact.manifest.v1+json"`
	blob := `{"mediaType":"x","digest":"sha256:` + hexA + `","size":1}`
	for in, want := range map[string]string{
		`{` + mt + `,"blobs":[{"size":1}]}`:                                        "blob 0: no digest",
		`{` + mt + `,"blobs":[{"digest":"sha256:` + hexA + `","size":-1}]}`:        "blob 0: negative size",
		`{` + mt + `,"blobs":[{"digest":"sha256:xyz"}]}`:                           "does not parse",
		`{` + mt + `,"schemaVersion":3,"blobs":[` + blob + `]}`:                    "schemaVersion 3",
		`{` + mt + `,"blobs":[` + blob + `],"subject":{"mediaType":"x","size":1}}`: "subject: no digest",
	} {
		if _, err := ParseManifest([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", in, err, want)
		}
	}
	for _, in := range []string{`{` + mt + `}`, `{` + mt + `,"schemaVersion":2,"blobs":[` + blob + `]}`} {
		if _, err := ParseManifest([]byte(in)); err != nil {
			t.Errorf("%s: %v", in, err)
		}
	}
}

// TestArtifactInIndex: an index entry may point at an artifact manifest,
// and an artifact manifest where an index is expected is named a manifest.
func TestArtifactInIndex(t *testing.T) {
	image, err := ParseManifest(registryFile(t, "flavored/manifest-amd64.json"))
	if err != nil {
		t.Fatal(err)
	}
	art := asArtifact(t, image)
	d := describe(MediaTypeArtifactManifest, art)
	d.Platform = &v1.Platform{OS: PlatformOS, Architecture: "amd64"}
	index, err := MergeIndex(nil, d)
	if err != nil {
		t.Fatal(err)
	}
	got, err := SelectPlatform(index, "amd64")
	if err != nil || got.MediaType != MediaTypeArtifactManifest || got.Digest != d.Digest {
		t.Errorf("SelectPlatform = %+v, %v", got, err)
	}
	_, err = ParseIndex(art)
	var mte *MediaTypeError
	if !errors.As(err, &mte) || !strings.Contains(err.Error(), "is an image manifest, not an index") {
		t.Errorf("ParseIndex(artifact manifest) = %v", err)
	}
}
