package journey

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/layout/layouttest"
	"github.com/docker-zarf/docker-zarf/manifest"
	"github.com/docker-zarf/docker-zarf/registry"
)

// holdBlob is a front that, once it has sent half of the blob digest,
// holds the rest back until ready says the client has used what it got.
// It records whether that happened; after giveUp it sends the rest anyway
// so that a client that waits for the whole blob is not stuck.
type holdBlob struct {
	digest string
	ready  func() bool
	seen   chan bool
}

const giveUp = 20 * time.Second

func (h *holdBlob) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/blobs/"+h.digest) {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(&holdWriter{ResponseWriter: w, h: h}, r)
	})
}

type holdWriter struct {
	http.ResponseWriter
	h    *holdBlob
	sent int64
	held bool
}

func (w *holdWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.sent += int64(n)
	if !w.held && w.sent >= StreamMin/2 {
		w.held = true
		w.ResponseWriter.(http.Flusher).Flush()
		deadline := time.Now().Add(giveUp)
		for !w.h.ready() && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		w.h.seen <- w.h.ready()
	}
	return n, err
}

// archiveGrew tells whether a temporary archive in dir holds at least n
// bytes: the writer has written part of a blob still downloading.
func archiveGrew(dir string, n int64) func() bool {
	return func() bool {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if fi, err := e.Info(); err == nil && strings.Contains(e.Name(), ".tmp-") && fi.Size() >= n {
				return true
			}
		}
		return false
	}
}

// TestPullStreamsIntoArchiveWithCache: with the cache on, a big blob
// bound for an archive is written into the archive while it downloads,
// and lands complete in the cache from that same pass. Before, the
// archive started only once the blob was in the cache, and read it back.
func TestPullStreamsIntoArchiveWithCache(t *testing.T) {
	big := layouttest.Random(StreamMin, 7)
	out, cache := t.TempDir(), t.TempDir()
	h := &holdBlob{digest: big.Digest(), ready: archiveGrew(out, 4<<20), seen: make(chan bool, 4)}
	reg := testregistry.Start(t, testregistry.WithHandler(h.wrap))
	ref := mustRef(t, publishTestPackage(t, reg, "streamed", map[string]layouttest.Content{
		"components/big.tar": big, "components/small.tar": layouttest.Random(1<<10, 8),
	}))
	res, err := Pull(context.Background(), plainClient(), ref, PullOptions{Arch: "amd64", OutDir: out, CacheDir: cache, Format: layout.FormatTar})
	if err != nil {
		t.Fatal(err)
	}
	if !<-h.seen {
		t.Error("the archive did not grow while the big blob downloaded: it is written only after the download")
	}
	if fi, err := os.Stat(blobFile(cache, big.Digest(), false)); err != nil || fi.Size() != big.Size() {
		t.Errorf("the cache does not hold the streamed blob: %v", err)
	}
	assertOnlyBlobsAndLocks(t, cache)
	// A second pull takes it from the cache, verified as it is read.
	reg.Reset()
	again := t.TempDir()
	if _, err := Pull(context.Background(), plainClient(), ref, PullOptions{Arch: "amd64", OutDir: again, CacheDir: cache, Format: layout.FormatTar}); err != nil {
		t.Fatal(err)
	}
	for _, r := range reg.Requests() {
		if r.IsBlobGet() && strings.HasSuffix(r.Path, big.Digest()) {
			t.Error("the second pull downloaded the cached blob again")
		}
	}
	if a, b := fileSize(t, res.Path), fileSize(t, filepath.Join(again, filepath.Base(res.Path))); a != b {
		t.Errorf("archives of %d and %d bytes", a, b)
	}
}

