package manifest

import (
	"bytes"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/docker-zarf/docker-zarf/definition"
)

// zarfPushed pairs each fixture package with what the Zarf CLI pushed for it.
var zarfPushed = []struct{ pkg, pushed, config, arch string }{
	{"zarf-package-demo-amd64-1.0.0.tar.zst", "demo/manifest-amd64.json", "demo/config-amd64.json", "amd64"},
	{"zarf-package-demo-arm64-1.0.0.tar.zst", "demo/manifest-arm64.json", "demo/config-arm64.json", "arm64"},
	{"zarf-package-flavored-amd64-0.2.0-upstream.tar", "flavored/manifest-amd64.json", "flavored/config-amd64.json", "amd64"},
	{"signed/zarf-package-flavored-amd64-0.2.0-upstream.tar", "signed/manifest-amd64.json", "signed/config-amd64.json", "amd64"},
}

// TestBuildIsZarfBytes: for every fixture package, the config blob and the
// manifest Build makes are byte for byte what Zarf pushed, so their digests
// (the sha256 of the fixture files) are Zarf's. Before, the config was our
// own JSON (1,040 B against Zarf's 1,562 B for demo) and descriptors were
// written size before digest.
func TestBuildIsZarfBytes(t *testing.T) {
	for _, tc := range zarfPushed {
		t.Run(tc.pushed, func(t *testing.T) {
			files := readPackage(t, tc.pkg)
			built, err := Build(files.definition(t), files.layers())
			if err != nil {
				t.Fatal(err)
			}
			wantConfig, wantManifest := registryFile(t, tc.config), registryFile(t, tc.pushed)
			if !bytes.Equal(built.Config, wantConfig) {
				t.Errorf("config differs from Zarf's (%d B, want %d B):\n got %s\nwant %s", len(built.Config), len(wantConfig), built.Config, wantConfig)
			}
			if got, want := built.ConfigDescriptor.Digest.String(), digestOf(wantConfig); got != want {
				t.Errorf("config digest %s, Zarf pushed %s", got, want)
			}
			if !bytes.Equal(built.Manifest, wantManifest) {
				t.Errorf("manifest differs from Zarf's:\n got %s\nwant %s", built.Manifest, wantManifest)
			}
			if got, want := built.Descriptor.Digest.String(), digestOf(wantManifest); got != want {
				t.Errorf("manifest digest %s, Zarf pushed %s", got, want)
			}
		})
	}
}

// TestBuildMatchesZarf compares each fixture manifest field by field with
// what Zarf pushed, which names the difference when the bytes differ.
func TestBuildMatchesZarf(t *testing.T) {
	for _, tc := range zarfPushed {
		t.Run(tc.pushed, func(t *testing.T) {
			files := readPackage(t, tc.pkg)
			def := files.definition(t)
			built, err := Build(def, files.layers())
			if err != nil {
				t.Fatal(err)
			}
			wantRaw := registryFile(t, tc.pushed)
			got, err := ParseManifest(built.Manifest)
			if err != nil {
				t.Fatalf("our manifest does not parse: %v", err)
			}
			want, err := ParseManifest(wantRaw)
			if err != nil {
				t.Fatal(err)
			}
			compareManifests(t, got, want)
			if !reflect.DeepEqual(topKeys(t, built.Manifest), topKeys(t, wantRaw)) {
				t.Errorf("top-level fields %v, Zarf wrote %v", topKeys(t, built.Manifest), topKeys(t, wantRaw))
			}
			checkBuilt(t, built, def, tc.arch)
		})
	}
}

func compareManifests(t *testing.T, got, want *v1.Manifest) {
	t.Helper()
	if got.SchemaVersion != want.SchemaVersion || got.MediaType != want.MediaType {
		t.Errorf("schemaVersion/mediaType %d %s, want %d %s", got.SchemaVersion, got.MediaType, want.SchemaVersion, want.MediaType)
	}
	if got.Config.MediaType != want.Config.MediaType {
		t.Errorf("config media type %s, want %s", got.Config.MediaType, want.Config.MediaType)
	}
	if len(got.Layers) != len(want.Layers) {
		t.Fatalf("%d layers, want %d:\n got %v\nwant %v", len(got.Layers), len(want.Layers), LayersOf(got), LayersOf(want))
	}
	for i := range want.Layers {
		if !reflect.DeepEqual(got.Layers[i], want.Layers[i]) {
			t.Errorf("layer %d:\n got %+v\nwant %+v", i, got.Layers[i], want.Layers[i])
		}
	}
	if !maps.Equal(got.Annotations, want.Annotations) {
		t.Errorf("annotations:\n got %v\nwant %v", got.Annotations, want.Annotations)
	}
	if got.ArtifactType != "" || got.Subject != nil {
		t.Errorf("artifactType %q subject %v: Zarf writes neither", got.ArtifactType, got.Subject)
	}
}

