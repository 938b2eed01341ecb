package plugin

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync/atomic"

	"github.com/google/go-containerregistry/pkg/name"
	"golang.org/x/sync/errgroup"

	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/manifest"
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
	fetched, err := fetchAndWrite(ctx, c, rp, st, layers, dst, format, req)
	if err != nil {
		return pullResult{}, err
	}
	res := pullResult{path: dst, fetchedBytes: fetched, fetchedLayers: len(layers), packageLayers: len(rp.layers)}
	for _, l := range rp.layers {
		res.packageBytes += l.Size
	}
	return res, nil
}

// fetchAndWrite runs the downloads and the writer side by side.
func fetchAndWrite(ctx context.Context, c *registry.Client, rp *remotePackage, st *blobStore, layers []manifest.Layer,
	dst string, format layout.Format, req pullRequest) (int64, error) {
	sort.Slice(layers, func(i, j int) bool { return layers[i].Title < layers[j].Title })
	// One download per digest: files with the same bytes share a blob, and
	// two downloads into one cache entry would race on its partial file.
	ready := make(map[string]chan struct{}, len(layers))
	for _, l := range layers {
		ready[l.Digest] = make(chan struct{})
	}
	var fetched atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	downloads, dctx := errgroup.WithContext(gctx)
	downloads.SetLimit(req.concurrency)
	g.Go(func() error {
		started := map[string]bool{}
		for _, l := range layers {
			if started[l.Digest] {
				continue
			}
			started[l.Digest] = true
			downloads.Go(func() error {
				var n int64
				var err error
				if b, ok := rp.alreadyRead(l.Digest); ok {
					n, err = st.put(l, b, req.tracker)
				} else {
					n, err = st.fetch(dctx, c, rp.repo, l, req.tracker)
				}
				if err != nil {
					return fmt.Errorf("pulling layer %s: %w", l.Title, err)
				}
				fetched.Add(n)
				close(ready[l.Digest])
				return nil
			})
		}
		return downloads.Wait()
	})
	g.Go(func() error {
		return layout.Write(gctx, dst, format, writeEntries(gctx, layers, st, ready))
	})
	if err := g.Wait(); err != nil {
		return 0, err
	}
	return fetched.Load(), nil
}

// writeEntries hands the writer files whose Open waits for their download.
func writeEntries(ctx context.Context, layers []manifest.Layer, st *blobStore, ready map[string]chan struct{}) []layout.Entry {
	entries := make([]layout.Entry, 0, len(layers))
	for _, l := range layers {
		entries = append(entries, layout.Entry{
			Path: l.Title,
			Size: l.Size,
			Open: func() (io.ReadCloser, error) {
				select {
				case <-ready[l.Digest]:
				case <-ctx.Done():
					return nil, ctx.Err()
				}
				return os.Open(st.path(l.Digest))
			},
		})
	}
	return entries
}

// checkOutDir fails early, before any download, when the output directory
// cannot take the package.
func checkOutDir(dir string) error {
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
