package plugin

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/docker-zarf/docker-zarf/manifest"
	"github.com/docker-zarf/docker-zarf/progress"
	"github.com/docker-zarf/docker-zarf/registry"
)

// blobStore is the content-addressed cache that makes pulls resumable:
// blobs/sha256/<hex> holds finished, verified blobs and <hex>.partial the
// bytes of one still coming.
type blobStore struct {
	dir string
	// scratch is true for --no-cache: the blobs are this pull's alone, so
	// the writer may move them into the output instead of copying them.
	scratch bool
}

// openStore opens the user's cache, or with --no-cache a scratch directory
// beside the output that is removed when the pull ends.
func openStore(req pullRequest) (*blobStore, func(), error) {
	if req.noCache {
		dir, err := os.MkdirTemp(req.outDir, ".docker-zarf-blobs-")
		if err != nil {
			return nil, nil, fmt.Errorf("creating a scratch directory: %w", err)
		}
		// The store keeps blobs under blobs/sha256, which MkdirTemp does not make.
		if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
			os.RemoveAll(dir)
			return nil, nil, fmt.Errorf("creating a scratch directory: %w", err)
		}
		return &blobStore{dir: dir, scratch: true}, func() { os.RemoveAll(dir) }, nil
	}
	dir := req.cacheDir
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return nil, nil, fmt.Errorf("finding the cache directory (use --cache DIR or --no-cache): %w", err)
		}
		dir = filepath.Join(base, "docker-zarf")
	}
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
		return nil, nil, fmt.Errorf("creating the cache %s: %w", dir, err)
	}
	return &blobStore{dir: dir}, func() {}, nil
}

func (s *blobStore) path(digest string) string {
	return filepath.Join(s.dir, "blobs", "sha256", strings.TrimPrefix(digest, "sha256:"))
}

// fetch makes the blob present in the store and returns how many bytes it
// took from the network, and whether it was already there. A blob already
// in the store was verified when it arrived, but blobs are not fsynced one
// by one and a cache can rot, so the caller verifies a cached blob again as
// it reads it.
func (s *blobStore) fetch(ctx context.Context, c *registry.Client, repo name.Repository, l manifest.Layer, tr progress.Tracker) (int64, bool, error) {
	p := s.path(l.Digest)
	bar := tr.Track(l.Title, l.Size)
	if fi, err := os.Stat(p); err == nil && fi.Size() == l.Size {
		bar.Skip("cached")
		return 0, true, nil
	}
	var have int64
	if fi, err := os.Stat(p + ".partial"); err == nil {
		have = fi.Size()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return 0, false, err
	}
	if err := c.Fetch(ctx, repo, layerDescriptor(l), p, bar); err != nil {
		return 0, false, err
	}
	return l.Size - have, false, nil
}

// put stores a blob whose verified bytes are already in memory (metadata
// read while planning the pull) and returns its size: those bytes came
// from the network once.
func (s *blobStore) put(l manifest.Layer, b []byte, tr progress.Tracker) (int64, bool, error) {
	p := s.path(l.Digest)
	bar := tr.Track(l.Title, l.Size)
	if fi, err := os.Stat(p); err == nil && fi.Size() == l.Size {
		bar.Skip("cached")
		return 0, true, nil
	}
	// Write beside p, then rename: only complete blobs ever carry a digest
	// name, and a unique temp name keeps two pulls sharing a cache apart.
	if err := writeThenRename(p, b); err != nil {
		bar.Abort(err)
		return 0, false, err
	}
	bar.Add(int64(len(b)))
	bar.Done()
	return int64(len(b)), false, nil
}

func writeThenRename(p string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".put-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
