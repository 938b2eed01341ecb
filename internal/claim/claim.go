// Package claim marks the temporary files and directories that a running
// process is still writing, so that a later run can tell what a killed
// process left behind from another job's work in progress. Two pulls that
// share an output directory or a cache must never delete each other's
// files; a pull that was killed must not leave its scratch space forever.
//
// A claim is an exclusive advisory lock (flock, LockFileEx) on a sidecar
// file, PATH.lock. The operating system drops the lock when its process
// dies, however it dies, which no PID file or timestamp can promise.
package claim

import (
	"errors"
	"io/fs"
	"os"
	"time"

	"github.com/gofrs/flock"
)

// Suffix names the sidecar lock file of a claimed path.
const Suffix = ".lock"

// LegacyAge is how old an unclaimed leftover (one with no lock file: from a
// version that did not claim, or a process killed between creating the path
// and its lock) must be before Sweep removes it.
const LegacyAge = 24 * time.Hour

// Claim is a held lock on a path.
type Claim struct {
	path string
	fl   *flock.Flock
}

// Hold claims path for this process. The caller releases the claim once
// path is gone (renamed into place or removed).
func Hold(path string) (*Claim, error) {
	fl := flock.New(path + Suffix)
	ok, err := fl.TryLock()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errors.New(path + " is claimed by another process")
	}
	return &Claim{path: path, fl: fl}, nil
}

// Release removes the lock file and unlocks it. Removing it first, while
// it is still locked, keeps a sweeper from locking it in between.
func (c *Claim) Release() {
	if c == nil {
		return
	}
	os.Remove(c.fl.Path())
	c.fl.Unlock()
}

// Sweep removes path (a file or a directory tree) when its owner is gone:
// its lock file can be locked, so no live process holds it, or it has no
// lock file and is older than LegacyAge. It reports whether it removed it.
func Sweep(path string) bool {
	fl := flock.New(path + Suffix)
	if _, err := os.Stat(fl.Path()); errors.Is(err, fs.ErrNotExist) {
		fi, err := os.Lstat(path)
		if err != nil || time.Since(fi.ModTime()) < LegacyAge {
			return false
		}
		return os.RemoveAll(path) == nil
	}
	ok, err := fl.TryLock()
	if err != nil || !ok {
		return false
	}
	defer fl.Unlock()
	if err := os.RemoveAll(path); err != nil {
		return false
	}
	os.Remove(fl.Path())
	return true
}
