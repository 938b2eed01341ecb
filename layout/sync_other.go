//go:build !linux

package layout

import "os"

// syncTree makes every written file durable, one fsync each: there is no
// portable way to flush a whole file system.
func syncTree(root *os.Root, entries []Entry) error {
	for _, e := range entries {
		f, err := root.OpenFile(e.Path, os.O_RDWR, 0)
		if err != nil {
			return err
		}
		err = f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}
