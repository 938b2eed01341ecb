package journey

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/claim"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/layout/layouttest"
	"github.com/docker-zarf/docker-zarf/registry"
)

// publishTestPackage builds a package with files and publishes it to reg
// under ns, returning the reference to pull.
func publishTestPackage(t *testing.T, reg *testregistry.Registry, name string, files map[string]layouttest.Content) string {
	t.Helper()
	src := layouttest.Build(t, t.TempDir(), layouttest.Spec{Name: name, Version: "1.0.0", Arch: "amd64", Files: files})
	ctx := context.Background()
	pkg, err := layout.Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	defer pkg.Close()
	ns, err := ParseRepository("oci://" + reg.Host + "/ns")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Publish(ctx, plainClient(), pkg, ns, PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return "oci://" + res.Reference
}

func plainClient() *registry.Client { return registry.New(registry.Options{PlainHTTP: true}) }

// TestTwoPullsShareACache: two pulls of one package into one cache at once
// both succeed, round after round. The default cache is shared by every
// job of a user; before the per-blob lock, 10 of 20 such pairs failed with
// `rename …partial: no such file or directory`.
func TestTwoPullsShareACache(t *testing.T) {
	reg := testregistry.Start(t)
	files := map[string]layouttest.Content{}
	for i := range 12 {
		files[fmt.Sprintf("components/c%02d.tar", i)] = layouttest.Random(int64(256<<10+i*(97<<10)), uint64(i+1))
	}
	ref, err := ParseReference(publishTestPackage(t, reg, "shared", files))
	if err != nil {
		t.Fatal(err)
	}
	const rounds = 20
	failed := 0
	for round := range rounds {
		cache := t.TempDir()
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = Pull(context.Background(), plainClient(), ref, PullOptions{
					Arch: "amd64", OutDir: t.TempDir(), CacheDir: cache, Format: layout.FormatDir,
				})
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				failed++
				t.Errorf("round %d: %v", round, err)
			}
		}
		assertOnlyBlobsAndLocks(t, cache)
	}
	t.Logf("%d of %d shared-cache pulls failed", failed, 2*rounds)
}

// assertOnlyBlobsAndLocks checks that a cache holds finished blobs and lock
// files only: no partial or temporary file survives a pair of pulls.
func assertOnlyBlobsAndLocks(t *testing.T, cache string) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(cache, "blobs", "sha256"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		n := e.Name()
		if len(n) != 64 && !(len(n) == 64+len(".lock") && strings.HasSuffix(n, ".lock")) {
			t.Errorf("cache holds %s", n)
		}
	}
}

// TestPullSweepsWhatKilledPullsLeft: scratch directories and half-written
// outputs of a pull whose process is gone are removed by the next pull
// into that directory; those of a pull still running (claimed) stay.
func TestPullSweepsWhatKilledPullsLeft(t *testing.T) {
	reg := testregistry.Start(t)
	ref, err := ParseReference(publishTestPackage(t, reg, "sweep", map[string]layouttest.Content{"components/a.tar": layouttest.Random(1<<10, 1)}))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	dead := []string{
		filepath.Join(out, scratchPrefix+"dead"),                         // a --no-cache scratch dir
		filepath.Join(out, ".zarf-package-x-amd64-1.0.0.tar.zst.tmp-0a"), // a half-written archive
	}
	for _, p := range dead {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		// The lock file of a process that died: present, not held.
		if err := os.WriteFile(p+".lock", nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	live := filepath.Join(out, scratchPrefix+"live")
	if err := os.Mkdir(live, 0o755); err != nil {
		t.Fatal(err)
	}
	cl, err := claim.Hold(live)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Release()

	if _, err := Pull(context.Background(), plainClient(), ref, PullOptions{Arch: "amd64", OutDir: out, NoCache: true}); err != nil {
		t.Fatal(err)
	}
	for _, p := range dead {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s survived the sweep", filepath.Base(p))
		}
		if _, err := os.Stat(p + ".lock"); !os.IsNotExist(err) {
			t.Errorf("%s.lock survived the sweep", filepath.Base(p))
		}
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("a running pull's scratch directory was removed: %v", err)
	}
}
