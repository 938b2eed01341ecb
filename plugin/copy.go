package plugin

import (
	"context"
	"fmt"
	"io"

	"github.com/docker/cli/cli/command"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sync/errgroup"

	"github.com/docker-zarf/docker-zarf/definition"
	"github.com/docker-zarf/docker-zarf/manifest"
	"github.com/docker-zarf/docker-zarf/progress"
	"github.com/docker-zarf/docker-zarf/registry"
)

// runCopy copies one architecture of a package between repositories without
// staging it on disk: each blob streams from the source into the target, or
// is mounted when both are on the same registry. The manifest keeps its
// bytes, so the copy has the same digest as the source.
func runCopy(ctx context.Context, dockerCli command.Cli, info BuildInfo, opts publishOptions, src, dst string) error {
	srcRef, err := parseReference(src)
	if err != nil {
		return err
	}
	ns, err := parseRepository(dst)
	if err != nil {
		return err
	}
	if err := opts.output.validate("text", "json"); err != nil {
		return err
	}
	c, err := opts.remote.client(dockerCli, info)
	if err != nil {
		return err
	}
	tr := opts.output.tracker(dockerCli, "copied")
	res, err := copyPackage(ctx, c, srcRef, ns, opts, tr, dockerCli.Err())
	tr.Wait()
	if err != nil {
		return err
	}
	return opts.output.print(dockerCli.Out(), res, "Copied %s to %s\n", srcRef, res.Reference)
}

func copyPackage(ctx context.Context, c *registry.Client, srcRef name.Reference, ns name.Repository, opts publishOptions, tr progress.Tracker, warn io.Writer) (publishResult, error) {
	rp, err := resolvePackage(ctx, c, srcRef, opts.arch)
	if err != nil {
		return publishResult{}, err
	}
	def, _, err := rp.definition(ctx, c)
	if err != nil {
		return publishResult{}, err
	}
	dstRepo, err := packageRepository(ns, def.Metadata.Name)
	if err != nil {
		return publishResult{}, err
	}
	blobs := append([]v1.Descriptor{rp.manifest.Config}, rp.manifest.Layers...)
	if err := copyBlobs(ctx, c, rp.repo, dstRepo, blobs, opts.remote.concurrency, tr); err != nil {
		return publishResult{}, err
	}
	if err := c.PutManifest(ctx, dstRepo.Digest(rp.desc.Digest.String()), string(rp.manifest.MediaType), rp.raw); err != nil {
		return publishResult{}, fmt.Errorf("pushing the manifest: %w", err)
	}
	tag := copyTag(srcRef, opts.tag, def)
	if tag == "" {
		return publishResult{}, fmt.Errorf("the package has no version to tag it with; use --tag")
	}
	d := rp.desc
	d.Platform = packagePlatform(rp, def)
	ref := dstRepo.Tag(tag)
	if err := tagIndex(ctx, c, ref, d, rp.raw, warn); err != nil {
		return publishResult{}, err
	}
	return publishResult{Reference: ref.String(), Digest: d.Digest.String(), Size: d.Size, Layers: len(rp.layers)}, nil
}

func copyBlobs(ctx context.Context, c *registry.Client, from, to name.Repository, blobs []v1.Descriptor, concurrency int, tr progress.Tracker) error {
	sameRegistry := from.RegistryStr() == to.RegistryStr()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(concurrency)
	seen := map[v1.Hash]bool{}
	for _, d := range blobs {
		if seen[d.Digest] {
			continue
		}
		seen[d.Digest] = true
		g.Go(func() error { return copyBlob(gctx, c, from, to, d, sameRegistry, tr) })
	}
	return g.Wait()
}

func copyBlob(ctx context.Context, c *registry.Client, from, to name.Repository, d v1.Descriptor, sameRegistry bool, tr progress.Tracker) error {
	title := blobTitle(d)
	if ok, err := c.BlobExists(ctx, to, d); err != nil {
		return fmt.Errorf("checking layer %s: %w", title, err)
	} else if ok {
		tr.Track(title, d.Size).Skip("exists")
		return nil
	}
	if sameRegistry {
		if ok, err := c.MountBlob(ctx, to, from, d); err == nil && ok {
			tr.Track(title, d.Size).Skip("mounted")
			return nil
		}
	}
	// StreamBlob resumes a source connection cut mid-blob, so only a
	// failure on the target side makes PushBlob start the upload over.
	open := func() (io.ReadCloser, error) { return c.StreamBlob(ctx, from, d, nil) }
	return pushOne(ctx, c, to, d, title, open, tr)
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
