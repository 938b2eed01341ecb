package registry

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

// TestPushFetchRoundTrip pushes blobs monolithically and in chunks, from
// seekable and plain sources, and reads them back verified.
func TestPushFetchRoundTrip(t *testing.T) {
	reg := testregistry.Start(t)
	tests := []struct {
		name      string
		size      int
		chunk     int64
		seekable  bool
		wantPatch int
	}{
		{"mono 1 byte", 1, 0, false, 1},
		{"mono 3 MiB file", 3<<20 + 17, 0, true, 1},
		{"chunked aligned", 256 << 10, 64 << 10, false, 4},
		{"chunked odd tail", 200<<10 + 3, 64 << 10, true, 4},
		{"chunk larger than blob", 1000, 64 << 10, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(Options{ChunkSize: tt.chunk})
			c.putMax = 0 // the PATCH path; TestSmallBlobsGoInTheCommit covers the PUT
			repo := mustRepo(t, reg, "roundtrip/blobs")
			b := newBlob(t, tt.size)
			open := b.stream()
			if tt.seekable {
				open = b.file(t)
			}
			ctx := testCtx(t)
			if ok, err := c.BlobExists(ctx, repo, b.desc); err != nil || ok {
				t.Fatalf("BlobExists before push = %v, %v; want false, nil", ok, err)
			}
			reg.Reset()
			bar := &recBar{}
			if err := c.PushBlob(ctx, repo, b.desc, open, bar); err != nil {
				t.Fatalf("PushBlob: %v", err)
			}
			if bar.done != 1 || bar.aborted != nil || bar.added != int64(tt.size) {
				t.Errorf("bar: done %d, aborted %v, added %d; want 1, nil, %d", bar.done, bar.aborted, bar.added, tt.size)
			}
			checkPatches(t, reg.Requests(), tt.wantPatch, tt.chunk, int64(tt.size))
			if ok, err := c.BlobExists(ctx, repo, b.desc); err != nil || !ok {
				t.Fatalf("BlobExists after push = %v, %v; want true, nil", ok, err)
			}
			if got := fetchBytes(t, c, repo, b.desc); !bytes.Equal(got, b.data) {
				t.Fatal("fetched bytes differ from pushed bytes")
			}
			rc, err := c.StreamBlob(ctx, repo, b.desc, nil)
			if err != nil {
				t.Fatalf("StreamBlob: %v", err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Equal(got, b.data) {
				t.Fatalf("StreamBlob read: %v (equal %v)", err, bytes.Equal(got, b.data))
			}
		})
	}
}

// checkPatches asserts the PATCH requests of one upload: their count, a real
// Content-Length on each (never chunked encoding), and Content-Range only in
// chunked mode.
func checkPatches(t *testing.T, log []testregistry.RequestLog, want int, chunk, size int64) {
	t.Helper()
	var patches []testregistry.RequestLog
	for _, r := range log {
		if r.Method == http.MethodPatch {
			patches = append(patches, r)
		}
	}
	if len(patches) != want {
		t.Fatalf("%d PATCH requests, want %d", len(patches), want)
	}
	var sent int64
	for _, p := range patches {
		if p.RequestContentLength <= 0 {
			t.Errorf("PATCH without Content-Length (%d)", p.RequestContentLength)
		}
		if (chunk > 0) != (p.RequestContentRange != "") {
			t.Errorf("PATCH Content-Range %q in chunk mode %v", p.RequestContentRange, chunk > 0)
		}
		if chunk > 0 && p.RequestContentLength > chunk {
			t.Errorf("chunk of %d bytes over ChunkSize %d", p.RequestContentLength, chunk)
		}
		sent += p.BytesIn
	}
	if sent != size {
		t.Errorf("PATCHes carried %d bytes, want %d", sent, size)
	}
}

// TestPushEmptyBlob: a 0-byte blob is never PATCHed; it is created with a
// POST and an empty PUT, and not re-sent when the registry has it.
func TestPushEmptyBlob(t *testing.T) {
	for _, chunk := range []int64{0, 1024} {
		reg := testregistry.Start(t)
		c := newTestClient(Options{ChunkSize: chunk})
		repo := mustRepo(t, reg, "empty/blob")
		b := blobOf(nil)
		if b.desc.Digest.Hex != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
			t.Fatalf("empty digest %s", b.desc.Digest)
		}
		opened := 0
		open := func() (io.ReadCloser, error) { opened++; return b.stream()() }
		ctx := testCtx(t)
		if err := c.PushBlob(ctx, repo, b.desc, open, nil); err != nil {
			t.Fatalf("chunk %d: PushBlob: %v", chunk, err)
		}
		methods := map[string]int{}
		for _, r := range reg.Requests() {
			if r.IsBlobUpload() {
				methods[r.Method]++
			}
		}
		if methods["PATCH"] != 0 || methods["POST"] != 1 || methods["PUT"] != 1 || opened != 0 {
			t.Errorf("chunk %d: uploads %v, source opened %d times; want 1 POST, 1 PUT, no PATCH, not opened", chunk, methods, opened)
		}
		if got := fetchBytes(t, c, repo, b.desc); len(got) != 0 {
			t.Errorf("fetched %d bytes", len(got))
		}
		reg.Reset()
		if err := c.PushBlob(ctx, repo, b.desc, open, nil); err != nil {
			t.Fatal(err)
		}
		for _, r := range reg.Requests() {
			if r.IsBlobUpload() {
				t.Errorf("second push of an existing empty blob sent %s %s", r.Method, r.Path)
			}
		}
	}
}

