package journey

import (
	"context"
	"errors"
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

// pushBlobs uploads the config and every file the registry lacks. Each
// blob's existence check and upload run one after the other in the same
// slot, so that checks and uploads of different blobs overlap.
//
// Uploads read the package without hashing it: every digest pushed comes
// from checksums.txt (or was computed from bytes in memory), and the
// registry checks each blob against its digest before it accepts it, so a
// corrupt file fails the publish before the manifest goes up.
func (p *pusher) pushBlobs(ctx context.Context, pkg *layout.Package, set publishSet, built *manifest.Built) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(p.concurrency)
	g.Go(func() error {
		return p.ensure(gctx, built.ConfigDescriptor, "config", bytesOpener(built.Config))
	})
	var streamed []layout.File
	for _, f := range set.files {
		d := fileDescriptor(f)
		switch b, inMemory := set.mem[f.Path]; {
		case inMemory:
			// A re-signed zarf.yaml goes up from memory; the package's
			// own copy is not read.
			g.Go(func() error { return p.ensure(gctx, d, f.Path, bytesOpener(b)) })
		case pkg.Seekable():
			g.Go(func() error {
				ok, err := p.exists(gctx, d, f.Path)
				if err != nil || ok {
					return err
				}
				return p.pushFile(gctx, f, func() (io.ReadCloser, error) { return pkg.OpenUnverified(f) })
			})
		default:
			streamed = append(streamed, f)
		}
	}
	if len(streamed) > 0 {
		// Every upload is over (g.Wait below) before the spool goes.
		s := newSpooler()
		defer s.close()
		if err := p.pushStreamed(gctx, g, s, pkg, streamed); err != nil {
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

// ensure uploads d unless the registry has it.
func (p *pusher) ensure(ctx context.Context, d v1.Descriptor, title string, open func() (io.ReadCloser, error)) error {
	ok, err := p.exists(ctx, d, title)
	if err != nil || ok {
		return err
	}
	return p.pushOne(ctx, d, title, open)
}

// exists asks the registry for d and reports it skipped when it is there.
func (p *pusher) exists(ctx context.Context, d v1.Descriptor, title string) (bool, error) {
	ok, err := p.c.BlobExists(ctx, p.repo, d)
	if err != nil {
		return false, blobError("checking layer "+title, err)
	}
	if ok {
		p.tr.Track(title, d.Size).Skip("exists")
	}
	return ok, nil
}

// pushStreamed walks a compressed archive once. The existence checks of
// files run ahead of the walk, in g; the walk waits for each file's answer,
// skips what the registry has, and spools the rest to upload in the
// background, or streams it when too big (see spooler). Every request,
// streamed upload included, takes a slot of g.
func (p *pusher) pushStreamed(ctx context.Context, g *errgroup.Group, s *spooler, pkg *layout.Package, files []layout.File) error {
	have := make(map[string]chan bool, len(files))
	for _, f := range files {
		have[f.Path] = make(chan bool, 1)
	}
	issued := make(chan struct{})
	// g.Wait must not start before the last g.Go of this goroutine.
	defer func() { <-issued }()
	go func() {
		defer close(issued)
		for _, f := range files {
			g.Go(func() error {
				ok, err := p.exists(ctx, fileDescriptor(f), f.Path)
				have[f.Path] <- ok
				return err
			})
		}
	}()
	return pkg.WalkUnverified(ctx, func(f layout.File, r io.Reader) error {
		answer := have[f.Path]
		if answer == nil {
			return nil
		}
		select {
		case ok := <-answer:
			if ok {
				return nil
			}
		case <-ctx.Done():
			return ctx.Err()
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
			return p.pushFile(ctx, f, sp.open)
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
		err := p.pushFile(ctx, f, open)
		done <- err
		return err
	})
	return <-done
}

// pushFile uploads a file of the package, unhashed. The registry checks
// its bytes against its digest; a refusal is the package's fault (a file
// that does not match checksums.txt, or that changed since Open) and says
// so, naming the file.
func (p *pusher) pushFile(ctx context.Context, f layout.File, open func() (io.ReadCloser, error)) error {
	err := p.pushOne(ctx, fileDescriptor(f), f.Path, open)
	var rerr *registry.Error
	if errors.Is(err, registry.ErrDigestMismatch) && errors.As(err, &rerr) {
		return fmt.Errorf("%s: checksum mismatch: the registry refused its bytes as not %s: %w", f.Path, f.Digest, rerr)
	}
	return err
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
