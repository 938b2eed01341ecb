package journey

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/errgroup"

	"github.com/docker-zarf/docker-zarf/definition"
	"github.com/docker-zarf/docker-zarf/manifest"
	"github.com/docker-zarf/docker-zarf/registry"
)

// maxSmallBlob caps the blobs read into memory (zarf.yaml, checksums.txt,
// images/index.json, image manifests). A layer that claims more is refused
// before a byte is read.
const maxSmallBlob = 16 << 20

// keepBudget caps the small blobs a pull keeps in memory to write them
// without a second download. A registry can offer hundreds of image
// manifests of up to maxSmallBlob each; past the budget they are read,
// used and dropped, and the pipeline downloads them again.
const keepBudget = 32 << 20

// remotePackage is a package manifest resolved to a digest. Every request
// after the resolve goes by digest, so a tag that moves meanwhile cannot mix
// two packages.
type remotePackage struct {
	repo     name.Repository
	desc     v1.Descriptor // the manifest, pinned by digest
	raw      []byte
	manifest *v1.Manifest
	layers   []manifest.Layer
	// wantArch is the architecture zarf.yaml must declare: the index
	// entry's, or the one asked for when the reference named a lone
	// manifest (older Zarf tags), whose architecture shows only there.
	// "" accepts any.
	wantArch  string
	fromIndex bool

	// read keeps the small blobs already fetched and verified (zarf.yaml,
	// checksums.txt, image manifests), so a pull writes them from memory
	// instead of downloading them a second time.
	mu   sync.Mutex
	read map[v1.Hash][]byte
	kept int64 // bytes in read
}

// resolvePackage reads ref and, when it names an index, picks the os: multi
// entry for arch ("" means this machine's).
func resolvePackage(ctx context.Context, c *registry.Client, ref name.Reference, arch string) (*remotePackage, error) {
	explicit := arch
	if arch == "" {
		arch = runtime.GOARCH
	}
	repo := ref.Context()
	desc, body, err := c.Resolve(ctx, ref)
	if err != nil {
		return nil, notFound(ctx, c, ref, fmt.Errorf("resolving %s: %w", ref, err))
	}
	if desc.MediaType == types.OCIImageIndex || desc.MediaType == types.DockerManifestList {
		md, err := manifest.SelectPlatform(body, arch)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ref, err)
		}
		if body, err = c.Manifest(ctx, repo, md); err != nil {
			return nil, fmt.Errorf("reading the %s manifest of %s: %w", arch, ref, err)
		}
		desc = md
		explicit = arch // the entry says arch; its zarf.yaml must agree
	}
	m, err := manifest.ParseManifest(body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	return &remotePackage{repo: repo, desc: desc, raw: body, manifest: m, layers: manifest.LayersOf(m),
		wantArch: explicit, fromIndex: desc.Platform != nil}, nil
}

// TagNotFoundError is a tag the registry does not have, with some of the
// tags it does, so that the user can pick one.
type TagNotFoundError struct {
	Ref  name.Reference
	Tags []string // up to maxTagsShown of the repository's tags
	More bool     // the repository has more than Tags
	Err  error
}

func (e *TagNotFoundError) Error() string { return e.Err.Error() }
func (e *TagNotFoundError) Unwrap() error { return e.Err }

const maxTagsShown = 10

// notFound turns a 404 for a tag into a TagNotFoundError.
func notFound(ctx context.Context, c *registry.Client, ref name.Reference, err error) error {
	tag, isTag := ref.(name.Tag)
	if !isTag || !errors.Is(err, registry.ErrNotFound) {
		return err
	}
	e := &TagNotFoundError{Ref: tag, Err: err}
	tags, lerr := c.Tags(ctx, ref.Context())
	if lerr == nil {
		e.Tags, e.More = tags[:min(len(tags), maxTagsShown)], len(tags) > maxTagsShown
	}
	return e
}

// layer finds a layer by title.
func (rp *remotePackage) layer(title string) (manifest.Layer, bool) {
	for _, l := range rp.layers {
		if l.Title == title {
			return l, true
		}
	}
	return manifest.Layer{}, false
}

