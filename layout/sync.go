package layout

import (
	"os"

	"golang.org/x/sync/errgroup"
)

// syncParallel is how many files are flushed at once. File systems group
// concurrent flushes into one journal commit, so a package of hundreds of
// small image blobs pays for a few disk flushes instead of one per file.
const syncParallel = 16

// syncTree makes every written file durable before the tree is renamed into
// place. It flushes only these files: syncfs(2) would be one call, but it
// also waits for every other dirty page of the file system, which on a busy
// machine can be far more than the package.
func syncTree(root *os.Root, entries []Entry) error {
	var g errgroup.Group
	g.SetLimit(syncParallel)
	for _, e := range entries {
		g.Go(func() error { return syncFile(root, e.Path) })
	}
	return g.Wait()
}

func syncFile(root *os.Root, name string) error {
	// Read-write: Windows flushes only handles open for writing.
	f, err := root.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
