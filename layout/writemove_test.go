package layout_test

import (
	"bytes"
	"context"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/layout"
)

// TestWriteDirMoves: entries offering a file to move are renamed into the
// tree (the source is gone afterwards, nothing is copied through Open), and
// the result is the same package.
func TestWriteDirMoves(t *testing.T) {
	_, files := readPackage(t, filepath.Join(fixtures, "zarf-package-demo-amd64-1.0.0.tar.zst"))
	staging := t.TempDir()
	entries := entriesOf(files)
	for i := range entries {
		src := filepath.Join(staging, strings.ReplaceAll(entries[i].Path, "/", "_"))
		if err := os.WriteFile(src, files[entries[i].Path], 0o644); err != nil {
			t.Fatal(err)
		}
		entries[i].Move = func() (string, error) { return src, nil }
		entries[i].Open = func() (io.ReadCloser, error) {
			t.Errorf("Open called for %s, which could be moved", src)
			return nil, os.ErrInvalid
		}
	}
	dst := filepath.Join(t.TempDir(), "pkg")
	if err := layout.Write(context.Background(), dst, layout.FormatDir, entries); err != nil {
		t.Fatal(err)
	}
	if _, got := readPackage(t, dst); !maps.EqualFunc(got, files, bytes.Equal) {
		t.Error("moved package differs from the source")
	}
	if left, _ := os.ReadDir(staging); len(left) != 0 {
		t.Errorf("%d files left in staging after the move", len(left))
	}
}

// TestWriteDirMoveWrongSize: a file to move whose size is not the entry's
// fails the write and leaves nothing at dst.
func TestWriteDirMoveWrongSize(t *testing.T) {
	src := filepath.Join(t.TempDir(), "blob")
	if err := os.WriteFile(src, []byte("four"), 0o644); err != nil {
		t.Fatal(err)
	}
	e := layout.Entry{Path: "components/a.tar", Size: 5,
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader([]byte("fives"))), nil },
		Move: func() (string, error) { return src, nil }}
	dst := filepath.Join(t.TempDir(), "pkg")
	if err := layout.Write(context.Background(), dst, layout.FormatDir, []layout.Entry{e}); err == nil {
		t.Fatal("Write moved a file of the wrong size")
	}
	checkEmpty(t, filepath.Dir(dst))
}
