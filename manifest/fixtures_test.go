package manifest

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/docker-zarf/docker-zarf/definition"
)

// fixtures is what the real Zarf CLI made: packages and what it pushed.
const fixtures = "../testdata/fixtures"

// pkgFiles is a fixture package read into memory: path -> content. The
// fixtures are under a megabyte, so tests may hold them whole.
type pkgFiles map[string][]byte

// readPackage extracts a fixture package (.tar or .tar.zst) from
// testdata/fixtures/packages.
func readPackage(t testing.TB, rel string) pkgFiles {
	t.Helper()
	f, err := os.Open(filepath.Join(fixtures, "packages", rel))
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
	files := pkgFiles{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name] = b
	}
}

// layers hashes every file, as layout would hand them to Build.
func (p pkgFiles) layers() []Layer {
	out := make([]Layer, 0, len(p))
	for name, b := range p {
		out = append(out, Layer{Title: name, Digest: digestOf(b), Size: int64(len(b))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Title < out[j].Title })
	return out
}

func (p pkgFiles) definition(t testing.TB) *definition.Package {
	t.Helper()
	def, err := definition.Parse(p["zarf.yaml"])
	if err != nil {
		t.Fatal(err)
	}
	return def
}

// byDigest serves the package's image blobs as ImageBlobs's callback would.
func (p pkgFiles) blob(digest string) ([]byte, error) {
	hexPart, ok := strings.CutPrefix(digest, "sha256:")
	if !ok {
		return nil, os.ErrNotExist
	}
	b, ok := p["images/blobs/sha256/"+hexPart]
	if !ok {
		return nil, os.ErrNotExist
	}
	return b, nil
}

// registryFile reads what Zarf pushed, e.g. "demo/manifest-amd64.json".
func registryFile(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, "registry", rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
