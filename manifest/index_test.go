package manifest

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// pushedDescriptor describes a manifest Zarf pushed, as Build would.
func pushedDescriptor(t *testing.T, rel, arch string) v1.Descriptor {
	t.Helper()
	b := registryFile(t, rel)
	d := describe(types.OCIManifestSchema1, b)
	d.Platform = &v1.Platform{OS: "multi", Architecture: arch}
	return d
}

func demoDescriptors(t *testing.T) []v1.Descriptor {
	return []v1.Descriptor{
		pushedDescriptor(t, "demo/manifest-amd64.json", "amd64"),
		pushedDescriptor(t, "demo/manifest-arm64.json", "arm64"),
		pushedDescriptor(t, "demo/manifest-skeleton.json", "skeleton"),
	}
}

func mustIndex(t *testing.T, b []byte) *v1.IndexManifest {
	t.Helper()
	idx, err := ParseIndex(b)
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

// TestMergeIndexMatchesZarf publishes amd64, arm64 and skeleton in order,
// as the fixture was made, and compares with the index Zarf left.
func TestMergeIndexMatchesZarf(t *testing.T) {
	var index []byte
	for _, d := range demoDescriptors(t) {
		var err error
		if index, err = MergeIndex(index, d); err != nil {
			t.Fatal(err)
		}
	}
	wantRaw := registryFile(t, "demo/index.json")
	got, want := mustIndex(t, index), mustIndex(t, wantRaw)
	if got.SchemaVersion != want.SchemaVersion || got.MediaType != want.MediaType {
		t.Errorf("schemaVersion/mediaType %d %s, want %d %s", got.SchemaVersion, got.MediaType, want.SchemaVersion, want.MediaType)
	}
	if len(got.Manifests) != len(want.Manifests) {
		t.Fatalf("%d entries, want %d", len(got.Manifests), len(want.Manifests))
	}
	for i := range want.Manifests {
		if !reflect.DeepEqual(got.Manifests[i], want.Manifests[i]) {
			t.Errorf("entry %d:\n got %+v\nwant %+v", i, got.Manifests[i], want.Manifests[i])
		}
	}
	if !slices.Equal(topKeys(t, index), topKeys(t, wantRaw)) {
		t.Errorf("top-level fields %v, want %v", topKeys(t, index), topKeys(t, wantRaw))
	}
}

// TestMergeIndexIsZarfBytes: the index written for each fixture tag is
// byte for byte the one Zarf left, entries digest before size. Before, ggcr's
// field order wrote size first, so the tag's index digest never matched.
func TestMergeIndexIsZarfBytes(t *testing.T) {
	cases := map[string][]v1.Descriptor{
		"demo/index.json":     demoDescriptors(t),
		"flavored/index.json": {pushedDescriptor(t, "flavored/manifest-amd64.json", "amd64")},
		"signed/index.json":   {pushedDescriptor(t, "signed/manifest-amd64.json", "amd64")},
	}
	for rel, descs := range cases {
		var index []byte
		for _, d := range descs {
			var err error
			if index, err = MergeIndex(index, d); err != nil {
				t.Fatal(err)
			}
		}
		if want := registryFile(t, rel); !bytes.Equal(index, want) {
			t.Errorf("%s:\n got %s\nwant %s", rel, index, want)
		}
		// Re-merging an entry already there is a no-op, byte for byte: a
		// republish by either tool leaves the tag's digest alone.
		again, err := MergeIndex(index, descs[len(descs)-1])
		if err != nil || !bytes.Equal(again, index) {
			t.Errorf("%s: republishing changed the index (err %v):\n%s", rel, err, again)
		}
	}
}

func TestMergeIndexReplacesSameArch(t *testing.T) {
	ds := demoDescriptors(t)
	index := registryFile(t, "demo/index.json")
	again := pushedDescriptor(t, "flavored/manifest-amd64.json", "arm64")
	out, err := MergeIndex(index, again)
	if err != nil {
		t.Fatal(err)
	}
	got := mustIndex(t, out).Manifests
	want := []v1.Descriptor{ds[0], again, ds[2]}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("entries\n got %+v\nwant %+v", got, want)
	}
}