func fileSize(t *testing.T, p string) int64 {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestConcurrencyBoundsEveryRequest: with --concurrency 1 a pull never has
// two requests in flight, though a big blob streams into the archive while
// small ones download; neither has a copy. Before, the stream came on top
// of the downloads.
func TestConcurrencyBoundsEveryRequest(t *testing.T) {
	reg, l := startRT(t)
	files := smallFiles(4)
	files["components/a-big.tar"] = layouttest.Random(StreamMin, 9)
	ref := mustRef(t, publishRT(t, reg, layouttest.Spec{Name: "bounded", Version: "1.0.0", Arch: "amd64", Files: files}))
	for _, cache := range []bool{false, true} {
		l.start()
		o := PullOptions{Arch: "amd64", OutDir: t.TempDir(), CacheDir: t.TempDir(), NoCache: !cache, Format: layout.FormatTar, Concurrency: 1}
		if _, err := Pull(context.Background(), rtClient(), ref, o); err != nil {
			t.Fatal(err)
		}
		if n := l.peakInFlight(); n != 1 {
			t.Errorf("pull (cache %v) with concurrency 1 had %d requests in flight at once", cache, n)
		}
	}
	l.start()
	if _, err := Copy(context.Background(), rtClient(), rtClient(), ref, mustRepo(t, "oci://"+reg.Host+"/mirror"), CopyOptions{Arch: "amd64", Concurrency: 1}); err != nil {
		t.Fatal(err)
	}
	if n := l.peakInFlight(); n != 1 {
		t.Errorf("copy with concurrency 1 had %d requests in flight at once", n)
	}
}

// TestStreamedBlobFailingItsDigest: a big blob that arrives with a wrong
// byte fails the pull; neither an archive nor any cache entry, whole or
// partial, is left of it.
func TestStreamedBlobFailingItsDigest(t *testing.T) {
	big := layouttest.Random(StreamMin, 10)
	p := faultproxy.New(1)
	p.Set(faultproxy.Scenario{Name: "corrupt", Action: faultproxy.CorruptBody(StreamMin - 10),
		Match: func(r *http.Request) bool {
			return faultproxy.BlobGet(r) && strings.HasSuffix(r.URL.Path, "/"+big.Digest())
		}})
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	ref := mustRef(t, publishTestPackage(t, reg, "corrupt", map[string]layouttest.Content{"components/big.tar": big}))
	out, cache := t.TempDir(), t.TempDir()
	_, err := Pull(context.Background(), plainClient(), ref, PullOptions{Arch: "amd64", OutDir: out, CacheDir: cache, Format: layout.FormatTarZst})
	if !errors.Is(err, registry.ErrDigestMismatch) {
		t.Fatalf("pull of a corrupted blob: %v, want a digest mismatch", err)
	}
	if p.Fired("corrupt") == 0 {
		t.Fatal("the blob was not corrupted")
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("the failed pull left %v in the output directory", entries[0].Name())
	}
	for _, partial := range []bool{false, true} {
		if _, err := os.Stat(blobFile(cache, big.Digest(), partial)); err == nil {
			t.Errorf("the cache kept the corrupted blob (partial %v)", partial)
		}
	}
}

// TestRefusedPullAfterEarlyDownloads: a package refused by its checks
// while the first downloads are under way (they share the round that reads
// zarf.yaml) leaves nothing in the output directory: the downloads are
// stopped and waited for before the scratch store is removed. (In the
// cache a stopped download leaves its .partial, as a cancelled pull does.)
func TestRefusedPullAfterEarlyDownloads(t *testing.T) {
	reg, l := startRT(t)
	ctx := context.Background()
	c := rtClient()
	ref := mustRef(t, publishRT(t, reg, layouttest.Spec{Name: "refused", Version: "1.0.0", Arch: "arm64", Files: smallFiles(8)}))
	_, body, err := c.Resolve(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := manifest.ParseIndex(body)
	if err != nil {
		t.Fatal(err)
	}
	idx.Manifests[0].Platform.Architecture = "amd64" // zarf.yaml says arm64
	raw, _ := json.Marshal(idx)
	if err := c.PutManifest(ctx, ref, string(types.OCIImageIndex), raw); err != nil {
		t.Fatal(err)
	}
	for _, noCache := range []bool{true, false} {
		l.start()
		out, cache := t.TempDir(), t.TempDir()
		_, err = Pull(ctx, c, ref, PullOptions{Arch: "amd64", OutDir: out, CacheDir: cache, NoCache: noCache, Concurrency: 6})
		wantErr(t, err, `zarf.yaml says architecture "arm64"`)
		if got := count(l.record())["GET blob"]; got < 2 {
			t.Fatalf("%d blob GETs: the downloads did not start early", got)
		}
		if entries, _ := os.ReadDir(out); len(entries) != 0 {
			t.Errorf("the refused pull (no cache %v) left %s in the output directory", noCache, entries[0].Name())
		}
	}
}
