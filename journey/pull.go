package journey

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/manifest"
	"github.com/docker-zarf/docker-zarf/progress"
	"github.com/docker-zarf/docker-zarf/registry"
)

// PullOptions tune Pull. The zero value pulls this machine's architecture,
// every component, as tar.zst into the current directory through the
// user's blob cache.
type PullOptions struct {
	// Arch is the architecture to pull. Default (""): runtime.GOARCH.
	Arch string
	// OutDir receives the package. Default (""): the current directory.
	OutDir string
	// Format of the output. Default (""): layout.FormatTarZst, or tar for a
	// package whose metadata says uncompressed.
	Format layout.Format
	// Components limits the pull to these components and those required.
	// Default (nil): all.
	Components []string
	// CacheDir is the blob cache. Default (""): DefaultCacheDir().
	CacheDir string
	// NoCache downloads into a scratch directory beside the output instead
	// of the cache.
	NoCache bool
	// Concurrency bounds the downloads at a time. Default (0):
	// DefaultConcurrency.
	Concurrency int
	// Progress receives a bar per blob. Default (nil): none.
	Progress progress.Tracker
	// Verify checks the signature before any component is fetched.
	// Default: verify when a key is given, warn otherwise.
	Verify Verify
}

// Pulled is what Pull wrote and fetched.
type Pulled struct {
	Path          string `json:"path"`
	Digest        string `json:"digest"` // the package manifest's
	Size          int64  `json:"size"`   // bytes written at Path
	FetchedBytes  int64  `json:"fetchedBytes"`
	PackageBytes  int64  `json:"packageBytes"`
	FetchedLayers int    `json:"fetchedLayers"`
	PackageLayers int    `json:"packageLayers"`
}

// Pull resolves ref, checks the package's checksums against its manifest,
// then downloads the chosen layers and writes the package in one pipeline:
// the writer takes each file, in archive order, as soon as its download
// completes.
func Pull(ctx context.Context, c *registry.Client, ref name.Reference, o PullOptions) (Pulled, error) {
	if o.OutDir == "" {
		o.OutDir = "."
	}
	rp, err := resolvePackage(ctx, c, ref, o.Arch)
	if err != nil {
		return Pulled{}, err
	}
	pl := &pull{c: c, rp: rp, o: o, conc: concurrency(o.Concurrency),
		meta: append([]string{"zarf.yaml", "checksums.txt"}, o.Verify.files()...)}
	defer pl.close()
	if canStartEarly(o, rp) {
		if err := pl.openOutput(); err != nil {
			return Pulled{}, err
		}
		// Their bars wait for the signature check's say (gatedTracker).
		pl.gate = &gatedTracker{Tracker: tracker(o.Progress)}
		pl.pp = newPipeline(c, rp, pl.st, rp.layers, pl.format(), pl.gate, pl.conc)
		pl.stopEarly = pl.pp.startEarly(ctx, pl.conc-presentLayers(rp, pl.meta), pl.meta)
	}
	if err := rp.prefetch(ctx, c, pl.conc, pl.meta...); err != nil {
		return Pulled{}, err
	}
	def, raw, err := rp.definition(ctx, c)
	if err != nil {
		return Pulled{}, err
	}
	if err := o.Verify.checkRemote(ctx, c, rp, raw); err != nil {
		return Pulled{}, err
	}
	if pl.gate != nil {
		pl.gate.Open()
	}
	if pl.st == nil {
		if err := pl.openOutput(); err != nil {
			return Pulled{}, err
		}
	}
	layers, err := selectLayers(ctx, c, rp, def, o.Components)
	if err != nil {
		return Pulled{}, err
	}
	if err := verifyPlan(ctx, c, rp, def, len(o.Components) > 0); err != nil {
		return Pulled{}, err
	}
	format := pl.format()
	if format == layout.FormatTarZst && def.Metadata.Uncompressed {
		format = layout.FormatTar
	}
	if pl.pp == nil {
		pl.pp = newPipeline(c, rp, pl.st, layers, format, tracker(o.Progress), pl.conc)
	}
	pl.pp.format = format
	dst := filepath.Join(o.OutDir, layout.FileName(def, format))
	fetched, err := pl.pp.run(ctx, dst)
	if err != nil {
		return Pulled{}, err
	}
	res := Pulled{Path: dst, Digest: rp.desc.Digest.String(), FetchedBytes: fetched, FetchedLayers: len(layers), PackageLayers: len(rp.layers)}
	for _, l := range rp.layers {
		res.PackageBytes += l.Size
	}
	res.Size = writtenSize(dst, layers)
	return res, nil
}

// pull is the state Pull cleans up after.
type pull struct {
	c         *registry.Client
	rp        *remotePackage
	o         PullOptions
	conc      int
	meta      []string // the layers read before any download
	st        *blobStore
	cleanup   func()
	pp        *pipeline
	gate      *gatedTracker // holds the bars of early downloads; nil without
	stopEarly func()
}

// openOutput checks the output directory and opens the store.
func (pl *pull) openOutput() error {
	if err := checkOutDir(pl.o.OutDir); err != nil {
		return err
	}
	st, cleanup, err := openStore(pl.o)
	if err != nil {
		return err
	}
	pl.st, pl.cleanup = st, cleanup
	return nil
}

// format is the output format asked for; zarf.yaml may turn tar.zst into tar.
func (pl *pull) format() layout.Format {
	if pl.o.Format == "" {
		return layout.FormatTarZst
	}
	return pl.o.Format
}

// close stops early downloads before the store they write into goes.
func (pl *pull) close() {
	if pl.stopEarly != nil {
		pl.stopEarly()
	}
	if pl.cleanup != nil {
		pl.cleanup()
	}
}

// presentLayers counts the titles the package has.
func presentLayers(rp *remotePackage, titles []string) int {
	n := 0
	for _, t := range titles {
		if _, ok := rp.layer(t); ok {
			n++
		}
	}
	return n
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

// writtenSize is the size of the archive at dst, or for a directory the
// files written into it.
func writtenSize(dst string, layers []manifest.Layer) int64 {
	if fi, err := os.Stat(dst); err == nil && !fi.IsDir() {
		return fi.Size()
	}
	var n int64
	for _, l := range layers {
		n += l.Size
	}
	return n
}
