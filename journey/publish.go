package journey

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/manifest"
	"github.com/docker-zarf/docker-zarf/progress"
	"github.com/docker-zarf/docker-zarf/registry"
	"github.com/docker-zarf/docker-zarf/signature"
)

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
	// One ping and one token for all of it: the reads below share the
	// push scope with the uploads. An error is not the publish's: a token
	// server that refuses push (read-only credentials, enough for an
	// unchanged republish) leaves each request to ask for its own scope.
	_ = c.Authorize(ctx, repo, true)
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