func TestMergeIndexKeepsForeignEntries(t *testing.T) {
	foreign := `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json",` +
		`"annotations":{"keep":"me"},"manifests":[` +
		`{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:` + strings.Repeat("1", 64) + `","size":7,` +
		`"annotations":{"a":"b"},"platform":{"architecture":"amd64","os":"linux","variant":"v2"}},` +
		`{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:` + strings.Repeat("2", 64) + `","size":8},` +
		`{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:` + strings.Repeat("3", 64) + `","size":9,"platform":{"architecture":"amd64","os":"multi"}},` +
		`{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:` + strings.Repeat("4", 64) + `","size":9,"platform":{"architecture":"amd64","os":"multi"}}]}`
	before := mustIndex(t, []byte(foreign))
	d := demoDescriptors(t)[0]
	out, err := MergeIndex([]byte(foreign), d)
	if err != nil {
		t.Fatal(err)
	}
	after := mustIndex(t, out)
	if after.MediaType != types.OCIImageIndex {
		t.Errorf("media type %s, want the OCI index", after.MediaType)
	}
	if after.Annotations["keep"] != "me" {
		t.Errorf("index annotations lost: %v", after.Annotations)
	}
	want := []v1.Descriptor{before.Manifests[0], before.Manifests[1], d}
	if !reflect.DeepEqual(after.Manifests, want) {
		t.Errorf("entries (duplicate multi/amd64 dropped)\n got %+v\nwant %+v", after.Manifests, want)
	}
}

func TestMergeIndexErrors(t *testing.T) {
	d := demoDescriptors(t)[0]
	noPlatform := d
	noPlatform.Platform = nil
	noDigest := d
	noDigest.Digest = v1.Hash{}
	cases := []struct {
		name     string
		existing []byte
		d        v1.Descriptor
		want     string
	}{
		{"tag is a manifest", registryFile(t, "demo/manifest-amd64.json"), d, "not an index"},
		{"garbage", []byte("{"), d, "does not parse"},
		{"no platform", nil, noPlatform, "no platform"},
		{"no digest", nil, noDigest, "no digest"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := MergeIndex(tc.existing, tc.d)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	_, err := MergeIndex(registryFile(t, "demo/manifest-amd64.json"), d)
	var mt *MediaTypeError
	if !errors.As(err, &mt) || mt.Want != "index" {
		t.Errorf("error %v is not a *MediaTypeError wanting an index", err)
	}
}

func TestSelectPlatform(t *testing.T) {
	index := registryFile(t, "demo/index.json")
	ds := demoDescriptors(t)
	for i, arch := range []string{"amd64", "arm64", "skeleton"} {
		got, err := SelectPlatform(index, arch)
		if err != nil || !reflect.DeepEqual(got, ds[i]) {
			t.Errorf("SelectPlatform(%s) = %+v, %v; want %+v", arch, got, err, ds[i])
		}
	}
	cases := []struct {
		name, index, arch string
		have              []string
		msg               string
	}{
		{"missing arch", string(index), "s390x", []string{"amd64", "arm64", "skeleton"}, `no "s390x" package in the index (available: amd64, arm64, skeleton)`},
		{"empty arch", string(index), "", []string{"amd64", "arm64", "skeleton"}, `no "" package`},
		{"no multi entries", `{"schemaVersion":2,"manifests":[{"mediaType":"x","digest":"sha256:` + strings.Repeat("a", 64) +
			`","size":1,"platform":{"os":"linux","architecture":"amd64"}}]}`, "amd64", nil, "lists no Zarf package architectures"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := SelectPlatform([]byte(tc.index), tc.arch)
			var ae *ArchError
			if !errors.As(err, &ae) {
				t.Fatalf("error %v is not an *ArchError", err)
			}
			if ae.Want != tc.arch || !slices.Equal(ae.Have, tc.have) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("ArchError %+v (%v), want have %v and %q", ae, err, tc.have, tc.msg)
			}
		})
	}
	if _, err := SelectPlatform(registryFile(t, "demo/manifest-amd64.json"), "amd64"); err == nil {
		t.Error("SelectPlatform accepted a manifest")
	}
}
