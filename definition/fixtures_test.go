package definition

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/testfixtures"
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
	b, ok := testfixtures.Read(t, path).Files["zarf.yaml"]
	if !ok {
		t.Fatalf("%s has no zarf.yaml", rel)
	}
	return b
}
