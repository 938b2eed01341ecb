package layout

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
)

// writeDir writes entries as files under a temporary directory beside dst,
// makes them durable, then renames the directory to dst.
func writeDir(ctx context.Context, dst string, entries []Entry) (err error) {
	tmp, cl, err := claimTemp(dst)
	if err != nil {
		return err
	}
	defer cl.Release()
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
		if err := writeDirFile(ctx, root, tmp, e, buf); err != nil {
			return err
		}
	}
	// The rename must not publish files whose data is not on disk yet.
	if err := syncTree(root, entries); err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	syncDir(filepath.Dir(dst))
	return nil
}

// writeDirFile puts one file in place: moved when the entry offers a file
// to move, copied otherwise.
func writeDirFile(ctx context.Context, root *os.Root, rootPath string, e Entry, buf []byte) error {
	if dir := path.Dir(e.Path); dir != "." {
		if err := root.MkdirAll(dir, 0o777); err != nil {
			return err
		}
	}
	if e.Move != nil {
		moved, err := moveInto(ctx, rootPath, e)
		if err != nil || moved {
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
	return f.Close()
}

// moveInto renames the entry's file into the tree. It reports false, with
// no error, when the rename is impossible and the caller should copy.
func moveInto(ctx context.Context, rootPath string, e Entry) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	src, err := e.Move()
	if err != nil {
		return false, fmt.Errorf("opening %s: %w", e.Path, err)
	}
	fi, err := os.Lstat(src)
	if err != nil {
		return false, fmt.Errorf("opening %s: %w", e.Path, err)
	}
	if !fi.Mode().IsRegular() || fi.Size() != e.Size {
		return false, fmt.Errorf("%s: the file to move is not a regular file of %d bytes", e.Path, e.Size)
	}
	// checkPath (planEntries) already refused any path that could leave
	// the tree, and root.MkdirAll created its parents inside it.
	// A failed rename (another file system, a locked file on Windows)
	// leaves src where it was, so copying it through Open still works.
	return os.Rename(src, filepath.Join(rootPath, filepath.FromSlash(e.Path))) == nil, nil
}