// checkBuilt checks the descriptors against the bytes they describe.
func checkBuilt(t *testing.T, b *Built, def *definition.Package, arch string) {
	t.Helper()
	if want, _ := def.ZarfConfig(); string(b.Config) != string(want) {
		t.Error("config blob is not the definition as Zarf marshals it")
	}
	if b.ConfigDescriptor.Digest.String() != digestOf(b.Config) || b.ConfigDescriptor.Size != int64(len(b.Config)) ||
		b.ConfigDescriptor.MediaType != MediaTypeConfig {
		t.Errorf("config descriptor %+v does not describe the config", b.ConfigDescriptor)
	}
	d := b.Descriptor
	if d.MediaType != types.OCIManifestSchema1 || d.Digest.String() != digestOf(b.Manifest) || d.Size != int64(len(b.Manifest)) {
		t.Errorf("descriptor %+v does not describe the manifest", d)
	}
	if d.Platform == nil || !reflect.DeepEqual(*d.Platform, v1.Platform{OS: "multi", Architecture: arch}) {
		t.Errorf("platform %+v, want multi/%s", d.Platform, arch)
	}
	m, _ := ParseManifest(b.Manifest)
	if m.Config.Digest != b.ConfigDescriptor.Digest {
		t.Error("manifest does not reference the config blob")
	}
}

func topKeys(t *testing.T, b []byte) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return slices.Sorted(maps.Keys(m))
}

func mustParse(t *testing.T, yaml string) *definition.Package {
	t.Helper()
	def, err := definition.Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return def
}

const oneLayerDigest = "sha256:0429162ec4c325e6fc870bc71ffeb9b4626f80251209eb9e8ba840a31a3aafc4"

