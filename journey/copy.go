package journey

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sync/errgroup"

	"github.com/docker-zarf/docker-zarf/definition"
	"github.com/docker-zarf/docker-zarf/manifest"
	"github.com/docker-zarf/docker-zarf/progress"
	"github.com/docker-zarf/docker-zarf/registry"
)

// CopyOptions tune Copy. The zero value copies this machine's
// architecture under the source's tag, DefaultConcurrency blobs at a time.
type CopyOptions struct {
	// Arch is the architecture to copy. Default (""): runtime.GOARCH.
	Arch string
	// Tag overrides the target tag. Default (""): the source's tag, else
	// the package's own.
	Tag string
	// Concurrency bounds the blob transfers at a time. Default (0):
	// DefaultConcurrency.
	Concurrency int
	// Progress receives a bar per blob. Default (nil): none.
	Progress progress.Tracker
	// Warnf receives warnings. Default (nil): discarded.
	Warnf func(format string, args ...any)
}

// Copy copies one architecture of a package between repositories without
// staging it on disk: each blob streams from the source into the target, or
// is mounted when both are on the same registry. The manifest keeps its
// bytes, so the copy has the same digest as the source. src reads the
// source and dst writes the target: each has its own transport settings
// (plain HTTP, TLS), as oras cp's --from-… and --to-… flags give.
func Copy(ctx context.Context, src, dst *registry.Client, from name.Reference, ns name.Repository, o CopyOptions) (Published, error) {
	rp, err := resolvePackage(ctx, src, from, o.Arch)
	if err != nil {
		return Published{}, err
	}
	conc := concurrency(o.Concurrency)
	if err := rp.prefetch(ctx, src, conc, "zarf.yaml", "checksums.txt"); err != nil {
		return Published{}, err
	}
	def, _, err := rp.definition(ctx, src)
	if err != nil {
		return Published{}, err
	}
	// The same checks as pull, before a byte is copied: a package that
	// fails them must not get a tag in the target.
	if err := checkTitles(rp.layers); err != nil {
		return Published{}, err
	}
	if o.Tag != "" {
		if err := checkTag(rp.repo, o.Tag); err != nil {
			return Published{}, err
		}
	}
	if err := verifyPlan(ctx, src, rp, def, false); err != nil {
		return Published{}, err
	}
	dstRepo, err := packageRepository(ns, def.Metadata.Name)
	if err != nil {
		return Published{}, err
	}
	// One token for all the target sees: its blobs' HEADs, mounts from
	// the source, uploads, and the manifest and index.
	if err := dst.Authorize(ctx, dstRepo, true, rp.repo); err != nil {
		// A token server may refuse the set for the source's part, which
		// only the mounts need.
		if err := dst.Authorize(ctx, dstRepo, true); err != nil {
			return Published{}, err
		}
	}
	blobs := manifest.Blobs(rp.manifest) // an artifact manifest has no config
	cp := &copier{src: src, from: rp.repo, p: pusher{c: dst, repo: dstRepo, concurrency: conc, tr: tracker(o.Progress)}}
	cp.mount.Store(rp.repo.RegistryStr() == dstRepo.RegistryStr() && rp.repo.RepositoryStr() != dstRepo.RepositoryStr())
	cp.p.tr.SetTotal(uniqueSize(blobs))
	if err := cp.copyBlobs(ctx, blobs); err != nil {
		return Published{}, err
	}
	if err := dst.PutManifest(ctx, dstRepo.Digest(rp.desc.Digest.String()), string(rp.manifest.MediaType), rp.raw); err != nil {
		return Published{}, fmt.Errorf("pushing the manifest: %w", err)
	}
	tag := copyTag(from, o.Tag, def)
	if tag == "" {
		return Published{}, ErrNoTag
	}
	d := rp.desc
	d.Platform = packagePlatform(rp, def)
	ref := dstRepo.Tag(tag)
	t, err := tagIndex(ctx, dst, ref, d, rp.raw, warnf(o.Warnf))
	if err != nil {
		return Published{}, err
	}
	return published(ref, d, len(rp.layers), t), nil
}

// copier relays blobs from one repository into another.
type copier struct {
	src  *registry.Client
	from name.Repository
	p    pusher // the target
	// mount is true while blobs are mounted without asking first whether
	// the target has them: within one registry a mount answers that too.
	// A registry that declines one (no cross-repository mounts) has every
	// later blob HEADed first instead.
	mount atomic.Bool
}

func (cp *copier) copyBlobs(ctx context.Context, blobs []v1.Descriptor) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(cp.p.concurrency)
	seen := map[v1.Hash]bool{}
	for _, d := range blobs {
		if seen[d.Digest] {
			continue
		}
		seen[d.Digest] = true
		g.Go(func() error { return cp.copyBlob(gctx, d) })
	}
	return g.Wait()
}

func (cp *copier) copyBlob(ctx context.Context, d v1.Descriptor) error {
	title := blobTitle(d)
	to, tr := cp.p.repo, cp.p.tr
	if cp.mount.Load() {
		ok, err := cp.p.c.MountBlob(ctx, to, cp.from, d)
		if err == nil && ok {
			tr.Track(title, d.Size).Skip("mounted")
			return nil
		}
		if err == nil {
			cp.mount.Store(false)
		}
	}
	if ok, err := cp.p.c.BlobExists(ctx, to, d); err != nil {
		return blobError("checking layer "+title, err)
	} else if ok {
		tr.Track(title, d.Size).Skip("exists")
		return nil
	}
	// RelayBlob resumes a source connection cut mid-blob, so only a
	// failure on the target side makes PushBlob start the upload over.
	// It checks sizes only: the target verifies the digest as it commits
	// the upload and refuses a wrong one, so hashing here would do its
	// work twice.
	open := func() (io.ReadCloser, error) { return cp.src.RelayBlob(ctx, cp.from, d, nil) }
	return cp.p.pushOne(ctx, d, title, open)
}

// uniqueSize is what blobs add up to, each digest once.
func uniqueSize(blobs []v1.Descriptor) int64 {
	seen := map[v1.Hash]bool{}
	var n int64
	for _, d := range blobs {
		if !seen[d.Digest] {
			seen[d.Digest] = true
			n += d.Size
		}
	}
	return n
}

func blobTitle(d v1.Descriptor) string {
	if t := d.Annotations["org.opencontainers.image.title"]; t != "" {
		return t
	}
	return d.Digest.String()
}

// copyTag is --tag, else the source's tag, else the package's own tag.
func copyTag(src name.Reference, override string, def *definition.Package) string {
	if override != "" {
		return override
	}
	if t, ok := src.(name.Tag); ok {
		return t.TagStr()
	}
	tag, _ := manifest.Tag(def)
	return tag
}

// packagePlatform is the index entry's platform: the source's, or for a
// manifest that was tagged directly, os: multi and the package architecture.
func packagePlatform(rp *remotePackage, def *definition.Package) *v1.Platform {
	if rp.desc.Platform != nil {
		return rp.desc.Platform
	}
	return &v1.Platform{OS: "multi", Architecture: def.Architecture()}
}
