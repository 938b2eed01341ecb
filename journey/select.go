package journey

import (
	"context"
	"fmt"
	"strings"

	"github.com/docker-zarf/docker-zarf/definition"
	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/manifest"
	"github.com/docker-zarf/docker-zarf/registry"
)

// selectLayers returns every layer, or for --components only the always
// needed layers, the chosen components' tars and the image blobs they use.
func selectLayers(ctx context.Context, c *registry.Client, rp *remotePackage, def *definition.Package, comps []string) ([]manifest.Layer, error) {
	if len(comps) == 0 {
		return rp.layers, nil
	}
	names, err := manifest.SelectComponents(def, comps)
	if err != nil {
		return nil, err
	}
	titles, refs := manifest.ComponentTitles(def, names)
	want := map[string]bool{}
	for _, t := range titles {
		want[t] = true
	}
	if len(refs) > 0 {
		blobs, err := imageTitles(ctx, c, rp, refs)
		if err != nil {
			return nil, err
		}
		for _, t := range blobs {
			want[t] = true
		}
		want["images/index.json"], want["images/oci-layout"] = true, true
	}
	var out []manifest.Layer
	for _, l := range rp.layers {
		if want[l.Title] || manifest.AlwaysNeeded(l.Title) {
			out = append(out, l)
		}
	}
	return out, nil
}

func imageTitles(ctx context.Context, c *registry.Client, rp *remotePackage, refs []string) ([]string, error) {
	idx, err := rp.readLayer(ctx, c, "images/index.json")
	if err != nil {
		return nil, err
	}
	read := func(ctx context.Context, digest string) ([]byte, error) {
		title := "images/blobs/sha256/" + strings.TrimPrefix(digest, "sha256:")
		return rp.readLayer(ctx, c, title)
	}
	return manifest.ImageBlobs(ctx, idx, refs, read)
}

// verifyPlan checks, before any big download, that checksums.txt matches
// the aggregate checksum in zarf.yaml and that every layer's digest matches
// its line. Each download is then checked against its layer digest, so a
// file that arrives intact matches checksums.txt without hashing it twice.
func verifyPlan(ctx context.Context, c *registry.Client, rp *remotePackage, def *definition.Package, partial bool) error {
	sums, err := rp.readLayer(ctx, c, "checksums.txt")
	if err != nil {
		return err
	}
	if err := layout.VerifyAggregate(def, sums); err != nil {
		return err
	}
	lines, err := layout.ParseChecksums(sums)
	if err != nil {
		return fmt.Errorf("checksums.txt: %w", err)
	}
	present := map[string]manifest.Layer{}
	for _, l := range rp.layers {
		present[l.Title] = l
	}
	for path, hex := range lines {
		l, ok := present[path]
		switch {
		case !ok && !partial:
			return fmt.Errorf("checksums.txt lists %s but the package in the registry has no such layer", path)
		case ok && l.Digest != "sha256:"+hex:
			return &layout.ChecksumError{Path: path, Want: "sha256:" + hex, Got: l.Digest}
		}
	}
	for _, l := range rp.layers {
		if _, ok := lines[l.Title]; !ok && !unlisted(l.Title) {
			return fmt.Errorf("layer %s is not listed in checksums.txt", l.Title)
		}
	}
	return nil
}

// unlisted are the files checksums.txt never covers.
func unlisted(title string) bool {
	switch title {
	case "zarf.yaml", "checksums.txt", "zarf.yaml.sig", "zarf.bundle.sig":
		return true
	}
	return false
}
