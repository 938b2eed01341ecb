package journey

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/errgroup"

	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/manifest"
	"github.com/docker-zarf/docker-zarf/progress"
	"github.com/docker-zarf/docker-zarf/registry"
	"github.com/docker-zarf/docker-zarf/signature"
)

// spoolLimit is the largest entry of a compressed archive that is read into
// memory so that it can upload while the decompressor moves on. Bigger
// entries stream straight from the decompressor. With the default
// concurrency of 6 this bounds the spool at 6 MiB.
const spoolLimit = 1 << 20

// PublishOptions tune Publish. The zero value publishes under the
// package's own tag, DefaultConcurrency transfers at a time, silently.
type PublishOptions struct {
	// Arch, when set, is the architecture the package must be built for:
	// publishing another is an error rather than a surprise in the index.
	Arch string
	// Tag overrides the tag, which is otherwise the package version with
	// -<flavor> when it has one (manifest.Tag).
	Tag string
	// Concurrency bounds the blob transfers at a time. Default (0):
	// DefaultConcurrency.
	Concurrency int
	// Progress receives a bar per blob. Default (nil): none.
	Progress progress.Tracker
	// Warnf receives warnings (a registry that refuses image indexes).
	// Default (nil): discarded.
	Warnf func(format string, args ...any)
	// SigningKey, when set, signs (or re-signs) the package as it goes up,
	// as `zarf package publish --signing-key` does. Default (nil): the
	// package is published as it is.
	SigningKey *signature.PrivateKey
}

// Published is what Publish and Copy did; `publish --format json` prints
// it.
type Published struct {
	Reference    string `json:"reference"`
	Digest       string `json:"digest"` // the manifest's
	Size         int64  `json:"size"`
	Layers       int    `json:"layers"`
	Architecture string `json:"architecture"`
	// IndexDigest is the index the tag now points at; "" when the
	// registry takes no indexes and the manifest was tagged directly.
	IndexDigest string `json:"indexDigest,omitempty"`
	// Replaced is the manifest the tag held for this architecture before,
	// when it was another.
	Replaced string `json:"replaced,omitempty"`
	// Unchanged is true when the tag already held this very manifest for
	// its architecture: nothing was uploaded and the tag did not move.
	Unchanged bool `json:"unchanged,omitempty"`
}

func (p Published) unchanged() Published {
	p.Unchanged = true
	return p
}

// published fills in what tagIndex did.
func published(ref name.Tag, d v1.Descriptor, layers int, t tagged) Published {
	p := Published{Reference: ref.String(), Digest: d.Digest.String(), Size: d.Size, Layers: layers}
	if d.Platform != nil {
		p.Architecture = d.Platform.Architecture
	}
	if t.index != (v1.Hash{}) {
		p.IndexDigest = t.index.String()
	}
	if t.replaced != (v1.Hash{}) {
		p.Replaced = t.replaced.String()
	}
	return p
}

// ErrNoTag is returned when the package has no version to tag it with and
// no tag was given.
var ErrNoTag = errors.New("the package has no version to tag it with")

// noTagError is manifest.Tag's own message, which says why there is no
// tag, recognisable as ErrNoTag.
type noTagError struct{ error }

func (e noTagError) Unwrap() []error { return []error{e.error, ErrNoTag} }

