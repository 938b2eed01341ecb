package journey

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gofrs/flock"
)

// cacheEntry is one file a test puts in a cache.
type cacheEntry struct {
	n       int // the digest is n in hex
	partial bool
	size    int
	age     time.Duration
}

func (e cacheEntry) digest() string { return fmt.Sprintf("sha256:%064x", e.n) }

// fillCache writes entries into a new cache directory, with their ages as
// modification times, and returns it.
func fillCache(t *testing.T, entries ...cacheEntry) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, e := range entries {
		p := blobFile(dir, e.digest(), e.partial)
		if err := os.WriteFile(p, make([]byte, e.size), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, now.Add(-e.age), now.Add(-e.age)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// holdLock does what a running pull does while it fills a blob: it holds
// the blob's lock until the test ends.
func holdLock(t *testing.T, dir, digest string) {
	t.Helper()
	fl := flock.New(lockPath(dir, digest))
	if ok, err := fl.TryLock(); err != nil || !ok {
		t.Fatalf("locking %s: %v %v", digest, ok, err)
	}
	t.Cleanup(func() { fl.Unlock() })
}

// cacheFiles names the files in the blob directory.
func cacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "blobs", "sha256"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func entryName(e cacheEntry) string {
	n := fmt.Sprintf("%064x", e.n)
	if e.partial {
		n += partialSuffix
	}
	return n
}

var (
	freshBlob    = cacheEntry{n: 1, size: 1000, age: time.Hour}
	oldBlob      = cacheEntry{n: 2, size: 500, age: 48 * time.Hour}
	freshPartial = cacheEntry{n: 3, partial: true, size: 200, age: time.Minute}
	oldPartial   = cacheEntry{n: 4, partial: true, size: 70, age: 72 * time.Hour}
	busyPartial  = cacheEntry{n: 5, partial: true, size: 300, age: 0}
	busyBlob     = cacheEntry{n: 6, size: 4000, age: 96 * time.Hour}
)

// TestCacheUsageListsBlobsAndPartials: ls shows every blob and partial
// download with its size and age, newest first, tells which ones a running
// pull holds, adds them up, and leaves the cache as it found it.
func TestCacheUsageListsBlobsAndPartials(t *testing.T) {
	dir := fillCache(t, freshBlob, oldBlob, freshPartial, busyPartial)
	holdLock(t, dir, busyPartial.digest())
	// What the store also leaves: lock files, and nothing else it names.
	for _, junk := range []string{fmt.Sprintf("%064x.lock", 9), "README", "abc.partial"} {
		if err := os.WriteFile(filepath.Join(dir, "blobs", "sha256", junk), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	before := cacheFiles(t, dir)

	info, err := CacheUsage(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range info.Blobs {
		got = append(got, fmt.Sprintf("%s %d partial=%v inUse=%v", b.Digest[len(b.Digest)-1:], b.Size, b.Partial, b.InUse))
	}
	want := []string{"5 300 partial=true inUse=true", "3 200 partial=true inUse=false", "1 1000 partial=false inUse=false", "2 500 partial=false inUse=false"}
	if !slices.Equal(got, want) {
		t.Fatalf("blobs\n%q, want\n%q", got, want)
	}
	if info.Dir != dir || info.Size != 2000 || info.Reclaimable != 200 {
		t.Fatalf("dir %s size %d reclaimable %d, want %s 2000 200", info.Dir, info.Size, info.Reclaimable, dir)
	}
	if age := time.Since(info.Blobs[3].LastUsed); age < 47*time.Hour {
		t.Fatalf("the old blob was last used %s ago, want 48h", age)
	}
	if after := cacheFiles(t, dir); !slices.Equal(before, after) {
		t.Fatalf("listing changed the cache: %q → %q", before, after)
	}
}

func TestCacheUsageOfNoCache(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "never-pulled")
	info, err := CacheUsage(dir)
	if err != nil || len(info.Blobs) != 0 || info.Size != 0 || info.Blobs == nil {
		t.Fatalf("CacheUsage = %+v, %v; want an empty list", info, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("listing created %s", dir)
	}
}

// TestPruneCache: what each choice of options removes, and that an entry a
// running pull holds is never removed.
func TestPruneCache(t *testing.T) {
	all := []cacheEntry{freshBlob, oldBlob, freshPartial, oldPartial, busyPartial, busyBlob}
	cases := []struct {
		name    string
		opts    PruneOptions
		removed []cacheEntry
	}{
		{"leftovers only", PruneOptions{}, []cacheEntry{freshPartial, oldPartial}},
		{"all", PruneOptions{All: true}, []cacheEntry{freshBlob, oldBlob, freshPartial, oldPartial}},
		{"until 24h", PruneOptions{Until: 24 * time.Hour}, []cacheEntry{oldBlob, oldPartial}},
		{"all until 24h", PruneOptions{All: true, Until: 24 * time.Hour}, []cacheEntry{oldBlob, oldPartial}},
		{"until 30m", PruneOptions{Until: 30 * time.Minute}, []cacheEntry{freshBlob, oldBlob, oldPartial}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := fillCache(t, all...)
			holdLock(t, dir, busyPartial.digest())
			holdLock(t, dir, busyBlob.digest())
			res, err := PruneCache(context.Background(), dir, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var wantGone, gotGone []string
			var reclaimed int64
			for _, e := range tc.removed {
				wantGone = append(wantGone, e.digest())
				reclaimed += int64(e.size)
			}
			for _, b := range res.Removed {
				gotGone = append(gotGone, b.Digest)
			}
			slices.Sort(wantGone)
			slices.Sort(gotGone)
			if !slices.Equal(gotGone, wantGone) || res.Reclaimed != reclaimed {
				t.Fatalf("removed %q (%d bytes), want %q (%d bytes)", gotGone, res.Reclaimed, wantGone, reclaimed)
			}
			left := cacheFiles(t, dir)
			for _, e := range all {
				gone := slices.Contains(tc.removed, e)
				if slices.Contains(left, entryName(e)) == gone {
					t.Errorf("%s: on disk %v, want %v", entryName(e), !gone, !gone)
				}
			}
		})
	}
}

// TestPruneCacheLooksAgainUnderTheLock: an entry that a pull finished or
// used between the scan and the removal is kept.
func TestPruneCacheLooksAgainUnderTheLock(t *testing.T) {
	dir := fillCache(t, oldBlob)
	blobs, err := scanCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	markUsed(blobFile(dir, oldBlob.digest(), false))
	opts := PruneOptions{Until: 24 * time.Hour}
	if _, removed, err := pruneBlob(dir, blobs[0], opts, time.Now().Add(-opts.Until)); err != nil || removed {
		t.Fatalf("pruneBlob removed a blob used since the scan: %v %v", removed, err)
	}
}

func TestPruneCacheCancelled(t *testing.T) {
	dir := fillCache(t, freshPartial, oldPartial)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := PruneCache(ctx, dir, PruneOptions{All: true})
	if !errors.Is(err, context.Canceled) || len(res.Removed) != 0 || len(cacheFiles(t, dir)) != 2 {
		t.Fatalf("PruneCache after cancel: %+v, %v, files %q", res, err, cacheFiles(t, dir))
	}
}

// TestCacheMarkUsed: a cache hit marked as a use makes an old blob young again
// for `cache ls` and `cache prune --filter until=`.
func TestCacheMarkUsed(t *testing.T) {
	dir := fillCache(t, oldBlob)
	markUsed(blobFile(dir, oldBlob.digest(), false))
	res, err := PruneCache(context.Background(), dir, PruneOptions{Until: 24 * time.Hour})
	if err != nil || len(res.Removed) != 0 {
		t.Fatalf("prune --filter until=24h removed a blob just used: %+v, %v", res, err)
	}
}

// TestPruneAllTakesTheKeptScans: --all leaves nothing of the cache, the
// scans publish keeps included; a plain prune keeps them.
func TestPruneAllTakesTheKeptScans(t *testing.T) {
	dir := t.TempDir()
	scans := ScanCacheDir(dir)
	if err := os.MkdirAll(scans, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(scans, "x.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := PruneCache(context.Background(), dir, PruneOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(scans); err != nil {
		t.Fatalf("a plain prune removed the scans: %v", err)
	}
	if _, err := PruneCache(context.Background(), dir, PruneOptions{All: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(scans); !os.IsNotExist(err) {
		t.Fatalf("prune --all left the scans: %v", err)
	}
}
