package journey

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/layout/layouttest"
)

// inflight counts the blob requests (existence checks and uploads) a
// registry serves at once, those with a body of at least minBody bytes.
type inflight struct {
	hold    time.Duration
	minBody int64
	mu      sync.Mutex
	now     int
	peak    int
}

func (f *inflight) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.URL.Path, "/blobs/") || r.ContentLength < f.minBody {
			next.ServeHTTP(w, r)
			return
		}
		f.mu.Lock()
		f.now++
		f.peak = max(f.peak, f.now)
		f.mu.Unlock()
		defer func() {
			f.mu.Lock()
			f.now--
			f.mu.Unlock()
		}()
		if r.Method == http.MethodPut {
			f.meet()
		}
		next.ServeHTTP(w, r)
	})
}

// meet holds a commit until another counted request is in flight too,
// or for f.hold at most: uploads that may overlap then do, however slow
// the machine.
func (f *inflight) meet() {
	for deadline := time.Now().Add(f.hold); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		f.mu.Lock()
		met := f.now > 1
		f.mu.Unlock()
		if met {
			return
		}
	}
}

func (f *inflight) max() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.peak
}

// publishCounting publishes a fresh .tar.zst package of files through a
// registry that counts blob requests in flight, and returns the peak.
func publishCounting(t *testing.T, files map[string]layouttest.Content, conc int, minBody int64, hold time.Duration) int {
	t.Helper()
	f := &inflight{hold: hold, minBody: minBody}
	reg := testregistry.Start(t, testregistry.WithHandler(f.wrap))
	pkg := openBuilt(t, layouttest.Spec{Name: "mid", Version: "1.0.0", Files: files})
	ns, err := ParseRepository("oci://" + reg.Host + "/ns")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Publish(context.Background(), plainClient(), pkg, ns, PublishOptions{Concurrency: conc}); err != nil {
		t.Fatal(err)
	}
	return f.max()
}

// TestConcurrencyBoundsEveryBlobRequest: with --concurrency 1 no two blob
// requests (HEADs, uploads of spooled and of streamed entries) are in
// flight at once. Before, a big entry streamed from the walk beside the
// spooled uploads, outside the bound: 2 at once.
func TestConcurrencyBoundsEveryBlobRequest(t *testing.T) {
	files := map[string]layouttest.Content{
		"components/a.tar": layouttest.Random(10<<10, 1),
		"components/b.tar": layouttest.Random(diskMax+1, 2),
		"components/c.tar": layouttest.Random(10<<10, 3),
	}
	if got := publishCounting(t, files, 1, 0, 300*time.Millisecond); got != 1 {
		t.Errorf("--concurrency 1: %d blob requests at once", got)
	}
}

// TestCompressedEntriesUploadSideBySide: the entries of a .tar.zst over
// 1 MiB upload several at a time. Before, each one streamed from the
// decompressor in turn, whatever --concurrency said: 10 × 5 MiB uploaded
// one by one.
func TestCompressedEntriesUploadSideBySide(t *testing.T) {
	files := map[string]layouttest.Content{}
	for i := range 4 {
		files[fmt.Sprintf("components/c%d.tar", i)] = layouttest.Random(2<<20, uint64(i+1))
	}
	if got := publishCounting(t, files, 4, 1<<20, 2*time.Second); got < 2 {
		t.Errorf("--concurrency 4: at most %d upload at once, want side by side", got)
	}
}

// TestSpoolLeavesNothing: the temporary files that entries of a .tar.zst
// are spooled to are gone when Publish returns, after a failed upload too.
func TestSpoolLeavesNothing(t *testing.T) {
	files := map[string]layouttest.Content{}
	for i := range 3 {
		files[fmt.Sprintf("components/c%d.tar", i)] = layouttest.Random(memMax+1, uint64(i+1))
	}
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprintf("fail=%v", fail), func(t *testing.T) {
			refuse := func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if fail && r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/blobs/uploads/") && r.ContentLength > memMax {
						http.Error(w, "no", http.StatusBadRequest)
						return
					}
					next.ServeHTTP(w, r)
				})
			}
			reg := testregistry.Start(t, testregistry.WithHandler(refuse))
			pkg := openBuilt(t, layouttest.Spec{Name: "mid", Version: "1.0.0", Files: files})
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			ns, err := ParseRepository("oci://" + reg.Host + "/ns")
			if err != nil {
				t.Fatal(err)
			}
			_, err = Publish(context.Background(), plainClient(), pkg, ns, PublishOptions{})
			if (err != nil) != fail {
				t.Fatalf("Publish: %v", err)
			}
			left, _ := os.ReadDir(tmp)
			for _, e := range left {
				t.Errorf("left behind: %s", e.Name())
			}
		})
	}
}