// TestPushSourceErrors: a source that cannot be opened, ends early or does
// not match the digest fails at once, without retries.
func TestPushSourceErrors(t *testing.T) {
	reg := testregistry.Start(t)
	c := newTestClient(Options{})
	repo := mustRepo(t, reg, "src/errors")
	b := newBlob(t, 4096)
	boom := errors.New("boom")
	other := newBlob(t, 4096)
	tests := []struct {
		name string
		open func() (io.ReadCloser, error)
		is   error
	}{
		{"open fails", func() (io.ReadCloser, error) { return nil, boom }, boom},
		{"source short", blobOf(b.data[:100]).stream(), io.ErrUnexpectedEOF},
		{"wrong bytes", other.stream(), ErrDigestMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg.Reset()
			bar := &recBar{}
			err := c.PushBlob(testCtx(t), repo, b.desc, tt.open, bar)
			if !errors.Is(err, tt.is) {
				t.Fatalf("PushBlob error %v, want %v", err, tt.is)
			}
			if bar.aborted == nil || bar.done != 0 {
				t.Errorf("bar not aborted: %+v", bar)
			}
			posts := 0
			for _, r := range reg.Requests() {
				if r.Method == http.MethodPost {
					posts++
				}
			}
			if posts != 1 {
				t.Errorf("%d upload sessions, want 1 (no retry)", posts)
			}
		})
	}
}

// TestMountBlob links a blob across repositories without uploading it, and
// declines cleanly when the source lacks it or is on another registry.
func TestMountBlob(t *testing.T) {
	reg := testregistry.Start(t)
	other := testregistry.Start(t)
	c := newTestClient(Options{})
	ctx := testCtx(t)
	src, dst := mustRepo(t, reg, "mount/src"), mustRepo(t, reg, "mount/dst")
	b := newBlob(t, 10_000)
	if err := c.PushBlob(ctx, src, b.desc, b.stream(), nil); err != nil {
		t.Fatal(err)
	}
	reg.Reset()
	ok, err := c.MountBlob(ctx, dst, src, b.desc)
	if err != nil || !ok {
		t.Fatalf("MountBlob = %v, %v; want true", ok, err)
	}
	for _, r := range reg.Requests() {
		if r.Method == http.MethodPatch {
			t.Error("mount uploaded data")
		}
	}
	if got := fetchBytes(t, c, dst, b.desc); !bytes.Equal(got, b.data) {
		t.Fatal("mounted blob differs")
	}
	missing := newBlob(t, 10)
	reg.Reset()
	if ok, err := c.MountBlob(ctx, dst, src, missing.desc); err != nil || ok {
		t.Fatalf("MountBlob of a missing blob = %v, %v; want false, nil", ok, err)
	}
	deleted := false
	for _, r := range reg.Requests() {
		deleted = deleted || r.Method == http.MethodDelete
	}
	if !deleted {
		t.Error("declined mount left its upload session open")
	}
	if ok, err := c.MountBlob(ctx, mustRepo(t, other, "mount/dst"), src, b.desc); err != nil || ok {
		t.Fatalf("cross-registry MountBlob = %v, %v; want false, nil", ok, err)
	}
}
