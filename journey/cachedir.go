package journey

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gofrs/flock"

	"github.com/docker-zarf/docker-zarf/internal/claim"
)

// This file is the user's view of the pull cache that store.go fills:
// `docker zarf cache ls` and `docker zarf cache prune`. It reads the same
// layout (blobs/sha256/<hex>, <hex>.partial, <hex>.lock) and honours the
// same per-blob lock, so it never touches what a running pull is writing.

// CacheBlob is one entry of the pull cache: a complete, verified blob, or
// the bytes of one whose download has not finished (Partial), which the
// next pull of it resumes.
type CacheBlob struct {
	Digest string `json:"digest"` // sha256:<hex>
	Size   int64  `json:"size"`   // bytes on disk
	// LastUsed is the file's modification time: when the blob was written,
	// or last served from the cache by a pull that refreshes it.
	LastUsed time.Time `json:"lastUsed"`
	Partial  bool      `json:"partial,omitempty"`
	// InUse is true while a running pull holds the blob's lock.
	InUse bool `json:"inUse,omitempty"`
}

// CacheInfo is what the pull cache holds.
type CacheInfo struct {
	Dir string `json:"dir"`
	// Blobs are newest first; partial downloads are among them.
	Blobs []CacheBlob `json:"blobs"`
	Size  int64       `json:"size"` // bytes of all Blobs
	// Reclaimable is what PruneCache with zero options frees: the partial
	// downloads no running pull is writing.
	Reclaimable int64 `json:"reclaimable"`
}

// PruneOptions choose what PruneCache removes. The zero value removes the
// leftovers of interrupted pulls (partial downloads no pull is writing)
// and keeps every complete blob.
type PruneOptions struct {
	// All removes complete blobs too, not only partial downloads.
	All bool
	// Until, when positive, removes complete blobs and partial downloads
	// not used within this long, and keeps every newer one, with or
	// without All (docker's `--filter until=`).
	Until time.Duration
}

// PruneResult is what PruneCache removed.
type PruneResult struct {
	Removed   []CacheBlob `json:"removed"`
	Reclaimed int64       `json:"reclaimed"` // bytes freed
}

const partialSuffix = ".partial"

// CacheUsage lists the pull cache in dir, or in DefaultCacheDir when dir
// is "". A cache that does not exist yet is empty, not an error, and
// listing creates nothing.
func CacheUsage(dir string) (CacheInfo, error) {
	dir, err := cacheDir(dir)
	if err != nil {
		return CacheInfo{}, err
	}
	info := CacheInfo{Dir: dir, Blobs: []CacheBlob{}}
	blobs, err := scanCache(dir)
	if err != nil {
		return info, err
	}
	for _, b := range blobs {
		b.InUse = lockHeld(lockPath(dir, b.Digest))
		info.Size += b.Size
		if b.Partial && !b.InUse {
			info.Reclaimable += b.Size
		}
		info.Blobs = append(info.Blobs, b)
	}
	return info, nil
}

// PruneCache removes from the pull cache in dir (DefaultCacheDir when "")
// what opts choose. It never removes an entry whose lock a running pull
// holds: it takes each entry's lock, without waiting, before it looks at
// the entry again and removes it. The .lock files stay: they are empty,
// and removing one a waiting pull has opened would let two pulls write the
// same blob. After an error it goes on with the other entries and returns
// what it removed with the first error.
func PruneCache(ctx context.Context, dir string, opts PruneOptions) (PruneResult, error) {
	res := PruneResult{Removed: []CacheBlob{}}
	dir, err := cacheDir(dir)
	if err != nil {
		return res, err
	}
	blobs, err := scanCache(dir)
	if err != nil {
		return res, err
	}
	if opts.All {
		// The kept scans of published archives (ScanCacheDir) are only
		// a shortcut; --all leaves nothing of the cache.
		if err := os.RemoveAll(ScanCacheDir(dir)); err != nil {
			return res, fmt.Errorf("pruning the cache %s: %w", dir, err)
		}
	}
	var cutoff time.Time
	if opts.Until > 0 {
		cutoff = time.Now().Add(-opts.Until)
	}
	var first error
	failed := 0
	for _, b := range blobs {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("pruning the cache %s: %w", dir, err)
		}
		if !opts.chooses(b, cutoff) {
			continue
		}
		removed, ok, err := pruneBlob(dir, b, opts, cutoff)
		if err != nil {
			failed++
			first = cmp.Or(first, err)
			continue
		}
		if ok {
			res.Removed = append(res.Removed, removed)
			res.Reclaimed += removed.Size
		}
	}
	if failed > 0 {
		return res, fmt.Errorf("%d cache entries could not be removed: %w", failed, first)
	}
	return res, nil
}

