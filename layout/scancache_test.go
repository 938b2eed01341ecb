package layout

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// copyDemo copies the Zarf CLI's demo .tar.zst to a file of the test's own.
func copyDemo(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../testdata/fixtures/packages/zarf-package-demo-amd64-1.0.0.tar.zst")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "demo.tar.zst")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// noRead fails the test if the archive is read at all.
type noRead struct{ t *testing.T }

func (r noRead) Read([]byte) (int, error) {
	r.t.Error("the archive was read although its scan was kept")
	return 0, errors.New("read")
}

// TestScanCacheReadsNoByteOfAnUnchangedArchive: the second open of the same
// file takes the kept scan and decompresses nothing.
func TestScanCacheReadsNoByteOfAnUnchangedArchive(t *testing.T) {
	path, cache := copyDemo(t), t.TempDir()
	first, err := OpenWith(context.Background(), path, OpenOptions{ScanCache: cache})
	if err != nil {
		t.Fatal(err)
	}
	first.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := scanCompressedCached(context.Background(), path, fi, noRead{t}, cache)
	if err != nil || len(res.entries) != len(first.Files) || len(res.kept[zarfYAML]) == 0 {
		t.Fatalf("kept scan: %d entries (want %d), %v", len(res.entries), len(first.Files), err)
	}
	again, err := OpenWith(context.Background(), path, OpenOptions{ScanCache: cache})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if len(again.Files) != len(first.Files) || again.Definition.Metadata.Name != "demo" {
		t.Fatalf("reopened from the kept scan: %+v", again.Files)
	}
}

// TestScanCacheMissesAfterAWrite: bytes changed in place, with the size
// and the modification time put back as they were, are not the kept
// scan's: the open reads the archive again and finds it broken.
func TestScanCacheMissesAfterAWrite(t *testing.T) {
	path, cache := copyDemo(t), t.TempDir()
	p, err := OpenWith(context.Background(), path, OpenOptions{ScanCache: cache})
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	fi, _ := os.Stat(path)
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("broken!"), fi.Size()/2); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.Chtimes(path, time.Time{}, fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenWith(context.Background(), path, OpenOptions{ScanCache: cache}); err == nil {
		t.Fatal("a changed archive opened from the scan kept for its old bytes")
	}
}

// TestScanCacheGarbageIsAMiss: an entry that is not a scan is read past.
func TestScanCacheGarbageIsAMiss(t *testing.T) {
	path, cache := copyDemo(t), t.TempDir()
	p, err := OpenWith(context.Background(), path, OpenOptions{ScanCache: cache})
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	kept, _ := filepath.Glob(filepath.Join(cache, "*.json"))
	if len(kept) != 1 {
		t.Fatalf("kept %v, want one scan", kept)
	}
	if err := os.WriteFile(kept[0], []byte(`{"files": 3`), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err = OpenWith(context.Background(), path, OpenOptions{ScanCache: cache})
	if err != nil {
		t.Fatalf("a garbled kept scan broke the open: %v", err)
	}
	p.Close()
}

// TestScanCacheKeepsTheNewest bounds the directory.
func TestScanCacheKeepsTheNewest(t *testing.T) {
	dir := t.TempDir()
	res := &scanResult{entries: []entry{{file: File{Path: "zarf.yaml", Size: 1}}}, kept: map[string][]byte{}}
	for i := range scanCacheKeep + 5 {
		storeScan(dir, string(rune('a'+i%26))+time.Now().Format("150405.000000000"), "src", res)
	}
	if kept, _ := filepath.Glob(filepath.Join(dir, "*.json")); len(kept) != scanCacheKeep {
		t.Fatalf("%d scans kept, want %d", len(kept), scanCacheKeep)
	}
}