func TestBuildAnnotations(t *testing.T) {
	const ts = "\nbuild:\n  architecture: amd64\n  timestamp: Fri, 27 Nov 2026 03:03:34 +0100\n"
	cases := []struct {
		name string
		yaml string
		want map[string]string
	}{{
		name: "v1alpha1 fields, annotations override",
		yaml: "kind: ZarfPackageConfig\nmetadata:\n  name: a\n  description: d\n  url: u\n  authors: au\n  documentation: doc\n  source: src\n  vendor: v\n" +
			"  annotations:\n    org.opencontainers.image.url: over\n    custom: c\n    org.opencontainers.image.created: later\n" + ts,
		want: map[string]string{
			"org.opencontainers.image.title": "a", "org.opencontainers.image.description": "d",
			"org.opencontainers.image.url": "over", "org.opencontainers.image.authors": "au",
			"org.opencontainers.image.documentation": "doc", "org.opencontainers.image.source": "src",
			"org.opencontainers.image.vendor": "v", "org.opencontainers.image.created": "later", "custom": "c",
		},
	}, {
		name: "v1beta1 short keys become OCI keys",
		yaml: "apiVersion: zarf.dev/v1beta1\nkind: ZarfPackageConfig\nmetadata:\n  name: b\n" +
			"  annotations:\n    url: u\n    vendor: v\n    image: i\n    team: t\n" + ts,
		want: map[string]string{
			"org.opencontainers.image.title": "b", "org.opencontainers.image.description": "",
			"org.opencontainers.image.url": "u", "org.opencontainers.image.vendor": "v",
			"org.opencontainers.image.created": "2026-11-27T02:03:34Z", "team": "t",
		},
	}, {
		name: "metadata.<field> annotations fill empty fields and are dropped, as Zarf's round trip does",
		yaml: "kind: ZarfPackageConfig\nmetadata:\n  name: m\n  vendor: v\n" +
			"  annotations:\n    metadata.url: u\n    metadata.vendor: ignored\n    metadata.image: i\n    metadata.other: kept\n" + ts,
		want: map[string]string{
			"org.opencontainers.image.title": "m", "org.opencontainers.image.description": "",
			"org.opencontainers.image.url": "u", "org.opencontainers.image.vendor": "v",
			"org.opencontainers.image.created": "2026-11-27T02:03:34Z", "metadata.other": "kept",
		},
	}, {
		name: "no timestamp gives the zero time, as Zarf writes",
		yaml: "kind: ZarfPackageConfig\nmetadata:\n  name: c\n  architecture: arm64\n",
		want: map[string]string{
			"org.opencontainers.image.title": "c", "org.opencontainers.image.description": "",
			"org.opencontainers.image.created": "0001-01-01T00:00:00Z",
		},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			built, err := Build(mustParse(t, tc.yaml), []Layer{{Title: "zarf.yaml", Digest: oneLayerDigest, Size: 1}})
			if err != nil {
				t.Fatal(err)
			}
			m, err := ParseManifest(built.Manifest)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(m.Annotations, tc.want) {
				t.Errorf("annotations\n got %v\nwant %v", m.Annotations, tc.want)
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	good := mustParse(t, "kind: ZarfPackageConfig\nmetadata:\n  name: a\n  architecture: amd64\n")
	layer := Layer{Title: "zarf.yaml", Digest: oneLayerDigest, Size: 1}
	with := func(f func(*Layer)) []Layer { l := layer; f(&l); return []Layer{l} }
	cases := []struct {
		name   string
		def    *definition.Package
		layers []Layer
		want   string
	}{
		{"nil definition", nil, []Layer{layer}, "no package definition"},
		{"no architecture", mustParse(t, "kind: ZarfPackageConfig\nmetadata:\n  name: a\n"), []Layer{layer}, "no architecture"},
		{"bad timestamp", mustParse(t, "kind: ZarfPackageConfig\nmetadata:\n  name: a\n  architecture: amd64\nbuild:\n  timestamp: yesterday\n"), []Layer{layer}, "not a time"},
		{"no layers", good, nil, "no layers"},
		{"no title", good, with(func(l *Layer) { l.Title = "" }), "no title"},
		{"absolute title", good, with(func(l *Layer) { l.Title = "/etc/passwd" }), "not a clean relative path"},
		{"escaping title", good, with(func(l *Layer) { l.Title = "../x" }), "not a clean relative path"},
		{"unclean title", good, with(func(l *Layer) { l.Title = "a//b" }), "not a clean relative path"},
		{"bad digest", good, with(func(l *Layer) { l.Digest = "sha256:abc" }), "is not sha256"},
		{"sha512 digest", good, with(func(l *Layer) { l.Digest = "sha512:" + strings.Repeat("a", 128) }), "is not sha256"},
		{"negative size", good, with(func(l *Layer) { l.Size = -1 }), "negative size"},
		{"duplicate title", good, []Layer{layer, layer}, "listed twice"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Build(tc.def, tc.layers)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestBuildLayerOrder checks the sort: by digest, then title for equal files.
func TestBuildLayerOrder(t *testing.T) {
	def := mustParse(t, "kind: ZarfPackageConfig\nmetadata:\n  name: a\n  architecture: amd64\n")
	low := "sha256:" + strings.Repeat("0", 64)
	in := []Layer{
		{Title: "z", Digest: oneLayerDigest, Size: 1},
		{Title: "b", Digest: low, Size: 0},
		{Title: "a", Digest: low, Size: 0},
	}
	built, err := Build(def, in)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := ParseManifest(built.Manifest)
	var titles []string
	for _, l := range LayersOf(m) {
		titles = append(titles, l.Title)
	}
	if want := []string{"a", "b", "z"}; !slices.Equal(titles, want) {
		t.Errorf("order %v, want %v", titles, want)
	}
	if in[0].Title != "z" {
		t.Error("Build reordered the caller's slice")
	}
}

func TestTag(t *testing.T) {
	cases := []struct {
		name, yaml, want, err string
	}{
		{"version", "kind: ZarfPackageConfig\nmetadata:\n  name: a\n  version: 1.0.0\n", "1.0.0", ""},
		{"flavor appended", "kind: ZarfPackageConfig\nmetadata:\n  name: a\n  version: 0.2.0\nbuild:\n  flavor: upstream\n", "0.2.0-upstream", ""},
		{"no version", "kind: ZarfPackageConfig\nmetadata:\n  name: a\n", "", "version is required"},
		{"not a tag", "kind: ZarfPackageConfig\nmetadata:\n  name: a\n  version: 1.0.0+build.1\n", "", "not a valid OCI tag"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Tag(mustParse(t, tc.yaml))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Tag = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	t.Run("flavored fixture", func(t *testing.T) {
		def := readPackage(t, "zarf-package-flavored-amd64-0.2.0-upstream.tar").definition(t)
		if got, err := Tag(def); got != "0.2.0-upstream" || err != nil {
			t.Fatalf("Tag = %q, %v", got, err)
		}
	})
}
