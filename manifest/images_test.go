package manifest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func TestImageBlobsDemo(t *testing.T) {
	files := readPackage(t, "zarf-package-demo-amd64-1.0.0.tar.zst")
	var reads []string
	read := func(_ context.Context, digest string) ([]byte, error) {
		reads = append(reads, digest)
		return files.blob(digest)
	}
	got, err := ImageBlobs(context.Background(), files["images/index.json"], []string{"127.0.0.1:5000/library/hello:1.0"}, read)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"images/blobs/sha256/39bb21afa67727b5adcce14a178b63bfba53ee6819e8b0c8ddb2d46e91ecbf6b", // manifest
		"images/blobs/sha256/00e43204a308d4345159cf113ed2ed20ba3e3279e9e4578b2971e56f63a6780c", // config
		"images/blobs/sha256/658a35c4073c2801ec1747f8665e2f714da11dceadea646372a6cda420978dfb", // layer
	}
	if !slices.Equal(got, want) {
		t.Errorf("ImageBlobs\n got %q\nwant %q", got, want)
	}
	if len(reads) != 1 {
		t.Errorf("read %d blobs (%q), want only the manifest", len(reads), reads)
	}
	// Every image blob of the package is a layer of what Zarf pushed.
	m, _ := ParseManifest(registryFile(t, "demo/manifest-amd64.json"))
	for _, title := range got {
		if !slices.ContainsFunc(LayersOf(m), func(l Layer) bool { return l.Title == title }) {
			t.Errorf("%s is not a layer of the pushed manifest", title)
		}
	}
}

// imageStore builds an image layout in memory for synthetic cases.
type imageStore map[string][]byte

func (s imageStore) put(t *testing.T, mt types.MediaType, v any) v1.Descriptor {
	t.Helper()
	b, ok := v.([]byte)
	if !ok {
		var err error
		if b, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	d := describe(mt, b)
	s[d.Digest.String()] = b
	return d
}

func (s imageStore) image(t *testing.T, config string, layers ...v1.Descriptor) v1.Descriptor {
	c := s.put(t, types.OCIConfigJSON, []byte(config))
	return s.put(t, types.OCIManifestSchema1, v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, Config: c, Layers: layers})
}

func (s imageStore) read(_ context.Context, digest string) ([]byte, error) {
	if b, ok := s[digest]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("blob %s: %w", digest, fs.ErrNotExist)
}

func layoutIndex(t *testing.T, entries map[string]v1.Descriptor) []byte {
	idx := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex}
	for name, d := range entries {
		d.Annotations = map[string]string{AnnotationBaseName: name}
		idx.Manifests = append(idx.Manifests, d)
	}
	b, err := json.Marshal(idx)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestImageBlobsNestedIndex(t *testing.T) {
	s := imageStore{}
	shared := s.put(t, types.OCILayer, []byte("shared layer"))
	l1 := s.put(t, types.OCILayer, []byte("amd64 layer"))
	l2 := s.put(t, types.OCILayer, []byte("arm64 layer"))
	m1 := s.image(t, `{"architecture":"amd64"}`, l1, shared)
	m2 := s.image(t, `{"architecture":"arm64"}`, l2, shared)
	absent := describe(types.OCIManifestSchema1, []byte("a platform the package does not carry"))
	// The index's entries carry no media type on m2's side: the walker
	// tells a manifest from an index by content then.
	m2.MediaType = ""
	idx := s.put(t, types.OCIImageIndex, v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{m1, absent, m2}})
	other := s.image(t, `{"other":true}`, shared)
	index := layoutIndex(t, map[string]v1.Descriptor{"docker.io/library/nginx:1.25": idx, "ghcr.io/x/y:2": other})

	got, err := ImageBlobs(context.Background(), index, []string{"nginx:1.25", "ghcr.io/x/y:2", "library/nginx:1.25"}, s.read)
	if err != nil {
		t.Fatal(err)
	}
	m1m, _ := ParseManifest(s[m1.Digest.String()])
	m2m, _ := ParseManifest(s[m2.Digest.String()])
	om, _ := ParseManifest(s[other.Digest.String()])
	want := titles(idx.Digest, m1.Digest, m1m.Config.Digest, l1.Digest, shared.Digest,
		m2.Digest, m2m.Config.Digest, l2.Digest, other.Digest, om.Config.Digest)
	if !slices.Equal(got, want) {
		t.Errorf("ImageBlobs\n got %q\nwant %q", got, want)
	}
}

