package registry

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

// fetchSetup starts a registry behind a fault proxy and pushes one blob.
func fetchSetup(t *testing.T, size int, wrap ...func(http.Handler) http.Handler) (*testregistry.Registry, *faultproxy.Proxy, *Client, blob) {
	t.Helper()
	p := faultproxy.New(1)
	opts := []testregistry.Option{testregistry.WithHandler(p.Middleware)}
	for _, w := range wrap {
		opts = append(opts, testregistry.WithHandler(w))
	}
	reg := testregistry.Start(t, opts...)
	c := newTestClient(Options{})
	b := newBlob(t, size)
	if err := c.PushBlob(testCtx(t), mustRepo(t, reg, "fetch/blob"), b.desc, b.stream(), nil); err != nil {
		t.Fatal(err)
	}
	reg.Reset()
	return reg, p, c, b
}

func blobBytesOut(reg *testregistry.Registry) (n int64, ranged int) {
	for _, r := range reg.Requests() {
		if r.IsBlobGet() {
			n += r.BytesOut
			if r.Range != "" {
				ranged++
			}
		}
	}
	return n, ranged
}

// TestFetchResumesAcrossRuns: a download cut with no retries left leaves
// only the .partial file; the next Fetch re-hashes it and asks for the rest
// with Range.
func TestFetchResumesAcrossRuns(t *testing.T) {
	const size = 512 << 10
	reg, p, c, b := fetchSetup(t, size)
	repo := mustRepo(t, reg, "fetch/blob")
	dst := filepath.Join(t.TempDir(), "out")
	once := newTestClient(Options{Retries: NoRetry})
	p.Set(faultproxy.DropDownload(200<<10, 1))
	if err := once.Fetch(testCtx(t), repo, b.desc, dst, nil); err == nil {
		t.Fatal("Fetch through a cut connection succeeded with no retries")
	}
	if _, err := os.Stat(dst); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("dst exists after a failed Fetch: %v", err)
	}
	st, err := os.Stat(dst + partialSuffix)
	if err != nil || st.Size() == 0 {
		t.Fatalf("no partial file kept: %v", err)
	}
	reg.Reset()
	bar := &recBar{}
	if err := c.Fetch(testCtx(t), repo, b.desc, dst, bar); err != nil {
		t.Fatalf("resumed Fetch: %v", err)
	}
	out, ranged := blobBytesOut(reg)
	if out != size-st.Size() || ranged != 1 {
		t.Errorf("second Fetch got %d bytes in %d ranged GETs; want %d in 1", out, ranged, size-st.Size())
	}
	if len(bar.sets) == 0 || bar.sets[0] != st.Size() || bar.added != size-st.Size() || bar.done != 1 {
		t.Errorf("bar: sets %v added %d done %d", bar.sets, bar.added, bar.done)
	}
	assertFile(t, dst, b.data)
}

// TestFetchRetriesDrops: within one call, cut downloads resume from what
// has arrived.
func TestFetchRetriesDrops(t *testing.T) {
	const size = 300 << 10
	reg, p, c, b := fetchSetup(t, size)
	p.Set(faultproxy.DropDownload(100<<10, 2))
	dst := filepath.Join(t.TempDir(), "out")
	if err := c.Fetch(testCtx(t), mustRepo(t, reg, "fetch/blob"), b.desc, dst, nil); err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if out, ranged := blobBytesOut(reg); out != size || ranged != 2 {
		t.Errorf("%d bytes in %d ranged GETs; want %d in 2", out, ranged, size)
	}
	assertFile(t, dst, b.data)
}

// TestFetchRangeIgnored: a registry answering 200 to a Range request gets
// the whole blob, and the partial bytes are replaced, not appended to.
func TestFetchRangeIgnored(t *testing.T) {
	stripRange := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Header.Del("Range")
			next.ServeHTTP(w, r)
		})
	}
	reg, _, c, b := fetchSetup(t, 100<<10, stripRange)
	dst := filepath.Join(t.TempDir(), "out")
	if err := os.WriteFile(dst+partialSuffix, b.data[:40<<10], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.Fetch(testCtx(t), mustRepo(t, reg, "fetch/blob"), b.desc, dst, nil); err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if out, _ := blobBytesOut(reg); out != int64(len(b.data)) {
		t.Errorf("fetched %d bytes, want the whole %d", out, len(b.data))
	}
	assertFile(t, dst, b.data)
}

// TestFetchDigestMismatch: corrupted bytes fail with ErrDigestMismatch
// naming the digest, and leave neither dst nor a partial file.
func TestFetchDigestMismatch(t *testing.T) {
	reg, p, c, b := fetchSetup(t, 64<<10)
	p.Set(faultproxy.CorruptBlob(0))
	dst := filepath.Join(t.TempDir(), "out")
	bar := &recBar{}
	err := c.Fetch(testCtx(t), mustRepo(t, reg, "fetch/blob"), b.desc, dst, bar)
	if !errors.Is(err, ErrDigestMismatch) || !bytes.Contains([]byte(err.Error()), []byte(b.desc.Digest.Hex)) {
		t.Fatalf("Fetch error %v, want ErrDigestMismatch naming %s", err, b.desc.Digest)
	}
	for _, f := range []string{dst, dst + partialSuffix} {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind: %v", filepath.Base(f), err)
		}
	}
	if bar.aborted == nil {
		t.Error("bar not aborted")
	}
}

// TestFetchBadPartial: wrong bytes left by an earlier run are detected by
// the final digest check and replaced by one clean download.
func TestFetchBadPartial(t *testing.T) {
	reg, _, c, b := fetchSetup(t, 64<<10)
	dst := filepath.Join(t.TempDir(), "out")
	bad := bytes.Repeat([]byte{'x'}, 10<<10)
	if err := os.WriteFile(dst+partialSuffix, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.Fetch(testCtx(t), mustRepo(t, reg, "fetch/blob"), b.desc, dst, nil); err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	assertFile(t, dst, b.data)
}

func assertFile(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: %d bytes, differ from the %d expected", path, len(got), len(want))
	}
	if _, err := os.Stat(path + partialSuffix); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("partial file left after success: %v", err)
	}
}
