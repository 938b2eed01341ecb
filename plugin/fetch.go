package plugin

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/progress"
	"github.com/docker-zarf/docker-zarf/registry"
)

type pullRequest struct {
	arch        string
	outDir      string
	format      layout.Format
	components  []string
	cacheDir    string
	noCache     bool
	concurrency int
	tracker     progress.Tracker
}

type pullResult struct {
	path                         string
	fetchedBytes, packageBytes   int64
	fetchedLayers, packageLayers int
}

// pullPackage resolves ref, checks the package's checksums against its
// manifest, then downloads the chosen layers and writes the package in one
// pipeline: the writer takes each file, in archive order, as soon as its
// download completes.
func pullPackage(ctx context.Context, c *registry.Client, ref name.Reference, req pullRequest) (pullResult, error) {
	rp, err := resolvePackage(ctx, c, ref, req.arch)
	if err != nil {
		return pullResult{}, err
	}
	def, _, err := rp.definition(ctx, c)
	if err != nil {
		return pullResult{}, err
	}
	if err := checkOutDir(req.outDir); err != nil {
		return pullResult{}, err
	}
	st, cleanup, err := openStore(req)
	if err != nil {
		return pullResult{}, err
	}
	defer cleanup()
	layers, err := selectLayers(ctx, c, rp, def, req.components, st)
	if err != nil {
		return pullResult{}, err
	}
	if err := verifyPlan(ctx, c, rp, def, len(req.components) > 0); err != nil {
		return pullResult{}, err
	}
	format := req.format
	if format == layout.FormatTarZst && def.Metadata.Uncompressed {
		format = layout.FormatTar
	}
	dst := filepath.Join(req.outDir, layout.FileName(def, format))
	pp := newPipeline(c, rp, st, layers, format, req.tracker)
	fetched, err := pp.run(ctx, dst, req.concurrency)
	if err != nil {
		return pullResult{}, err
	}
	res := pullResult{path: dst, fetchedBytes: fetched, fetchedLayers: len(layers), packageLayers: len(rp.layers)}
	for _, l := range rp.layers {
		res.packageBytes += l.Size
	}
	return res, nil
}

// checkOutDir fails early, before any download, when the output directory
// cannot take the package. A missing directory is created, as zarf does.
func checkOutDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("output directory %s: %w", dir, err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("output directory %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("output directory %s is not a directory", dir)
	}
	probe, err := os.CreateTemp(dir, ".docker-zarf-probe-*")
	if err != nil {
		return fmt.Errorf("output directory %s is not writable: %w", dir, err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}
