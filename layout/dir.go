package layout

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// openDir opens an unpacked package. The directory stays open as an
// os.Root, so that no later read can follow a symlink out of it.
func openDir(ctx context.Context, path string) (_ *Package, err error) {
	root, err := os.OpenRoot(path)
	if err != nil {
		return nil, fmt.Errorf("opening package: %w", err)
	}
	p := &Package{Source: path, Form: FormDir, root: root}
	defer func() {
		if err != nil {
			p.Close()
		}
	}()
	if isSkeleton(root) {
		return nil, fmt.Errorf("%s is a skeleton package source (zarf.yaml without checksums.txt); %w", path, ErrSkeleton)
	}
	res, err := scanDir(ctx, path, root)
	if err != nil {
		return nil, err
	}
	if err := p.finish(res); err != nil {
		return nil, err
	}
	return p, nil
}

func isSkeleton(root *os.Root) bool {
	_, yamlErr := root.Lstat(zarfYAML)
	_, sumsErr := root.Lstat(checksumsTxt)
	return yamlErr == nil && errors.Is(sumsErr, fs.ErrNotExist)
}

// scanDir lists the regular files under root in walk order (the order an
// archive of it has) and keeps the small files validation needs.
func scanDir(ctx context.Context, src string, root *os.Root) (*scanResult, error) {
	res := &scanResult{kept: make(map[string][]byte)}
	err := fs.WalkDir(root.FS(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if name == "." {
			return nil
		}
		if err := checkPath(name); err != nil {
			return &FormatError{Path: src, Entry: name, Err: fmt.Errorf("unsafe name %s: %w", quoteName(name), err)}
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			return formatErr(src, name, "%s is a %s; a Zarf package holds only regular files and directories", quoteName(name), modeName(d.Type()))
		}
		return addDirFile(src, res, root, name, d)
	})
	var fe *FormatError
	if err != nil && !errors.As(err, &fe) && ctx.Err() == nil {
		err = fmt.Errorf("reading package %s: %w", src, err)
	}
	return res, err
}

func addDirFile(src string, res *scanResult, root *os.Root, name string, d fs.DirEntry) error {
	info, err := d.Info()
	if err != nil {
		return err
	}
	res.entries = append(res.entries, entry{file: File{Path: name, Size: info.Size()}})
	if !isUnlisted(name) {
		return nil
	}
	f, err := root.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := readKept(name, f, info.Size())
	if err != nil {
		return &FormatError{Path: src, Entry: name, Err: err}
	}
	// A kept file that grew since it was listed would be read short here.
	if n, _ := f.Read(make([]byte, 1)); n != 0 {
		return formatErr(src, name, "%s changed while it was read", name)
	}
	res.kept[name] = data
	return nil
}

func modeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	case m&fs.ModeDevice != 0:
		return "device"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	}
	return fmt.Sprintf("special file (%v)", m)
}