// TestWrongFileNeverTagged: uploads do not hash, so a file that does not
// match checksums.txt is caught by the registry; the publish then fails
// naming the file, and no manifest or tag is written.
func TestWrongFileNeverTagged(t *testing.T) {
	for _, form := range []layouttest.Form{layouttest.FormTarZst, layouttest.FormTar, layouttest.FormDir} {
		t.Run(string(form), func(t *testing.T) {
			reg := testregistry.Start(t)
			pkg := openBuilt(t, layouttest.Spec{Name: "bad", Version: "1.0.0", Form: form,
				Files: map[string]layouttest.Content{
					"components/a.tar": layouttest.Random(10<<10, 1),
					"components/b.tar": layouttest.Random(memMax+1, 2),
				},
				Break: layouttest.Break{WrongChecksum: "components/b.tar"}})
			ns, err := ParseRepository("oci://" + reg.Host + "/ns")
			if err != nil {
				t.Fatal(err)
			}
			_, err = Publish(context.Background(), plainClient(), pkg, ns, PublishOptions{})
			if err == nil || !strings.Contains(err.Error(), "components/b.tar: checksum mismatch") {
				t.Fatalf("Publish: %v, want a checksum mismatch naming components/b.tar", err)
			}
			for _, r := range reg.Requests() {
				if r.IsManifest() && r.Method == http.MethodPut {
					t.Errorf("a broken package got %s %s", r.Method, r.Path)
				}
			}
		})
	}
}

// TestStreamedEntryCutMidUploadResumes: an entry too big to spool streams
// from the decompressor; when its upload is cut halfway, the retry reopens
// it (decompressing the archive again up to it) and the publish ends with
// every blob in place.
func TestStreamedEntryCutMidUploadResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("a 65 MiB entry; skipped with -short")
	}
	p := faultproxy.New(1)
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	big := int64(diskMax + 1<<20)
	pkg := openBuilt(t, layouttest.Spec{Name: "streamed", Version: "1.0.0", Form: layouttest.FormTarZst,
		Files: map[string]layouttest.Content{"components/big.tar": layouttest.Random(big, 7)}})
	p.Set(faultproxy.Scenario{Name: "cut-big", Match: faultproxy.All(faultproxy.UploadData, faultproxy.BodyOver(diskMax)),
		Count: 1, Action: faultproxy.DropRequestAfter(big / 2)})
	res, err := Publish(context.Background(), plainClient(), pkg, mustRepo(t, "oci://"+reg.Host+"/ns"), PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if fired := p.Fired("cut-big"); fired != 1 {
		t.Fatalf("the cut fired %d times, want 1: the entry did not take the streamed path", fired)
	}
	ref, err := ParseReference("oci://" + res.Reference)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Pull(context.Background(), plainClient(), ref, PullOptions{Arch: "amd64", OutDir: t.TempDir(), NoCache: true}); err != nil {
		t.Fatalf("pulling what the resumed publish pushed: %v", err)
	}
}

// TestSpoolFilesAreUnlinked: an entry spooled to disk is served from a
// file that has no name any more, so a publish killed mid-way (SIGKILL,
// no deferred cleanup) leaves nothing in the temporary directory.
func TestSpoolFilesAreUnlinked(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows cannot unlink an open file")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	s := newSpooler()
	defer s.close()
	content := bytes.Repeat([]byte("z"), memMax+1)
	sp, ok, err := s.spool(context.Background(), layout.File{Path: "components/x.tar", Size: int64(len(content))}, bytes.NewReader(content))
	if err != nil || !ok {
		t.Fatalf("spool: ok %v, %v", ok, err)
	}
	defer sp.release()
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("while spooled, the temporary directory holds %v", left)
	}
	rc, err := sp.open()
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("the spooled entry reads back %d bytes, %v", len(got), err)
	}
}
