// Package testfixtures reads package archives in tests: the Zarf CLI's
// fixtures under testdata/fixtures and what the code under test wrote. It
// is independent of the layout package on purpose, so tests of layout and
// of the commands check archives with code that is not itself under test.
package testfixtures

import (
	"archive/tar"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// Archive is a whole package archive read into memory (fixtures and test
// outputs are small).
type Archive struct {
	Headers []*tar.Header     // every member, in archive order
	Files   map[string][]byte // the regular files by name
}

// Read reads a .tar or .tar.zst archive.
func Read(t testing.TB, path string) Archive {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".zst") {
		zr, err := zstd.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		r = zr
	}
	a := Archive{Files: map[string][]byte{}}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return a
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		a.Headers = append(a.Headers, h)
		if h.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("%s: %s: %v", path, h.Name, err)
		}
		a.Files[h.Name] = b
	}
}
