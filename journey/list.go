package journey

import (
	"context"
	"fmt"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"

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
	Digest        string   `json:"digest"` // what the tag points at
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
	sizes := &manifestSizes{c: c, repo: repo, m: map[v1.Hash]*sizeEntry{}}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(concurrency(o.Concurrency))
	for i, t := range tags {
		g.Go(func() error {
			row, err := describeTag(gctx, c, sizes, repo.Tag(t))
			rows[i] = row
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return rows, nil
}

// describeTag reads a tag's index (or lone manifest) and the size of each
// manifest it points at.
func describeTag(ctx context.Context, c *registry.Client, sizes *manifestSizes, ref name.Tag) (Tag, error) {
	row := Tag{Tag: ref.TagStr(), Architectures: []string{}}
	desc, body, err := c.Resolve(ctx, ref)
	if err != nil {
		return row, fmt.Errorf("reading %s: %w", ref, err)
	}
	row.Digest = desc.Digest.String()
	if desc.MediaType != types.OCIImageIndex && desc.MediaType != types.DockerManifestList {
		row.Size, err = manifestSize(body)
		if err != nil {
			return row, fmt.Errorf("%s: %w", ref, err)
		}
		return row, nil
	}
	idx, err := manifest.ParseIndex(body)
	if err != nil {
		return row, fmt.Errorf("%s: %w", ref, err)
	}
	for _, d := range idx.Manifests {
		if d.Platform != nil {
			row.Architectures = append(row.Architectures, d.Platform.Architecture)
			row.Skeleton = row.Skeleton || d.Platform.Architecture == "skeleton"
		}
		n, err := sizes.get(ctx, d)
		if err != nil {
			return row, fmt.Errorf("reading %s@%s: %w", ref, d.Digest, err)
		}
		row.Size += n
	}
	return row, nil
}

// manifestSizes reads each manifest once, whatever number of index
// entries and tags point at it, and keeps only its size: a registry can
// point hundreds of entries at one 4 MiB manifest.
type manifestSizes struct {
	c    *registry.Client
	repo name.Repository
	mu   sync.Mutex
	m    map[v1.Hash]*sizeEntry
}

type sizeEntry struct {
	once sync.Once
	size int64
	err  error
}

func (s *manifestSizes) get(ctx context.Context, d v1.Descriptor) (int64, error) {
	s.mu.Lock()
	e := s.m[d.Digest]
	if e == nil {
		e = &sizeEntry{}
		s.m[d.Digest] = e
	}
	s.mu.Unlock()
	e.once.Do(func() {
		b, err := s.c.Manifest(ctx, s.repo, d)
		if err != nil {
			e.err = err
			return
		}
		e.size, e.err = manifestSize(b)
	})
	return e.size, e.err
}

// manifestSize is the bytes a manifest's config and layers add up to.
func manifestSize(b []byte) (int64, error) {
	m, err := manifest.ParseManifest(b)
	if err != nil {
		return 0, err
	}
	n := m.Config.Size
	for _, l := range m.Layers {
		n += l.Size
	}
	return n, nil
}
