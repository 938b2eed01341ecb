package layout_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/layout/layouttest"
)

// TestChangedAfterOpen replaces a package's bytes in place after Open:
// streaming must then fail with a checksum or format error, never pass the
// new bytes off as verified.
func TestChangedAfterOpen(t *testing.T) {
	for _, tc := range forms {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			spec := tc.spec
			spec.Files = smallFiles()
			path := layouttest.Build(t, filepath.Join(dir), spec)
			p, err := layout.Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			spec.Files["components/app.tar"] = layouttest.Random(300<<10, 99) // same size, other bytes
			other := layouttest.Build(t, t.TempDir(), spec)
			overwrite(t, other, path)
			err = p.Walk(context.Background(), func(f layout.File, r io.Reader) error {
				_, err := io.Copy(io.Discard, r)
				return err
			})
			var ce *layout.ChecksumError
			var fe *layout.FormatError
			if !errors.As(err, &ce) && !errors.As(err, &fe) {
				t.Fatalf("Walk after change = %T %v", err, err)
			}
			t.Log(err)
		})
	}
}

// overwrite copies the package at src over dst in place (same inodes), as
// an editor or a second `zarf package create` would.
func overwrite(t *testing.T, src, dst string) {
	t.Helper()
	fi, err := os.Stat(src)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.IsDir() && !strings.HasSuffix(src, ".part000") {
		copyInPlace(t, src, dst)
		return
	}
	if fi.IsDir() {
		copyInPlace(t, filepath.Join(src, "components/app.tar"), filepath.Join(dst, "components/app.tar"))
		return
	}
	base, dbase := strings.TrimSuffix(src, ".part000"), strings.TrimSuffix(dst, ".part000")
	for _, part := range []string{".part001", ".part002", ".part003"} {
		copyInPlace(t, base+part, dbase+part)
	}
}

func copyInPlace(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDirFileResized checks that a file whose size changed after Open is
// refused when opened.
func TestDirFileResized(t *testing.T) {
	path := layouttest.Build(t, t.TempDir(), layouttest.Spec{Form: layouttest.FormDir, Files: smallFiles()})
	p, err := layout.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := os.WriteFile(filepath.Join(path, "values.yaml"), []byte("longer: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	i := slicesIndex(p.Files, "values.yaml")
	if _, err := p.Open(p.Files[i]); err == nil || !strings.Contains(err.Error(), "values.yaml changed since the package was opened") {
		t.Errorf("Open(resized) = %v", err)
	}
}

func slicesIndex(files []layout.File, path string) int {
	for i, f := range files {
		if f.Path == path {
			return i
		}
	}
	return -1
}

// TestNoLeakedFiles opens, streams and closes every form and every broken
// package and checks that no file descriptor stays open.
func TestNoLeakedFiles(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts /proc/self/fd")
	}
	var paths []string
	for _, tc := range forms {
		spec := tc.spec
		spec.Files = smallFiles()
		paths = append(paths, layouttest.Build(t, t.TempDir(), spec))
	}
	for _, tc := range brokenCases {
		spec := tc.spec
		spec.Files = smallFiles()
		paths = append(paths, layouttest.Build(t, t.TempDir(), spec))
	}
	exercise(t, paths[0]) // let the runtime open whatever it opens lazily
	before := openFDs(t)
	for _, path := range paths {
		exercise(t, path)
	}
	if after := openFDs(t); after != before {
		t.Errorf("%d file descriptors open before, %d after", before, after)
	}
}

// exercise opens a package and, if it is valid, walks it and reads half of
// each file through Open, closing everything.
func exercise(t *testing.T, path string) {
	p, err := layout.Open(context.Background(), path)
	if err != nil {
		return
	}
	defer p.Close()
	p.Walk(context.Background(), func(f layout.File, r io.Reader) error {
		_, err := io.Copy(io.Discard, r)
		return err
	})
	if !p.Seekable() {
		return
	}
	for _, f := range p.Files {
		rc, err := p.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		io.CopyN(io.Discard, rc, f.Size/2)
		rc.Close()
	}
}

func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}
