package layout

import (
	"context"
	"os"
	"path"
	"path/filepath"
)

// writeDir writes entries as files under a temporary directory beside dst,
// then renames it to dst.
func writeDir(ctx context.Context, dst string, entries []Entry) (err error) {
	tmp, err := tempName(dst)
	if err != nil {
		return err
	}
	if err := os.Mkdir(tmp, 0o777); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	root, err := os.OpenRoot(tmp)
	if err != nil {
		return err
	}
	defer root.Close()
	buf := make([]byte, bufSize)
	for _, e := range entries {
		if err := writeDirFile(ctx, root, e, buf); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	syncDir(filepath.Dir(dst))
	return nil
}

// writeDirFile writes one file and syncs it: the rename of the directory
// must not publish files whose data is not on disk yet.
func writeDirFile(ctx context.Context, root *os.Root, e Entry, buf []byte) error {
	if dir := path.Dir(e.Path); dir != "." {
		if err := root.MkdirAll(dir, 0o777); err != nil {
			return err
		}
	}
	f, err := root.OpenFile(e.Path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := copyEntry(ctx, f, e, buf); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return f.Close()
}