// Publish pushes every blob, then the manifest by digest, then the index
// under the tag. That order means a tag never points at a manifest whose
// blobs are missing, whatever moment the process dies at.
func Publish(ctx context.Context, c *registry.Client, pkg *layout.Package, ns name.Repository, o PublishOptions) (Published, error) {
	set, err := planPublish(pkg, o.SigningKey)
	if err != nil {
		return Published{}, err
	}
	def := set.def
	if o.Arch != "" && def.Architecture() != o.Arch {
		return Published{}, fmt.Errorf("the package is built for %s, not %s (-a %s)", def.Architecture(), o.Arch, o.Arch)
	}
	if err := checkName(def.Metadata.Name); err != nil {
		return Published{}, err
	}
	tag := o.Tag
	if tag == "" {
		t, err := manifest.Tag(def)
		if err != nil {
			return Published{}, noTagError{err}
		}
		tag = t
	}
	repo, err := packageRepository(ns, def.Metadata.Name)
	if err != nil {
		return Published{}, err
	}
	if err := checkTag(repo, tag); err != nil {
		return Published{}, err
	}
	layers := make([]manifest.Layer, 0, len(set.files))
	for _, f := range set.files {
		layers = append(layers, manifest.Layer{Title: f.Path, Digest: f.Digest, Size: f.Size})
	}
	built, err := manifest.Build(def, layers)
	if err != nil {
		return Published{}, err
	}
	p := &pusher{c: c, repo: repo, concurrency: concurrency(o.Concurrency), tr: tracker(o.Progress)}
	total := built.ConfigDescriptor.Size
	for _, f := range set.files {
		total += f.Size
	}
	p.tr.SetTotal(total)
	ref := repo.Tag(tag)
	// Every digest of the manifest is known before a byte is read, so the
	// registry is asked first whether it holds the manifest already.
	st := remoteState(ctx, c, ref, built.Descriptor, p.concurrency)
	if st.tagged() {
		p.skipAll(set.files, built)
		return published(ref, built.Descriptor, len(layers), tagged{index: st.index}).unchanged(), nil
	}
	if !st.manifest {
		if err := p.pushBlobs(ctx, pkg, set, built); err != nil {
			return Published{}, err
		}
		if err := c.PutManifest(ctx, repo.Digest(built.Descriptor.Digest.String()), string(types.OCIManifestSchema1), built.Manifest); err != nil {
			return Published{}, fmt.Errorf("pushing the manifest: %w", err)
		}
	} else {
		// A manifest in the repository has its blobs there: the registry
		// refused it otherwise. Only the tag is left to move.
		p.skipAll(set.files, built)
	}
	t, err := tagIndex(ctx, c, ref, built.Descriptor, built.Manifest, warnf(o.Warnf))
	if err != nil {
		return Published{}, err
	}
	return published(ref, built.Descriptor, len(layers), t), nil
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

// pusher uploads blobs into one repository.
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
func (p *pusher) pushBlobs(ctx context.Context, pkg *layout.Package, set publishSet, built *manifest.Built) error {
	missing, err := p.missingFiles(ctx, set.files)
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(p.concurrency)
	g.Go(func() error {
		return p.pushOne(gctx, built.ConfigDescriptor, "config", bytesOpener(built.Config))
	})
	// Files from memory (a re-signed zarf.yaml) go up from there; the
	// package's own copies of them are not read.
	for _, f := range set.files {
		if b, ok := set.mem[f.Path]; ok {
			if missing[f.Path] {
				g.Go(func() error { return p.pushOne(gctx, fileDescriptor(f), f.Path, bytesOpener(b)) })
			}
			delete(missing, f.Path)
		}
	}
	switch {
	case len(missing) == 0:
	case pkg.Seekable():
		p.pushSeekable(gctx, g, pkg, missing)
	default:
		if err := p.pushStreamed(gctx, g, pkg, missing); err != nil {
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

// missingFiles asks the registry, Concurrency at a time, which files it
// lacks. A republish of an unchanged package stops here without reading a
// byte of the package's blobs.
func (p *pusher) missingFiles(ctx context.Context, files []layout.File) (map[string]bool, error) {
	exists := make([]bool, len(files))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(p.concurrency)
	for i, f := range files {
		g.Go(func() error {
			ok, err := p.c.BlobExists(gctx, p.repo, fileDescriptor(f))
			if err != nil {
				return blobError("checking layer "+f.Path, err)
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
			p.tr.Track(f.Path, f.Size).Skip("exists")
			continue
		}
		missing[f.Path] = true
	}
	return missing, nil
}

func (p *pusher) pushSeekable(ctx context.Context, g *errgroup.Group, pkg *layout.Package, missing map[string]bool) {
	for _, f := range pkg.Files {
		if !missing[f.Path] {
			continue
		}
		g.Go(func() error {
			return p.pushOne(ctx, fileDescriptor(f), f.Path, func() (io.ReadCloser, error) { return pkg.Open(f) })
		})
	}
}

// pushStreamed walks a compressed archive once. Small entries are spooled
// and uploaded in the background; big ones stream from the decompressor,
// which waits for them. A retry of a streamed entry reopens it through
// pkg.Open, which decompresses the archive again up to that entry.
func (p *pusher) pushStreamed(ctx context.Context, g *errgroup.Group, pkg *layout.Package, missing map[string]bool) error {
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
			g.Go(func() error { return p.pushOne(ctx, d, f.Path, bytesOpener(buf)) })
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
		return p.pushOne(ctx, d, f.Path, open)
	})
}

func (p *pusher) pushOne(ctx context.Context, d v1.Descriptor, title string, open func() (io.ReadCloser, error)) error {
	bar := p.tr.Track(title, d.Size)
	if err := p.c.PushBlob(ctx, p.repo, d, open, bar); err != nil {
		return fmt.Errorf("pushing layer %s: %w", title, err)
	}
	return nil
}

// checkTag refuses a tag the registry would refuse, before any upload.
func checkTag(repo name.Repository, tag string) error {
	if _, err := name.NewTag(repo.String()+":"+tag, name.StrictValidation); err != nil {
		return fmt.Errorf("invalid tag %q: %w", tag, err)
	}
	return nil
}

// blobError names the blob an error is about only when the registry
// answered about that blob: a registry that cannot be reached, or a
// server that is no registry, fails the first request whichever blob it
// is for, and "checking layer images/oci-layout" would mislead.
func blobError(what string, err error) error {
	var rerr *registry.Error
	if errors.As(err, &rerr) && rerr.StatusCode != 0 && rerr.StatusCode != http.StatusUnauthorized && rerr.StatusCode != http.StatusForbidden {
		return fmt.Errorf("%s: %w", what, err)
	}
	return err
}

func bytesOpener(b []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

func fileDescriptor(f layout.File) v1.Descriptor {
	h, _ := v1.NewHash(f.Digest)
	return v1.Descriptor{MediaType: manifest.MediaTypeLayer, Size: f.Size, Digest: h}
}
