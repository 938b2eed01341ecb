package plugin

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/errgroup"

	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/manifest"
	"github.com/docker-zarf/docker-zarf/progress"
	"github.com/docker-zarf/docker-zarf/registry"
)

// spoolLimit is the largest entry of a compressed archive that is read into
// memory so that it can upload while the decompressor moves on. Bigger
// entries stream straight from the decompressor. With the default
// concurrency of 6 this bounds the spool at 6 MiB.
const spoolLimit = 1 << 20

type pushOptions struct {
	tag         string // "" → manifest.Tag(def)
	concurrency int
	tracker     progress.Tracker
	warn        io.Writer
}

// publishResult is what `publish -o json` prints.
type publishResult struct {
	Reference string `json:"reference"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
	Layers    int    `json:"layers"`
}

// publishPackage pushes every blob, then the manifest by digest, then the
// index under the tag. That order means a tag never points at a manifest
// whose blobs are missing, whatever moment the process dies at.
func publishPackage(ctx context.Context, c *registry.Client, pkg *layout.Package, ns name.Repository, o pushOptions) (publishResult, error) {
	def := pkg.Definition
	tag := o.tag
	if tag == "" {
		t, err := manifest.Tag(def)
		if err != nil {
			// --tag is the way through, so the message says so.
			return publishResult{}, fmt.Errorf("%w (or give one with --tag)", err)
		}
		tag = t
	}
	repo, err := packageRepository(ns, def.Metadata.Name)
	if err != nil {
		return publishResult{}, err
	}
	layers := make([]manifest.Layer, 0, len(pkg.Files))
	for _, f := range pkg.Files {
		layers = append(layers, manifest.Layer{Title: f.Path, Digest: f.Digest, Size: f.Size})
	}
	built, err := manifest.Build(def, layers)
	if err != nil {
		return publishResult{}, err
	}
	if err := pushBlobs(ctx, c, repo, pkg, built, o); err != nil {
		return publishResult{}, err
	}
	if err := c.PutManifest(ctx, repo.Digest(built.Descriptor.Digest.String()), string(types.OCIManifestSchema1), built.Manifest); err != nil {
		return publishResult{}, fmt.Errorf("pushing the manifest: %w", err)
	}
	ref := repo.Tag(tag)
	if err := tagIndex(ctx, c, ref, built.Descriptor, built.Manifest, o.warn); err != nil {
		return publishResult{}, err
	}
	return publishResult{
		Reference: ref.String(),
		Digest:    built.Descriptor.Digest.String(),
		Size:      built.Descriptor.Size,
		Layers:    len(layers),
	}, nil
}

// packageRepository is NS/<name> on the same registry.
func packageRepository(ns name.Repository, pkgName string) (name.Repository, error) {
	path := pkgName
	if ns.RepositoryStr() != "" {
		path = ns.RepositoryStr() + "/" + pkgName
	}
	if _, err := name.NewRepository(ns.RegistryStr()+"/"+path, name.StrictValidation); err != nil {
		return name.Repository{}, fmt.Errorf("package name %q does not make a valid repository: %w", pkgName, err)
	}
	// Repo keeps the registry's settings (plain HTTP) that a re-parse would lose.
	return ns.Registry.Repo(path), nil
}

// pushBlobs uploads the config and every file the registry lacks.
func pushBlobs(ctx context.Context, c *registry.Client, repo name.Repository, pkg *layout.Package, built *manifest.Built, o pushOptions) error {
	cfg := built.ConfigDescriptor
	missing, err := missingFiles(ctx, c, repo, pkg.Files, o)
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(o.concurrency)
	g.Go(func() error {
		return pushOne(gctx, c, repo, cfg, "config", bytesOpener(built.Config), o.tracker)
	})
	switch {
	case len(missing) == 0:
	case pkg.Seekable():
		pushSeekable(gctx, g, c, repo, pkg, missing, o.tracker)
	default:
		if err := pushStreamed(gctx, g, c, repo, pkg, missing, o.tracker); err != nil {
			// A failed upload cancels gctx and so stops the walk; report
			// the upload's error, which is the cause.
			if gerr := g.Wait(); gerr != nil {
				return gerr
			}
			return err
		}
	}
	return g.Wait()
}

// missingFiles asks the registry, several at a time, which files it lacks.
// A republish of an unchanged package stops here without reading a byte of
// the package's blobs.
func missingFiles(ctx context.Context, c *registry.Client, repo name.Repository, files []layout.File, o pushOptions) (map[string]bool, error) {
	exists := make([]bool, len(files))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(o.concurrency, 8))
	for i, f := range files {
		g.Go(func() error {
			ok, err := c.BlobExists(gctx, repo, fileDescriptor(f))
			if err != nil {
				return fmt.Errorf("checking layer %s: %w", f.Path, err)
			}
			exists[i] = ok
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	missing := map[string]bool{}
	for i, f := range files {
		if exists[i] {
			o.tracker.Track(f.Path, f.Size).Skip("exists")
			continue
		}
		missing[f.Path] = true
	}
	return missing, nil
}

func pushSeekable(ctx context.Context, g *errgroup.Group, c *registry.Client, repo name.Repository, pkg *layout.Package, missing map[string]bool, tr progress.Tracker) {
	for _, f := range pkg.Files {
		if !missing[f.Path] {
			continue
		}
		g.Go(func() error {
			return pushOne(ctx, c, repo, fileDescriptor(f), f.Path, func() (io.ReadCloser, error) { return pkg.Open(f) }, tr)
		})
	}
}

// pushStreamed walks a compressed archive once. Small entries are spooled
// and uploaded in the background; big ones stream from the decompressor,
// which waits for them. A retry of a streamed entry reopens it through
// pkg.Open, which decompresses the archive again up to that entry.
func pushStreamed(ctx context.Context, g *errgroup.Group, c *registry.Client, repo name.Repository, pkg *layout.Package, missing map[string]bool, tr progress.Tracker) error {
	return pkg.Walk(ctx, func(f layout.File, r io.Reader) error {
		if !missing[f.Path] {
			return nil
		}
		d := fileDescriptor(f)
		if f.Size <= spoolLimit {
			buf, err := io.ReadAll(r)
			if err != nil {
				return fmt.Errorf("reading %s: %w", f.Path, err)
			}
			g.Go(func() error { return pushOne(ctx, c, repo, d, f.Path, bytesOpener(buf), tr) })
			return ctx.Err()
		}
		first := true
		open := func() (io.ReadCloser, error) {
			if first {
				first = false
				return io.NopCloser(r), nil
			}
			return pkg.Open(f)
		}
		return pushOne(ctx, c, repo, d, f.Path, open, tr)
	})
}

func pushOne(ctx context.Context, c *registry.Client, repo name.Repository, d v1.Descriptor, title string, open func() (io.ReadCloser, error), tr progress.Tracker) error {
	bar := tr.Track(title, d.Size)
	if err := c.PushBlob(ctx, repo, d, open, bar); err != nil {
		return fmt.Errorf("pushing layer %s: %w", title, err)
	}
	return nil
}

func bytesOpener(b []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

func fileDescriptor(f layout.File) v1.Descriptor {
	h, _ := v1.NewHash(f.Digest)
	return v1.Descriptor{MediaType: manifest.MediaTypeLayer, Size: f.Size, Digest: h}
}
