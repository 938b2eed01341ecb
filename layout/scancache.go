package layout

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// OpenOptions tune OpenWith. The zero value is Open.
type OpenOptions struct {
	// ScanCache, when set, is a directory where the scan of a .tar.zst is
	// kept, keyed by the file's identity (device, inode, size, mtime and
	// ctime, which no write leaves as they were). Opening the same
	// unchanged archive again then reads its result instead of
	// decompressing it all: what makes a republish of an unchanged
	// package cost no more than its few requests. The validation of
	// zarf.yaml, checksums.txt and the file list runs again on what was
	// kept; file contents are checked where they always are, as they
	// stream (and by the registry a publish sends them to).
	ScanCache string
}

// scanCacheKeep is how many scans the cache holds; older ones go first.
const scanCacheKeep = 64

// cachedScan is a scan as kept on disk: what a compressed archive's scan
// found, which is all Open needs besides the bytes themselves.
type cachedScan struct {
	Source  string            `json:"source"`
	Files   []File            `json:"files"` // in archive order
	Kept    map[string][]byte `json:"kept"`
	Written time.Time         `json:"written"`
}

// scanKey names the scan of the archive fi describes, or "" when the
// platform gives no file identity (the cache is then not used).
func scanKey(path string, fi os.FileInfo) string {
	id, ok := fileIdentity(fi)
	if !ok {
		return ""
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	h := sha256.Sum256(fmt.Appendf(nil, "scan v1\x00%s\x00%s\x00%d\x00%d", abs, id, fi.Size(), fi.ModTime().UnixNano()))
	return hex.EncodeToString(h[:])
}

// loadScan returns the kept scan for key, or nil: a missing, unreadable
// or foreign entry is a miss, never an error.
func loadScan(dir, key string) *scanResult {
	if dir == "" || key == "" {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(dir, key+".json"))
	if err != nil {
		return nil
	}
	var c cachedScan
	if json.Unmarshal(b, &c) != nil || len(c.Files) == 0 {
		return nil
	}
	res := &scanResult{kept: c.Kept}
	for _, f := range c.Files {
		res.entries = append(res.entries, entry{file: f})
	}
	return res
}

// storeScan keeps res under key, written to a temporary name and renamed,
// so that a reader sees a whole entry or none. Failing to keep it only
// costs the next open a decompression, so errors are dropped.
func storeScan(dir, key, src string, res *scanResult) {
	if dir == "" || key == "" || os.MkdirAll(dir, 0o700) != nil {
		return
	}
	c := cachedScan{Source: src, Kept: res.kept, Written: time.Now().UTC()}
	for _, e := range res.entries {
		c.Files = append(c.Files, e.file)
	}
	b, err := json.Marshal(c)
	if err != nil {
		return
	}
	tmp, err := os.CreateTemp(dir, ".scan-*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(b)
	if cerr := tmp.Close(); werr != nil || cerr != nil || os.Rename(tmp.Name(), filepath.Join(dir, key+".json")) != nil {
		os.Remove(tmp.Name())
		return
	}
	trimScans(dir)
}

// trimScans keeps the newest scanCacheKeep entries.
func trimScans(dir string) {
	des, err := os.ReadDir(dir)
	if err != nil || len(des) <= scanCacheKeep {
		return
	}
	type aged struct {
		name string
		mod  time.Time
	}
	var all []aged
	for _, de := range des {
		if fi, err := de.Info(); err == nil && filepath.Ext(de.Name()) == ".json" {
			all = append(all, aged{de.Name(), fi.ModTime()})
		}
	}
	slices.SortFunc(all, func(a, b aged) int { return b.mod.Compare(a.mod) })
	for _, a := range all[min(len(all), scanCacheKeep):] {
		os.Remove(filepath.Join(dir, a.name))
	}
}
