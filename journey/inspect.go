package journey

import (
	"context"
	"fmt"
	"os"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/manifest"
	"github.com/docker-zarf/docker-zarf/registry"
	"github.com/docker-zarf/docker-zarf/signature"
)

// sbomLimits bound what --sbom unpacks. Zarf writes sboms.tar as a plain
// tar of one HTML and one JSON file per image; a Big Bang package has a
// few hundred images and some hundreds of MB of SBOMs.
func sbomLimits() layout.Limits {
	return layout.Limits{MaxBytes: 4 << 30, MaxEntries: 50_000, Plain: true}
}

// InspectOptions tune Inspect and InspectLocal. The zero value reads this
// machine's architecture and returns zarf.yaml and the layers.
type InspectOptions struct {
	// Arch is the architecture to inspect. Default (""): runtime.GOARCH.
	Arch string
	// LayersOnly skips zarf.yaml: the manifest alone answers.
	LayersOnly bool
	// SBOMDir, when set, receives the extracted sboms.tar instead.
	SBOMDir string
	// Verify checks the signature. Default: verify when a key is given,
	// warn otherwise.
	Verify Verify
}

// Inspected is what Inspect found, whichever the source.
type Inspected struct {
	Raw    []byte           // zarf.yaml as stored
	JSON   []byte           // the definition as JSON
	Layers []manifest.Layer // titles, digests and sizes
}

// Inspect fetches the index, the manifest and zarf.yaml, and with SBOMDir
// the sboms.tar layer, nothing else.
func Inspect(ctx context.Context, c *registry.Client, ref name.Reference, o InspectOptions) (*Inspected, error) {
	rp, err := resolvePackage(ctx, c, ref, o.Arch)
	if err != nil {
		return nil, err
	}
	res := &Inspected{Layers: rp.layers}
	// Listing layers needs only the manifest; the signature is read
	// when the user asked for it (a key, or --verify=always).
	if o.LayersOnly && (o.Verify.Policy == signature.Never || (o.Verify.Key == nil && o.Verify.Policy != signature.Always)) {
		return res, nil
	}
	if err := rp.prefetch(ctx, c, DefaultConcurrency, append([]string{"zarf.yaml"}, o.Verify.files()...)...); err != nil {
		return nil, err
	}
	def, raw, err := rp.definition(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := o.Verify.checkRemote(ctx, c, rp, raw); err != nil {
		return nil, err
	}
	res.Raw, res.JSON = raw, def.JSON()
	if o.SBOMDir != "" {
		return res, extractRemoteSBOM(ctx, c, rp, o.SBOMDir)
	}
	return res, nil
}

// extractRemoteSBOM streams sboms.tar through a verifying download into a
// scratch file, then extracts it safely.
func extractRemoteSBOM(ctx context.Context, c *registry.Client, rp *remotePackage, dir string) error {
	l, ok := rp.layer("sboms.tar")
	if !ok {
		return fmt.Errorf("the package has no SBOMs (no sboms.tar layer); it was built with --skip-sbom")
	}
	tmp, err := os.MkdirTemp("", "docker-zarf-sbom-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	path := tmp + "/sboms.tar"
	if err := c.Fetch(ctx, rp.repo, layerDescriptor(l), path, nil); err != nil {
		return fmt.Errorf("pulling layer sboms.tar: %w", err)
	}
	return extractFile(ctx, path, dir)
}

func extractFile(ctx context.Context, path, dir string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := layout.Extract(ctx, f, dir, sbomLimits()); err != nil {
		return fmt.Errorf("extracting sboms.tar into %s: %w", dir, err)
	}
	return nil
}

// InspectLocal reads a package on disk in any form publish accepts.
func InspectLocal(ctx context.Context, path string, o InspectOptions) (*Inspected, error) {
	pkg, err := layout.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer pkg.Close()
	raw, err := pkg.ReadFile("zarf.yaml")
	if err != nil {
		return nil, err
	}
	if err := o.Verify.checkLocal(pkg); err != nil {
		return nil, err
	}
	res := &Inspected{Raw: raw, JSON: pkg.Definition.JSON()}
	for _, f := range pkg.Files {
		res.Layers = append(res.Layers, manifest.Layer{Title: f.Path, Digest: f.Digest, Size: f.Size})
	}
	if o.SBOMDir != "" {
		return res, extractLocalSBOM(ctx, pkg, o.SBOMDir)
	}
	return res, nil
}

func extractLocalSBOM(ctx context.Context, pkg *layout.Package, dir string) error {
	for _, f := range pkg.Files {
		if f.Path != "sboms.tar" {
			continue
		}
		rc, err := pkg.Open(f)
		if err != nil {
			return err
		}
		defer rc.Close()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		return layout.Extract(ctx, rc, dir, sbomLimits())
	}
	return fmt.Errorf("the package has no SBOMs (no sboms.tar); it was built with --skip-sbom")
}
