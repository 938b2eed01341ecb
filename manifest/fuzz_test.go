package manifest

import (
	"encoding/json"
	"reflect"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The seed corpora are the manifests and indexes Zarf pushed (added here)
// and the edge cases under testdata/fuzz/<FuzzName>.

func FuzzParseManifest(f *testing.F) {
	for _, rel := range []string{"demo/manifest-amd64.json", "demo/manifest-skeleton.json", "signed/manifest-amd64.json", "demo/index.json"} {
		f.Add(registryFile(f, rel))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseManifest(b)
		if err != nil {
			return
		}
		// What ParseManifest accepts must survive re-encoding unchanged,
		// an artifact manifest in its own form.
		var enc any = m
		if IsArtifact(m) {
			enc = artifactManifest{MediaType: m.MediaType, ArtifactType: m.ArtifactType, Blobs: m.Layers, Subject: m.Subject, Annotations: m.Annotations}
		}
		out, err := json.Marshal(enc)
		if err != nil {
			t.Fatalf("re-encoding: %v", err)
		}
		if len(out) > MaxManifestSize {
			return
		}
		again, err := ParseManifest(out)
		if err != nil {
			t.Fatalf("re-encoded manifest does not parse: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(LayersOf(m), LayersOf(again)) {
			t.Fatalf("layers changed on re-encoding: %v, %v", LayersOf(m), LayersOf(again))
		}
	})
}

func FuzzParseIndex(f *testing.F) {
	for _, rel := range []string{"demo/index.json", "flavored/index.json", "demo/manifest-amd64.json"} {
		f.Add(registryFile(f, rel))
	}
	d := describe(types.OCIManifestSchema1, []byte("fuzz"))
	d.Platform = &v1.Platform{OS: PlatformOS, Architecture: "fuzz"}
	f.Fuzz(func(t *testing.T, b []byte) {
		before, err := ParseIndex(b)
		if err != nil || len(b) > MaxManifestSize/2 {
			return
		}
		// Any index ParseIndex accepts can take a new architecture, which
		// SelectPlatform then finds, and nothing else is lost.
		out, err := MergeIndex(b, d)
		if err != nil {
			t.Fatalf("MergeIndex refused an index ParseIndex accepted: %v", err)
		}
		got, err := SelectPlatform(out, "fuzz")
		if err != nil || got.Digest != d.Digest {
			t.Fatalf("SelectPlatform after MergeIndex = %v, %v", got.Digest, err)
		}
		after, err := ParseIndex(out)
		if err != nil {
			t.Fatal(err)
		}
		if others(before) != others(after) || len(after.Manifests) != others(after)+1 {
			t.Fatalf("entries: %d before (%d others), %d after", len(before.Manifests), others(before), len(after.Manifests))
		}
	})
}

// others counts the entries that are not the fuzz architecture's.
func others(idx *v1.IndexManifest) int {
	n := 0
	for _, e := range idx.Manifests {
		if e.Platform == nil || e.Platform.OS != PlatformOS || e.Platform.Architecture != "fuzz" {
			n++
		}
	}
	return n
}
