package plugin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

// TestPullVerifiesCachedBlobs: blobs are not fsynced one by one, so a cache
// entry can rot (power loss, disk, a hand edit). A cached blob whose bytes
// no longer match its name fails the pull, naming the file, and leaves no
// output; removing the bad entry lets the next pull fetch it again.
func TestPullVerifiesCachedBlobs(t *testing.T) {
	reg := testregistry.Start(t)
	s := pushZarfState(t, reg, "zarf")
	cfg, cache := emptyConfig(t), t.TempDir()
	mustSucceed(t, runCLI(t, cfg, "pull", s.demo(), "-a", "amd64", "-o", t.TempDir(), "--cache", cache, "-q"))

	const title = "components/config-files.tar"
	blob := filepath.Join(cache, "blobs", "sha256", "4f52398522cda747d166008119d6f2b2f339507eae8171d7f931813699a27fc7")
	b, err := os.ReadFile(blob)
	if err != nil {
		t.Fatalf("%s is not in the cache: %v", title, err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(blob, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	mustFail(t, runCLI(t, cfg, "pull", s.demo(), "-a", "amd64", "-o", out, "--cache", cache), title)
	if names := dirNames(t, out); len(names) != 0 {
		t.Fatalf("a failed pull left %v", names)
	}

	if err := os.Remove(blob); err != nil {
		t.Fatal(err)
	}
	r := mustSucceed(t, runCLI(t, cfg, "pull", s.demo(), "-a", "amd64", "-o", out, "--cache", cache))
	checkArchive(t, strings.TrimSpace(r.stdout), demoAmd64)
}
