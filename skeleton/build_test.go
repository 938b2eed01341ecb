package skeleton

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/docker-zarf/docker-zarf/manifest"
)

const fixtures = "../testdata/fixtures"

// demoOptions rebuild the demo skeleton as the fixture was made: by a Zarf
// built from source (build.version "unset-development-only") on amd64, at
// the timestamp its config records.
func demoOptions(t *testing.T) Options {
	at, err := time.Parse(time.RFC1123Z, "Fri, 27 Nov 2026 02:03:45 +0000")
	if err != nil {
		t.Fatal(err)
	}
	return Options{
		HostArch: "amd64",
		Now:      func() time.Time { return at },
		Version:  "unset-development-only",
		TempDir:  t.TempDir(),
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// TestBuildDemoIsZarfsSkeleton builds the demo source and publishes it as
// manifest.Build would: every layer, the config and the manifest are the
// bytes Zarf pushed for the same source (fixtures/registry/demo/*-skeleton).
func TestBuildDemoIsZarfsSkeleton(t *testing.T) {
	src := filepath.Join(fixtures, "sources/demo")
	dir, err := Build(context.Background(), src, demoOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)

	wantManifest, err := os.ReadFile(filepath.Join(fixtures, "registry/demo/manifest-skeleton.json"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := manifest.ParseManifest(wantManifest)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range manifest.LayersOf(want) {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(l.Title)))
		if err != nil {
			t.Errorf("layer %s: %v", l.Title, err)
			continue
		}
		if got := sha(b); got != l.Digest || int64(len(b)) != l.Size {
			t.Errorf("%s: %s (%d B), Zarf pushed %s (%d B)", l.Title, got, len(b), l.Digest, l.Size)
			if l.Title == "zarf.yaml" || l.Title == "checksums.txt" {
				t.Logf("%s:\n%s", l.Title, b)
			}
		}
	}

	pkg, remove, err := Open(context.Background(), src, demoOptions(t))
	if err != nil {
		t.Fatalf("the skeleton does not open as a package: %v", err)
	}
	defer remove()
	defer pkg.Close()
	if len(pkg.Files) != len(want.Layers) {
		t.Errorf("%d files, Zarf pushed %d layers", len(pkg.Files), len(want.Layers))
	}
	var layers []manifest.Layer
	for _, f := range pkg.Files {
		layers = append(layers, manifest.Layer{Title: f.Path, Digest: f.Digest, Size: f.Size})
	}
	built, err := manifest.Build(pkg.Definition, layers)
	if err != nil {
		t.Fatal(err)
	}
	wantConfig, err := os.ReadFile(filepath.Join(fixtures, "registry/demo/config-skeleton.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(built.Config, wantConfig) {
		t.Errorf("config:\n got %s\nwant %s", built.Config, wantConfig)
	}
	if !bytes.Equal(built.Manifest, wantManifest) {
		t.Errorf("manifest:\n got %s\nwant %s", built.Manifest, wantManifest)
	}
	if built.Descriptor.Platform.Architecture != Arch {
		t.Errorf("platform %+v", built.Descriptor.Platform)
	}
}

// TestOpenRemoveLeavesNothing: after Close and remove, the temp dir is as
// it was; Build's staging directories are gone as soon as it returns.
func TestOpenRemoveLeavesNothing(t *testing.T) {
	opts := demoOptions(t)
	pkg, remove, err := Open(context.Background(), filepath.Join(fixtures, "sources/demo"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(opts.TempDir); len(left) != 1 {
		t.Errorf("%d entries in the temp dir while open, want the skeleton only", len(left))
	}
	if err := errors.Join(pkg.Close(), remove()); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(opts.TempDir); len(left) != 0 {
		t.Errorf("%d entries left in the temp dir", len(left))
	}
}
