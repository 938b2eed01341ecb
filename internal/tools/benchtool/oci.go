package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/manifest"
)

// writeOCILayout fills in p.Files, p.Bytes, p.Config and p.OCI from the
// unpacked package: an OCI image layout holding the very manifest docker-zarf
// publishes, its blobs hard links to the unpacked files, so that crane pushes
// the same bytes without re-hashing or copying anything.
func writeOCILayout(ctx context.Context, p *benchPkg, root string) error {
	pkg, err := layout.Open(ctx, p.Dir)
	if err != nil {
		return err
	}
	defer pkg.Close()
	var layers []manifest.Layer
	for _, f := range pkg.Files {
		layers = append(layers, manifest.Layer{Title: f.Path, Digest: f.Digest, Size: f.Size})
		p.Files = append(p.Files, f.Path)
		p.Bytes += f.Size
	}
	p.Blobs = len(p.Files)
	built, err := manifest.Build(pkg.Definition, layers)
	if err != nil {
		return err
	}
	p.Config = filepath.Join(root, "config.json")
	if err := os.WriteFile(p.Config, built.Config, 0o644); err != nil {
		return err
	}
	p.OCI = filepath.Join(root, "oci")
	blobs := filepath.Join(p.OCI, "blobs", "sha256")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		return err
	}
	for _, f := range pkg.Files {
		if err := linkBlob(filepath.Join(p.Dir, filepath.FromSlash(f.Path)), blobs, f.Digest); err != nil {
			return err
		}
	}
	for _, b := range []struct {
		digest string
		data   []byte
	}{{built.ConfigDescriptor.Digest.String(), built.Config}, {built.Descriptor.Digest.String(), built.Manifest}} {
		if err := os.WriteFile(blobPath(blobs, b.digest), b.data, 0o644); err != nil {
			return err
		}
	}
	index, err := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.index.v1+json",
		"manifests":     []any{built.Descriptor},
	})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(p.OCI, "index.json"), index, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(p.OCI, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
}

// linkBlob makes blobs/<hex> a hard link to src (a symlink across devices).
func linkBlob(src, blobs, digest string) error {
	dst := blobPath(blobs, digest)
	if _, err := os.Lstat(dst); err == nil {
		return nil // the same content under two titles
	}
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	abs, err := filepath.Abs(src)
	if err != nil {
		return err
	}
	if err := os.Symlink(abs, dst); err != nil {
		return fmt.Errorf("linking %s: %w", src, err)
	}
	return nil
}

func blobPath(blobs, digest string) string {
	return filepath.Join(blobs, strings.TrimPrefix(digest, "sha256:"))
}
