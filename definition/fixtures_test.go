package definition

import (
	"archive/tar"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// fixtures is what the real Zarf CLI made.
const fixtures = "../testdata/fixtures"

// fixtureYAML returns the zarf.yaml inside a fixture package (.tar or
// .tar.zst under testdata/fixtures/packages), or a plain file elsewhere
// under testdata/fixtures.
func fixtureYAML(t testing.TB, rel string) []byte {
	t.Helper()
	path := filepath.Join(fixtures, rel)
	if !strings.Contains(rel, ".tar") {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(rel, ".zst") {
		zr, err := zstd.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		r = zr
	}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			t.Fatalf("%s has no zarf.yaml", rel)
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == "zarf.yaml" {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
}