// readBlob fetches a small blob whole. StreamBlob resumes a connection cut
// mid-body and checks the size and digest at EOF.
func (rp *remotePackage) readBlob(ctx context.Context, c *registry.Client, d v1.Descriptor) ([]byte, error) {
	if d.Size > maxSmallBlob {
		return nil, fmt.Errorf("blob %s is %d bytes, over the %d byte limit for metadata", d.Digest, d.Size, maxSmallBlob)
	}
	rc, err := c.StreamBlob(ctx, rp.repo, d, nil)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var buf bytes.Buffer
	buf.Grow(int(d.Size))
	if _, err := buf.ReadFrom(rc); err != nil {
		return nil, err
	}
	rp.keep(d.Digest, buf.Bytes())
	return buf.Bytes(), nil
}

// keep remembers b for alreadyRead while the budget lasts.
func (rp *remotePackage) keep(h v1.Hash, b []byte) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if _, ok := rp.read[h]; ok || rp.kept+int64(len(b)) > keepBudget {
		return
	}
	if rp.read == nil {
		rp.read = map[v1.Hash][]byte{}
	}
	rp.read[h] = b
	rp.kept += int64(len(b))
}

// alreadyRead returns the bytes of a blob readBlob fetched, if any.
func (rp *remotePackage) alreadyRead(digest string) ([]byte, bool) {
	h, err := v1.NewHash(digest)
	if err != nil {
		return nil, false
	}
	rp.mu.Lock()
	defer rp.mu.Unlock()
	b, ok := rp.read[h]
	return b, ok
}

// readLayer returns a small layer by title: the bytes prefetch kept, or
// else a download.
func (rp *remotePackage) readLayer(ctx context.Context, c *registry.Client, title string) ([]byte, error) {
	l, ok := rp.layer(title)
	if !ok {
		return nil, fmt.Errorf("the package has no %s layer: %w", title, fs.ErrNotExist)
	}
	if b, ok := rp.alreadyRead(l.Digest); ok {
		return b, nil
	}
	b, err := rp.readBlob(ctx, c, layerDescriptor(l))
	if err != nil {
		return nil, fmt.Errorf("reading layer %s: %w", title, err)
	}
	return b, nil
}

// prefetch reads the small layers of titles that the package has, up to
// limit at a time, and keeps them for readLayer: zarf.yaml, checksums.txt
// and the signature files are each needed before any download, and read
// one after another they cost a round trip each. A title the package lacks
// is skipped; readLayer then says so.
func (rp *remotePackage) prefetch(ctx context.Context, c *registry.Client, limit int, titles ...string) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(limit)
	for _, title := range titles {
		if _, ok := rp.layer(title); ok {
			g.Go(func() error {
				_, err := rp.readLayer(gctx, c, title)
				return err
			})
		}
	}
	return g.Wait()
}

// definition fetches and parses zarf.yaml, returning its raw bytes too.
func (rp *remotePackage) definition(ctx context.Context, c *registry.Client) (*definition.Package, []byte, error) {
	raw, err := rp.readLayer(ctx, c, "zarf.yaml")
	if err != nil {
		return nil, nil, err
	}
	def, err := definition.Parse(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("zarf.yaml: %w", err)
	}
	switch got := def.Architecture(); {
	case rp.wantArch == "" || got == rp.wantArch:
	case rp.fromIndex:
		return nil, nil, fmt.Errorf("the %s entry of the index points at %s, whose zarf.yaml says architecture %q: refusing a mislabelled package",
			rp.wantArch, rp.repo.Digest(rp.desc.Digest.String()), got)
	default:
		return nil, nil, fmt.Errorf("%s is a single %s package, not %s (-a %s)",
			rp.repo.Digest(rp.desc.Digest.String()), got, rp.wantArch, rp.wantArch)
	}
	if err := checkName(def.Metadata.Name); err != nil {
		return nil, nil, err
	}
	return def, raw, nil
}

func layerDescriptor(l manifest.Layer) v1.Descriptor {
	h, _ := v1.NewHash(l.Digest)
	return v1.Descriptor{MediaType: manifest.MediaTypeLayer, Size: l.Size, Digest: h}
}
