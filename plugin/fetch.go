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
	blobs := newBlobStates(layers)
	var fetched atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	downloads, dctx := errgroup.WithContext(gctx)
	downloads.SetLimit(req.concurrency)
	g.Go(func() error {
		started := map[string]bool{}
		for _, l := range layers {
			// One download per digest: files with the same bytes share a
			// blob, and two downloads into one entry would race.
			if started[l.Digest] {
				continue
			}
			started[l.Digest] = true
			downloads.Go(func() error {
				n, cached, err := fetchLayer(dctx, c, rp, st, l, req.tracker)
				if err != nil {
					return fmt.Errorf("pulling layer %s: %w", l.Title, err)
				}
				fetched.Add(n)
				blobs.done(l.Digest, cached)
				return nil
			})
		}
		return downloads.Wait()
	})
	g.Go(func() error {
		return layout.Write(gctx, dst, format, writeEntries(gctx, layers, st, blobs))
	})
	if err := g.Wait(); err != nil {
		return 0, err
	}
	return fetched.Load(), nil
}

func fetchLayer(ctx context.Context, c *registry.Client, rp *remotePackage, st *blobStore, l manifest.Layer, tr progress.Tracker) (int64, bool, error) {
	if b, ok := rp.alreadyRead(l.Digest); ok {
		return st.put(l, b, tr)
	}
	return st.fetch(ctx, c, rp.repo, l, tr)
}

// blobStates tells the writer when each blob is ready, whether it came
// from the cache, and how many files share it. The map is built before any
// download starts and only read afterwards; each blob's state is written
// by its one download and published to the writer by closing ready.
type blobStates map[string]*blobState

type blobState struct {
	ready  chan struct{}
	cached bool
	users  int
}

func newBlobStates(layers []manifest.Layer) blobStates {
	b := blobStates{}
	for _, l := range layers {
		st := b[l.Digest]
		if st == nil {
			st = &blobState{ready: make(chan struct{})}
			b[l.Digest] = st
		}
		st.users++
	}
	return b
}

func (b blobStates) done(digest string, cached bool) {
	st := b[digest]
	st.cached = cached
	close(st.ready)
}

func (b blobStates) wait(ctx context.Context, digest string) error {
	select {
	case <-b[digest].ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// writeEntries hands the writer files whose Open waits for their download.
// A blob from the cache is verified again as it is read. With --no-cache a
// blob that only one file uses is moved into a directory output instead of
// copied: it is this pull's own and was verified as it arrived.
func writeEntries(ctx context.Context, layers []manifest.Layer, st *blobStore, blobs blobStates) []layout.Entry {
	entries := make([]layout.Entry, 0, len(layers))
	for _, l := range layers {
		e := layout.Entry{
			Path: l.Title,
			Size: l.Size,
			Open: func() (io.ReadCloser, error) {
				if err := blobs.wait(ctx, l.Digest); err != nil {
					return nil, err
				}
				f, err := os.Open(st.path(l.Digest))
				if err != nil || !blobs[l.Digest].cached {
					return f, err
				}
				return layout.Verify(f, layout.File{Path: l.Title, Size: l.Size, Digest: l.Digest}), nil
			},
		}
		if st.scratch && blobs[l.Digest].users == 1 {
			e.Move = func() (string, error) {
				if err := blobs.wait(ctx, l.Digest); err != nil {
					return "", err
				}
				return st.path(l.Digest), nil
			}
		}
		entries = append(entries, e)
	}
	return entries
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
