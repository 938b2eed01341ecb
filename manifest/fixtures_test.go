package manifest

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/testfixtures"

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
	return testfixtures.Read(t, filepath.Join(fixtures, "packages", rel)).Files
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