func titles(hs ...v1.Hash) []string {
	out := make([]string, 0, len(hs))
	for _, h := range hs {
		out = append(out, blobTitle(h))
	}
	return out
}

func TestImageBlobsErrors(t *testing.T) {
	s := imageStore{}
	img := s.image(t, `{}`, s.put(t, types.OCILayer, []byte("l")))
	index := layoutIndex(t, map[string]v1.Descriptor{"ghcr.io/x/y:1": img})
	failing := func(context.Context, string) ([]byte, error) { return nil, errors.New("network down") }
	lying := func(context.Context, string) ([]byte, error) { return []byte(`{"schemaVersion":2}`), nil }
	missingChild := imageStore{}
	brokenIdx := missingChild.put(t, types.OCIImageIndex, v1.IndexManifest{SchemaVersion: 2, Manifests: []v1.Descriptor{img}})
	flaky := func(ctx context.Context, d string) ([]byte, error) {
		if d == img.Digest.String() {
			return nil, errors.New("network down")
		}
		return missingChild.read(ctx, d)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name  string
		ctx   context.Context
		index []byte
		refs  []string
		read  func(context.Context, string) ([]byte, error)
		want  string
	}{
		{"unknown image", context.Background(), index, []string{"ghcr.io/x/y:2"}, s.read, "image ghcr.io/x/y:2 is not in images/index.json"},
		{"bad index", context.Background(), []byte(`{}`), []string{"a"}, s.read, "reading images/index.json"},
		{"read fails", context.Background(), index, []string{"ghcr.io/x/y:1"}, failing, "network down"},
		{"top-level blob missing", context.Background(), index, []string{"ghcr.io/x/y:1"}, imageStore{}.read, "file does not exist"},
		{"wrong bytes", context.Background(), index, []string{"ghcr.io/x/y:1"}, lying, "content has digest"},
		{"nested read fails", context.Background(), layoutIndex(t, map[string]v1.Descriptor{"a:1": brokenIdx}), []string{"a:1"}, flaky, "network down"},
		{"cancelled", cancelled, index, []string{"ghcr.io/x/y:1"}, s.read, "context canceled"},
		{"no reader", context.Background(), index, []string{"ghcr.io/x/y:1"}, nil, "no blob reader"},
		{"too deep", context.Background(), deepIndex(t, s, img, maxImageDepth+1), []string{"deep:1"}, s.read, "nested more than"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ImageBlobs(tc.ctx, tc.index, tc.refs, tc.read)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	if got, err := ImageBlobs(context.Background(), nil, nil, s.read); got != nil || err != nil {
		t.Errorf("no refs: %q, %v", got, err)
	}
	if _, err := ImageBlobs(context.Background(), deepIndex(t, s, img, maxImageDepth), []string{"deep:1"}, s.read); err != nil {
		t.Errorf("nesting at the limit: %v", err)
	}
}

// deepIndex wraps img in n indexes and lists the outermost as "deep:1".
func deepIndex(t *testing.T, s imageStore, img v1.Descriptor, n int) []byte {
	d := img
	for range n {
		d = s.put(t, types.OCIImageIndex, v1.IndexManifest{SchemaVersion: 2, Manifests: []v1.Descriptor{d}})
	}
	return layoutIndex(t, map[string]v1.Descriptor{"deep:1": d})
}

func TestNormalizeRef(t *testing.T) {
	cases := []struct{ a, b string }{
		{"nginx", "docker.io/library/nginx:latest"},
		{"nginx:1.25", "index.docker.io/library/nginx:1.25"},
		{"library/nginx:1.25", "docker.io/library/nginx:1.25"},
		{"127.0.0.1:5000/library/hello:1.0", "127.0.0.1:5000/library/hello:1.0"},
		{"nginx@sha256:" + hexA, "docker.io/library/nginx:1.25@sha256:" + hexA},
	}
	for _, tc := range cases {
		if normalizeRef(tc.a) != normalizeRef(tc.b) {
			t.Errorf("%s and %s differ: %s, %s", tc.a, tc.b, normalizeRef(tc.a), normalizeRef(tc.b))
		}
	}
	for _, pair := range [][2]string{{"nginx:1.25", "nginx:1.26"}, {"ghcr.io/nginx:1", "nginx:1"}, {"Not A Ref", "not a ref"}} {
		if normalizeRef(pair[0]) == normalizeRef(pair[1]) {
			t.Errorf("%s and %s compare equal", pair[0], pair[1])
		}
	}
}
