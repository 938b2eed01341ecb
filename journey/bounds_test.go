package journey

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/manifest"
)

// TestListReadsEachManifestOnce: ls over tags whose indexes point hundreds
// of entries at one big manifest reads that manifest once. Before, it
// fetched and kept it once per entry (500 × 4 MiB reached 2.5 GB).
func TestListReadsEachManifestOnce(t *testing.T) {
	reg := testregistry.Start(t)
	ctx := context.Background()
	c := plainClient()
	repo := mustRepo(t, "oci://"+reg.Host+"/ns/wide")
	// A 3 MiB manifest: an empty config and a padding annotation.
	cfg := []byte("{}")
	cfgDesc := v1.Descriptor{MediaType: manifest.MediaTypeConfig, Size: int64(len(cfg)), Digest: sha(cfg)}
	if err := c.PushBlob(ctx, repo, cfgDesc, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(cfg)), nil }, nil); err != nil {
		t.Fatal(err)
	}
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, Config: cfgDesc, Layers: []v1.Descriptor{},
		Annotations: map[string]string{"pad": strings.Repeat("x", 3<<20)}}
	mb, _ := json.Marshal(m)
	md := v1.Descriptor{MediaType: types.OCIManifestSchema1, Size: int64(len(mb)), Digest: sha(mb)}
	if err := c.PutManifest(ctx, repo.Digest(md.Digest.String()), string(md.MediaType), mb); err != nil {
		t.Fatal(err)
	}
	idx := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex}
	for i := range 500 {
		e := md
		e.Platform = &v1.Platform{OS: "multi", Architecture: fmt.Sprintf("a%d", i)}
		idx.Manifests = append(idx.Manifests, e)
	}
	ib, _ := json.Marshal(idx)
	for _, tag := range []string{"1", "2", "3"} {
		if err := c.PutManifest(ctx, repo.Tag(tag), string(types.OCIImageIndex), ib); err != nil {
			t.Fatal(err)
		}
	}
	reg.Reset()
	rows, err := List(ctx, c, repo, ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || len(rows[0].Architectures) != 500 || rows[0].Size != 500*cfgDesc.Size {
		t.Fatalf("rows: %d, first has %d architectures and %d bytes", len(rows), len(rows[0].Architectures), rows[0].Size)
	}
	gets := 0
	for _, r := range reg.Requests() {
		if r.Method == "GET" && strings.HasSuffix(r.Path, "/manifests/"+md.Digest.String()) {
			gets++
		}
	}
	if gets != 1 {
		t.Fatalf("the shared manifest was fetched %d times, want once", gets)
	}
}

// TestPullKeepsABoundedShareOfMetadata: the small blobs a pull reads while
// planning (image manifests) are kept in memory only up to keepBudget;
// before, every one was kept (200 image manifests reached 844 MiB).
func TestPullKeepsABoundedShareOfMetadata(t *testing.T) {
	reg := testregistry.Start(t)
	ctx := context.Background()
	c := plainClient()
	repo := mustRepo(t, "oci://"+reg.Host+"/ns/meta")
	rp := &remotePackage{repo: repo}
	const n, size = 48, 1 << 20
	for i := range n {
		b := bytes.Repeat([]byte{byte(i)}, size)
		d := v1.Descriptor{MediaType: manifest.MediaTypeLayer, Size: size, Digest: sha(b)}
		if err := c.PushBlob(ctx, repo, d, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := rp.readBlob(ctx, c, d); err != nil {
			t.Fatal(err)
		}
	}
	var kept int
	for _, b := range rp.read {
		kept += len(b)
	}
	if kept > keepBudget {
		t.Fatalf("a pull keeps %d MiB of metadata, over the %d MiB budget", kept>>20, keepBudget>>20)
	}
}

func sha(b []byte) v1.Hash {
	h, _, _ := v1.SHA256(bytes.NewReader(b))
	return h
}