// chooses tells whether opts select b (locks aside). cutoff is zero
// without Until.
func (o PruneOptions) chooses(b CacheBlob, cutoff time.Time) bool {
	if !b.Partial && !o.All && o.Until <= 0 {
		return false
	}
	return cutoff.IsZero() || b.LastUsed.Before(cutoff)
}

// pruneBlob removes b under its lock, unless a running pull holds it or
// the entry changed into one opts do not choose (a partial download that
// finished, a blob a pull has just used). It reports what it removed.
func pruneBlob(dir string, b CacheBlob, opts PruneOptions, cutoff time.Time) (CacheBlob, bool, error) {
	fl := flock.New(lockPath(dir, b.Digest))
	locked, err := fl.TryLock()
	if err != nil {
		return b, false, fmt.Errorf("locking %s in the cache: %w", b.Digest, err)
	}
	if !locked {
		return b, false, nil
	}
	defer fl.Unlock()
	p := blobFile(dir, b.Digest, b.Partial)
	fi, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return b, false, nil
	}
	if err != nil {
		return b, false, fmt.Errorf("removing %s from the cache: %w", b.Digest, err)
	}
	b.Size, b.LastUsed = fi.Size(), fi.ModTime()
	if !fi.Mode().IsRegular() || !opts.chooses(b, cutoff) {
		return b, false, nil
	}
	if err := os.Remove(p); err != nil {
		return b, false, fmt.Errorf("removing %s from the cache: %w", b.Digest, err)
	}
	return b, true, nil
}

// scanCache reads the blob directory: complete blobs and partial
// downloads, newest first. Lock files and names the store never writes
// are skipped.
func scanCache(dir string) ([]CacheBlob, error) {
	entries, err := os.ReadDir(filepath.Join(dir, "blobs", "sha256"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the cache %s: %w", dir, err)
	}
	var blobs []CacheBlob
	for _, e := range entries {
		hex, partial := strings.CutSuffix(e.Name(), partialSuffix)
		if !e.Type().IsRegular() || !isSHA256Hex(hex) {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue // removed since ReadDir: a pull renamed or pruned it
		}
		blobs = append(blobs, CacheBlob{Digest: "sha256:" + hex, Size: fi.Size(), LastUsed: fi.ModTime(), Partial: partial})
	}
	slices.SortFunc(blobs, func(a, b CacheBlob) int {
		return cmp.Or(b.LastUsed.Compare(a.LastUsed), cmp.Compare(a.Digest, b.Digest), cmpBool(a.Partial, b.Partial))
	})
	return blobs, nil
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// lockHeld tells whether a running pull holds the lock file p. It opens p
// read-only and never creates it, so listing leaves the cache untouched;
// the lock it may take for an instant only makes such a pull wait one poll.
func lockHeld(p string) bool {
	fl := flock.New(p, flock.SetFlag(os.O_RDONLY))
	ok, err := fl.TryLock()
	if err != nil {
		return false // no lock file: no pull has it
	}
	if ok {
		fl.Unlock()
	}
	return !ok
}

// markUsed records a cache hit as the blob's last use, which `cache ls`
// shows and `cache prune --filter until=` goes by. Failing to (a read-only
// cache) costs only that record, so the error is dropped.
func markUsed(p string) {
	now := time.Now()
	_ = os.Chtimes(p, now, now)
}

func cacheDir(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	return DefaultCacheDir()
}

func lockPath(dir, digest string) string { return blobFile(dir, digest, false) + claim.Suffix }

func blobFile(dir, digest string, partial bool) string {
	p := filepath.Join(dir, "blobs", "sha256", strings.TrimPrefix(digest, "sha256:"))
	if partial {
		p += partialSuffix
	}
	return p
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// ScanCacheDir is where, under a cache directory, publish keeps the scans
// of the .tar.zst archives it opened (OpenOptions.ScanCache).
func ScanCacheDir(cacheDir string) string { return filepath.Join(cacheDir, "scans") }
