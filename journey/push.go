package journey

import (
	"context"
	"fmt"
	"io"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sync/errgroup"

	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/manifest"
	"github.com/docker-zarf/docker-zarf/progress"
	"github.com/docker-zarf/docker-zarf/registry"
)

// pusher uploads blobs into one repository, concurrency requests at a
// time (existence checks included).
type pusher struct {
	c           *registry.Client
	repo        name.Repository
	concurrency int
	tr          progress.Tracker
}

// skipAll reports every blob as already in the registry.
func (p *pusher) skipAll(files []layout.File, built *manifest.Built) {
	p.tr.Track("config", built.ConfigDescriptor.Size).Skip("exists")
	for _, f := range files {
		p.tr.Track(f.Path, f.Size).Skip("exists")
	}
}

// pushBlobs uploads the config and every file the registry lacks.
// Uploads read the package without hashing it: every digest pushed comes
// from checksums.txt (or was computed from bytes in memory), and the
// registry checks each blob against its digest before it accepts it, so a
// corrupt file fails the publish before the manifest goes up.
func (p *pusher) pushBlobs(ctx context.Context, pkg *layout.Package, set publishSet, built *manifest.Built) error {
	blobs := make([]v1.Descriptor, 0, len(set.files)+1)
	titles := make([]string, 0, len(set.files)+1)
	for _, f := range set.files {
		blobs, titles = append(blobs, fileDescriptor(f)), append(titles, f.Path)
	}
	blobs, titles = append(blobs, built.ConfigDescriptor), append(titles, "config")
	have, err := p.existing(ctx, blobs, titles)
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(p.concurrency)
	if !have[len(set.files)] {
		g.Go(func() error {
			return p.pushOne(gctx, built.ConfigDescriptor, "config", bytesOpener(built.Config))
		})
	}
	missing := map[string]bool{}
	for i, f := range set.files {
		if have[i] {
			continue
		}
		// Files from memory (a re-signed zarf.yaml) go up from there; the
		// package's own copies of them are not read.
		if b, ok := set.mem[f.Path]; ok {
			g.Go(func() error { return p.pushOne(gctx, fileDescriptor(f), f.Path, bytesOpener(b)) })
			continue
		}
		missing[f.Path] = true
	}
	switch {
	case len(missing) == 0:
	case pkg.Seekable():
		p.pushSeekable(gctx, g, pkg, missing)
	default:
		// Every upload is over (g.Wait below) before the spool goes.
		s := newSpooler()
		defer s.close()
		if err := p.pushStreamed(gctx, g, s, pkg, missing); err != nil {
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

// existing asks the registry, concurrency at a time, which blobs it holds,
// and reports those as skipped.
func (p *pusher) existing(ctx context.Context, blobs []v1.Descriptor, titles []string) ([]bool, error) {
	have := make([]bool, len(blobs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(p.concurrency)
	for i, d := range blobs {
		g.Go(func() error {
			ok, err := p.c.BlobExists(gctx, p.repo, d)
			if err != nil {
				return blobError("checking layer "+titles[i], err)
			}
			have[i] = ok
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for i, d := range blobs {
		if have[i] {
			p.tr.Track(titles[i], d.Size).Skip("exists")
		}
	}
	return have, nil
}

func (p *pusher) pushSeekable(ctx context.Context, g *errgroup.Group, pkg *layout.Package, missing map[string]bool) {
	for _, f := range pkg.Files {
		if !missing[f.Path] {
			continue
		}
		g.Go(func() error {
			return p.pushOne(ctx, fileDescriptor(f), f.Path, func() (io.ReadCloser, error) { return pkg.OpenUnverified(f) })
		})
	}
}

// pushStreamed walks a compressed archive once: entries are spooled and
// upload in the background, or stream when too big (see spooler). Every
// upload, streamed or not, takes a slot of g.
func (p *pusher) pushStreamed(ctx context.Context, g *errgroup.Group, s *spooler, pkg *layout.Package, missing map[string]bool) error {
	return pkg.WalkUnverified(ctx, func(f layout.File, r io.Reader) error {
		if !missing[f.Path] {
			return nil
		}
		sp, ok, err := s.spool(ctx, f, r)
		if err != nil {
			return err
		}
		if !ok {
			return p.pushInline(ctx, g, pkg, f, r)
		}
		g.Go(func() error {
			defer sp.release()
			return p.pushOne(ctx, fileDescriptor(f), f.Path, sp.open)
		})
		return ctx.Err()
	})
}

// pushInline uploads f from the walk's reader r and waits for it. A retry
// that must go back further than the upload keeps reopens the entry, which
// decompresses the archive again up to it.
func (p *pusher) pushInline(ctx context.Context, g *errgroup.Group, pkg *layout.Package, f layout.File, r io.Reader) error {
	first := true
	open := func() (io.ReadCloser, error) {
		if first {
			first = false
			return io.NopCloser(r), nil
		}
		return pkg.OpenUnverified(f)
	}
	done := make(chan error, 1)
	g.Go(func() error {
		err := p.pushOne(ctx, fileDescriptor(f), f.Path, open)
		done <- err
		return err
	})
	return <-done
}

func (p *pusher) pushOne(ctx context.Context, d v1.Descriptor, title string, open func() (io.ReadCloser, error)) error {
	bar := p.tr.Track(title, d.Size)
	if err := p.c.PushBlob(ctx, p.repo, d, open, bar); err != nil {
		return fmt.Errorf("pushing layer %s: %w", title, err)
	}
	return nil
}

func fileDescriptor(f layout.File) v1.Descriptor {
	h, _ := v1.NewHash(f.Digest)
	return v1.Descriptor{MediaType: manifest.MediaTypeLayer, Size: f.Size, Digest: h}
}
