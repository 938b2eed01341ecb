package journey

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/errgroup"

	"github.com/docker-zarf/docker-zarf/manifest"
	"github.com/docker-zarf/docker-zarf/registry"
)

// ListOptions tune List. The zero value reads DefaultConcurrency tags at a
// time.
type ListOptions struct {
	// Concurrency bounds the tags read at a time. Default (0):
	// DefaultConcurrency.
	Concurrency int
}

// Tag is one tag of a package repository: `ls` prints one row per Tag.
type Tag struct {
	Tag           string   `json:"tag"`
	Architectures []string `json:"architectures"`
	Size          int64    `json:"size"`
	Skeleton      bool     `json:"skeleton"`
}

// List reads every tag of repo with its architectures and total size.
func List(ctx context.Context, c *registry.Client, repo name.Repository, o ListOptions) ([]Tag, error) {
	tags, err := c.Tags(ctx, repo)
	if err != nil {
		return nil, fmt.Errorf("listing the tags of %s: %w", repo, err)
	}
	rows := make([]Tag, len(tags))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(concurrency(o.Concurrency))
	for i, t := range tags {
		g.Go(func() error {
			row, err := describeTag(gctx, c, repo.Tag(t))
			rows[i] = row
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return rows, nil
}

// describeTag reads a tag's index (or lone manifest) and each manifest's
// layer sizes.
func describeTag(ctx context.Context, c *registry.Client, ref name.Tag) (Tag, error) {
	row := Tag{Tag: ref.TagStr(), Architectures: []string{}}
	desc, body, err := c.Resolve(ctx, ref)
	if err != nil {
		return row, fmt.Errorf("reading %s: %w", ref, err)
	}
	manifests := [][]byte{body}
	if desc.MediaType == types.OCIImageIndex || desc.MediaType == types.DockerManifestList {
		idx, err := manifest.ParseIndex(body)
		if err != nil {
			return row, fmt.Errorf("%s: %w", ref, err)
		}
		manifests = manifests[:0]
		for _, d := range idx.Manifests {
			if d.Platform != nil {
				row.Architectures = append(row.Architectures, d.Platform.Architecture)
				row.Skeleton = row.Skeleton || d.Platform.Architecture == "skeleton"
			}
			b, err := c.Manifest(ctx, ref.Context(), d)
			if err != nil {
				return row, fmt.Errorf("reading %s@%s: %w", ref, d.Digest, err)
			}
			manifests = append(manifests, b)
		}
	}
	for _, b := range manifests {
		m, err := manifest.ParseManifest(b)
		if err != nil {
			return row, fmt.Errorf("%s: %w", ref, err)
		}
		row.Size += m.Config.Size
		for _, l := range m.Layers {
			row.Size += l.Size
		}
	}
	return row, nil
}
