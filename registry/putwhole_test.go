package registry

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

// TestSmallBlobsGoInTheCommit: a blob up to putMax costs a POST and a PUT
// carrying its bytes, no PATCH; a bigger one keeps the streaming PATCH; a
// connection cut in the PUT resumes in the same session with a PATCH of
// the bytes the registry did not get; chunked mode never sends bytes in
// the PUT.
func TestSmallBlobsGoInTheCommit(t *testing.T) {
	p := faultproxy.New(7)
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	const size = 64 << 10
	tests := []struct {
		name                        string
		size, putMax, chunk         int64
		faults                      []faultproxy.Scenario
		wantPosts, wantPatches      int
		wantPutBytes, wantPatchByte int64
	}{
		{"small", size, monolithicMax, 0, nil, 1, 0, size, 0},
		{"over putMax", size, size - 1, 0, nil, 1, 1, 0, size},
		{"chunked", size, monolithicMax, 16 << 10, nil, 1, 4, 0, size},
		{"cut mid PUT", size, monolithicMax, 0,
			[]faultproxy.Scenario{{Name: "cut-put", Match: faultproxy.UploadPut, Action: faultproxy.DropRequestAfter(10 << 10), Count: 1}},
			1, 1, 10 << 10, size - 10<<10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(Options{ChunkSize: tt.chunk})
			c.putMax = tt.putMax
			repo := mustRepo(t, reg, "put/whole")
			b := newBlob(t, int(tt.size))
			p.Set(tt.faults...)
			reg.Reset()
			if err := c.PushBlob(testCtx(t), repo, b.desc, b.stream(), nil); err != nil {
				t.Fatalf("PushBlob: %v", err)
			}
			p.Clear()
			var posts, patches int
			var putBytes, patchBytes int64
			for _, r := range reg.Requests() {
				switch r.Method {
				case http.MethodPost:
					posts++
				case http.MethodPatch:
					patches++
					patchBytes += r.BytesIn
				case http.MethodPut:
					putBytes += r.BytesIn
				}
			}
			if posts != tt.wantPosts || patches != tt.wantPatches || putBytes != tt.wantPutBytes || patchBytes != tt.wantPatchByte {
				t.Errorf("posts %d patches %d put bytes %d patch bytes %d, want %d %d %d %d",
					posts, patches, putBytes, patchBytes, tt.wantPosts, tt.wantPatches, tt.wantPutBytes, tt.wantPatchByte)
			}
			if got := fetchBytes(t, c, repo, b.desc); !bytes.Equal(got, b.data) {
				t.Fatal("fetched bytes differ")
			}
		})
	}
}

// TestMidSizedBlobGoesInTheCommit: with the default settings a 5 MiB blob
// (an image layer, a "mid" package file) costs a POST and a PUT. Before,
// anything over 4 MiB paid a PATCH too: a third round trip per blob.
func TestMidSizedBlobGoesInTheCommit(t *testing.T) {
	reg := testregistry.Start(t)
	c := newTestClient(Options{})
	repo := mustRepo(t, reg, "put/mid")
	b := newBlob(t, 5<<20)
	if err := c.PushBlob(testCtx(t), repo, b.desc, b.stream(), nil); err != nil {
		t.Fatal(err)
	}
	var methods []string
	for _, r := range reg.Requests() {
		if r.IsBlobUpload() {
			methods = append(methods, r.Method)
		}
	}
	if len(methods) != 2 || methods[0] != http.MethodPost || methods[1] != http.MethodPut {
		t.Errorf("uploading 5 MiB took %v, want [POST PUT]", methods)
	}
}
