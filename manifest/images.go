package manifest

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// maxImageDepth bounds nested indexes. Real images nest one level (an index
// of platform manifests); the bound stops a hostile package from making us
// walk without end.
const maxImageDepth = 8

// ImageBlobs lists the layers of the package's OCI image layout that the
// images refs need: for each image, the manifest or index blob, then for
// every manifest its config and layers, following nested indexes. Titles are
// "images/blobs/sha256/<hex>", each once, in the order first met.
//
// indexJSON is the package's images/index.json. An image is found by its
// entry's org.opencontainers.image.base.name annotation, compared after
// normalising both sides ("nginx:1.25" matches
// "docker.io/library/nginx:1.25"), as Zarf does. An image missing from the
// index is an error.
//
// readBlob returns a manifest or index blob of the package by digest
// ("sha256:<hex>"); it is the only way ImageBlobs reads. Each blob is checked
// against its digest and the 4 MiB manifest cap. Inside a nested index,
// readBlob may return an error matching fs.ErrNotExist for a platform the
// package does not carry: that platform is skipped.
func ImageBlobs(ctx context.Context, indexJSON []byte, refs []string, readBlob func(ctx context.Context, digest string) ([]byte, error)) ([]string, error) {
	if readBlob == nil {
		return nil, errors.New("listing image blobs: no blob reader")
	}
	if len(refs) == 0 {
		return nil, nil
	}
	idx, err := ParseIndex(indexJSON)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", TitleImagesIndex, err)
	}
	w := &imageWalker{read: readBlob, seen: map[string]bool{}}
	for _, ref := range refs {
		entries := findImage(idx, ref)
		if len(entries) == 0 {
			return nil, fmt.Errorf("image %s is not in %s", ref, TitleImagesIndex)
		}
		for _, d := range entries {
			if err := w.visit(ctx, d, 0); err != nil {
				return nil, fmt.Errorf("image %s: %w", ref, err)
			}
		}
	}
	return w.titles, nil
}

// findImage returns the index entries whose base name is ref.
func findImage(idx *v1.IndexManifest, ref string) []v1.Descriptor {
	want := normalizeRef(ref)
	var out []v1.Descriptor
	for _, e := range idx.Manifests {
		base := e.Annotations[AnnotationBaseName]
		if base != "" && (base == ref || normalizeRef(base) == want) {
			out = append(out, e)
		}
	}
	return out
}

// normalizeRef spells an image reference in full (registry, library/ for
// Docker Hub, tag latest when none) so that the short and long forms of one
// image compare equal. A reference that does not parse stays as it is.
func normalizeRef(s string) string {
	r, err := name.ParseReference(s)
	if err != nil {
		return s
	}
	return r.Name()
}

type imageWalker struct {
	read   func(ctx context.Context, digest string) ([]byte, error)
	seen   map[string]bool
	titles []string
}

// visit adds the blob d, then what it references.
func (w *imageWalker) visit(ctx context.Context, d v1.Descriptor, depth int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if depth > maxImageDepth {
		return fmt.Errorf("image indexes nested more than %d deep", maxImageDepth)
	}
	title := blobTitle(d.Digest)
	if w.seen[title] {
		return nil
	}
	b, err := w.read(ctx, d.Digest.String())
	if err != nil {
		return fmt.Errorf("reading %s: %w", title, err)
	}
	if err := verifyBlob(d, b); err != nil {
		return fmt.Errorf("reading %s: %w", title, err)
	}
	w.add(title)
	if d.MediaType.IsIndex() || (!d.MediaType.IsImage() && has(b, "manifests")) {
		return w.visitIndex(ctx, b, depth)
	}
	m, err := ParseManifest(b)
	if err != nil {
		return fmt.Errorf("%s: %w", title, err)
	}
	w.add(blobTitle(m.Config.Digest))
	for _, l := range m.Layers {
		w.add(blobTitle(l.Digest))
	}
	return nil
}

// visitIndex visits every platform of a nested index, skipping those the
// package does not carry.
func (w *imageWalker) visitIndex(ctx context.Context, b []byte, depth int) error {
	idx, err := ParseIndex(b)
	if err != nil {
		return err
	}
	for _, c := range idx.Manifests {
		err := w.visit(ctx, c, depth+1)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

func (w *imageWalker) add(title string) {
	if !w.seen[title] {
		w.seen[title] = true
		w.titles = append(w.titles, title)
	}
}

// blobTitle is the layer title of a blob of the package's image layout.
func blobTitle(h v1.Hash) string {
	return "images/blobs/" + h.Algorithm + "/" + h.Hex
}

// verifyBlob checks a blob read through the callback against its descriptor,
// so that a wrong callback cannot steer the walk.
func verifyBlob(d v1.Descriptor, b []byte) error {
	if len(b) > MaxManifestSize {
		return fmt.Errorf("blob is %d bytes: %w", len(b), ErrTooLarge)
	}
	hasher, err := v1.Hasher(d.Digest.Algorithm)
	if err != nil {
		return err
	}
	hasher.Write(b)
	if got := hex.EncodeToString(hasher.Sum(nil)); got != d.Digest.Hex {
		return fmt.Errorf("content has digest %s:%s, want %s", d.Digest.Algorithm, got, d.Digest)
	}
	return nil
}
