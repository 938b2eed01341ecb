package manifest

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

var (
	hexA = strings.Repeat("a", 64)
	hexB = strings.Repeat("b", 64)
)

func TestParseManifest(t *testing.T) {
	demo := readPackage(t, "zarf-package-demo-amd64-1.0.0.tar.zst")
	cases := []struct {
		name string
		in   []byte
		want string // "" means it parses
	}{
		{"zarf manifest", registryFile(t, "demo/manifest-amd64.json"), ""},
		{"docker schema 2 image", demo["images/blobs/sha256/39bb21afa67727b5adcce14a178b63bfba53ee6819e8b0c8ddb2d46e91ecbf6b"], ""},
		{"no media type", []byte(`{"schemaVersion":2,"config":{"mediaType":"x","digest":"sha256:` + hexA + `","size":1},"layers":[]}`), ""},
		{"index", registryFile(t, "demo/index.json"), "is an index, not an image manifest"},
		{"index without media type", []byte(`{"schemaVersion":2,"manifests":[]}`), "is an index"},
		{"other media type", []byte(`{"schemaVersion":2,"mediaType":"text/plain"}`), `media type "text/plain" is not an OCI or Docker manifest`},
		{"schema 1", []byte(`{"schemaVersion":1,"name":"x"}`), "schemaVersion 1, want 2"},
		{"null", []byte(`null`), "schemaVersion 0"},
		{"not json", []byte(`{"schemaVersion":2`), "does not parse"},
		{"trailing data", []byte(`{"schemaVersion":2} x`), "does not parse"},
		{"wrong type", []byte(`{"schemaVersion":"2"}`), "does not parse"},
		{"no config digest", []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{}}`), "config: no digest"},
		{"bad layer digest", []byte(`{"schemaVersion":2,"config":{"digest":"sha256:` + hexA + `"},"layers":[{"digest":"sha256:xyz"}]}`), "does not parse"},
		{"negative layer size", []byte(`{"schemaVersion":2,"config":{"digest":"sha256:` + hexA + `"},"layers":[{"digest":"sha256:` + hexB + `","size":-1}]}`), "layer 0: negative size"},
		{"too large", append([]byte(`{"schemaVersion":2,"x":"`), bytes.Repeat([]byte("a"), MaxManifestSize)...), "limit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseManifest(tc.in)
			if tc.want == "" {
				if err != nil || m == nil {
					t.Fatalf("ParseManifest: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	_, err := ParseManifest(registryFile(t, "demo/index.json"))
	var mt *MediaTypeError
	if !errors.As(err, &mt) || mt.Want != "manifest" {
		t.Errorf("error %v is not a *MediaTypeError", err)
	}
	big := append([]byte(`{"schemaVersion":2,"x":"`), bytes.Repeat([]byte("a"), MaxManifestSize)...)
	if _, err := ParseManifest(big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("error %v is not ErrTooLarge", err)
	}
}

func TestParseIndex(t *testing.T) {
	demo := readPackage(t, "zarf-package-demo-amd64-1.0.0.tar.zst")
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"zarf index", registryFile(t, "demo/index.json"), ""},
		{"image layout index", demo["images/index.json"], ""},
		{"docker manifest list", []byte(`{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[]}`), ""},
		{"empty, no media type", []byte(`{"schemaVersion":2,"manifests":[]}`), ""},
		{"manifest", registryFile(t, "demo/manifest-amd64.json"), "is an image manifest, not an index"},
		{"manifest without media type", []byte(`{"schemaVersion":2,"config":{}}`), "is an image manifest"},
		{"schema 1", []byte(`{"schemaVersion":1}`), "schemaVersion 1"},
		{"entry without digest", []byte(`{"schemaVersion":2,"manifests":[{"size":1}]}`), "entry 0: no digest"},
		{"entry with bad digest", []byte(`{"schemaVersion":2,"manifests":[{"digest":"md5:00"}]}`), "does not parse"},
		{"negative size", []byte(`{"schemaVersion":2,"manifests":[{"digest":"sha256:` + hexA + `","size":-5}]}`), "negative size"},
		{"too large", bytes.Repeat([]byte(" "), MaxManifestSize+1), "limit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			idx, err := ParseIndex(tc.in)
			if tc.want == "" {
				if err != nil || idx == nil {
					t.Fatalf("ParseIndex: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestLayersOf(t *testing.T) {
	m, err := ParseManifest(registryFile(t, "signed/manifest-amd64.json"))
	if err != nil {
		t.Fatal(err)
	}
	got := LayersOf(m)
	want := []Layer{
		{"components/base.tar", "sha256:25b49b3a22078d9f5e0da6fa1e274783dcaff95a766852d7bb622f616af0c94f", 3584},
		{"checksums.txt", "sha256:2f24bee5cd8779fa49c45f4ddcf169ebcb5e88db65009a4d3a3edecf2391d42c", 85},
		{"zarf.bundle.sig", "sha256:bfcd332071f3296481fcf7678f35a0de30567d096c3da16de64c5a9ddc646091", 387},
		{"zarf.yaml", "sha256:e5122a802bf8faa4e5250b99fa2c215a10c1af977a7dd5bc59b384a551870207", 728},
	}
	if !slices.Equal(got, want) {
		t.Errorf("LayersOf\n got %v\nwant %v", got, want)
	}
	if LayersOf(nil) != nil {
		t.Error("LayersOf(nil) is not nil")
	}
}

func TestAlwaysNeeded(t *testing.T) {
	for title, want := range map[string]bool{
		"zarf.yaml": true, "checksums.txt": true, "zarf.yaml.sig": true, "zarf.bundle.sig": true,
		"values.yaml": true, "values.schema.json": true,
		"components/app.tar": false, "images/index.json": false, "sboms.tar": false, "": false, "ZARF.YAML": false,
	} {
		if got := AlwaysNeeded(title); got != want {
			t.Errorf("AlwaysNeeded(%q) = %v, want %v", title, got, want)
		}
	}
}
