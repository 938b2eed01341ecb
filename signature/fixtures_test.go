package signature

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/testfixtures"
)

// Test inputs under testdata/ (see testdata/README.md):
//   - signed-*: zarf.yaml, zarf.bundle.sig and checksums.txt of the package
//     that `zarf package sign` (v0.84.0) signed with the key whose public
//     half is cosign.pub;
//   - unsigned-zarf.yaml: the same package before it was signed;
//   - zarf-test-cosign.{key,pub}: the encrypted cosign key pair (password
//     "test") from Zarf's own test data, made by cosign generate-key-pair.
const zarfTestKeyPassword = "test"

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signedFixture is the package Zarf signed.
func signedFixture(t testing.TB) Package {
	return Package{ZarfYAML: readTestdata(t, "signed-zarf.yaml"), Bundle: readTestdata(t, "signed-zarf.bundle.sig")}
}

func fixtureKey(t testing.TB) *PublicKey {
	return loadPub(t, "cosign.pub")
}

func loadPub(t testing.TB, name string) *PublicKey {
	t.Helper()
	k, err := LoadPublicKey(readTestdata(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// loadZarfTestKey decrypts the key once: scrypt takes about a second.
var loadZarfTestKey = sync.OnceValues(func() (*PrivateKey, error) {
	b, err := os.ReadFile(filepath.Join("testdata", "zarf-test-cosign.key"))
	if err != nil {
		return nil, err
	}
	return LoadPrivateKey(b, []byte(zarfTestKeyPassword))
})

func zarfTestKey(t testing.TB) *PrivateKey {
	t.Helper()
	k, err := loadZarfTestKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestTestdataMatchesArchives proves the files under testdata are the ones
// inside Zarf's package archives in testdata/fixtures.
func TestTestdataMatchesArchives(t *testing.T) {
	signed := testfixtures.Read(t, "../testdata/fixtures/packages/signed/zarf-package-flavored-amd64-0.2.0-upstream.tar")
	unsigned := testfixtures.Read(t, "../testdata/fixtures/packages/zarf-package-flavored-amd64-0.2.0-upstream.tar")
	cases := []struct {
		archive testfixtures.Archive
		member  string
		file    string
	}{
		{signed, "zarf.yaml", "signed-zarf.yaml"},
		{signed, BundleFile, "signed-zarf.bundle.sig"},
		{signed, "checksums.txt", "signed-checksums.txt"},
		{unsigned, "zarf.yaml", "unsigned-zarf.yaml"},
		{unsigned, "checksums.txt", "signed-checksums.txt"}, // signing changed no checksum
	}
	for _, c := range cases {
		if got, want := string(readTestdata(t, c.file)), string(c.archive.Files[c.member]); got != want {
			t.Errorf("testdata/%s differs from the archive's %s", c.file, c.member)
		}
	}
	if _, ok := unsigned.Files[BundleFile]; ok {
		t.Errorf("the unsigned fixture has a %s", BundleFile)
	}
	pub, err := os.ReadFile("../testdata/fixtures/packages/signed/cosign.pub")
	if err != nil {
		t.Fatal(err)
	}
	if string(pub) != string(readTestdata(t, "cosign.pub")) {
		t.Error("testdata/cosign.pub differs from the fixture's")
	}
}
