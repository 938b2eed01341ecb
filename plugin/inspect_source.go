package plugin

import (
	"context"
	"fmt"
	"os"

	"github.com/docker/cli/cli/command"

	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/manifest"
	"github.com/docker-zarf/docker-zarf/registry"
)

// inspectRemote fetches the index, the manifest and zarf.yaml, and with
// --sbom the sboms.tar layer, nothing else.
func inspectRemote(ctx context.Context, dockerCli command.Cli, info BuildInfo, opts inspectOptions, src string) (*inspected, error) {
	ref, err := parseReference(src)
	if err != nil {
		return nil, err
	}
	c, err := opts.remote.client(dockerCli, info)
	if err != nil {
		return nil, err
	}
	rp, err := resolvePackage(ctx, c, ref, opts.arch)
	if err != nil {
		return nil, err
	}
	res := &inspected{layers: rp.layers}
	if opts.layers {
		return res, nil
	}
	if opts.sbom != "" {
		return res, extractRemoteSBOM(ctx, c, rp, opts.sbom)
	}
	def, raw, err := rp.definition(ctx, c)
	if err != nil {
		return nil, err
	}
	res.raw, res.json = raw, def.JSON()
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
	if err := layout.Extract(ctx, f, dir); err != nil {
		return fmt.Errorf("extracting sboms.tar into %s: %w", dir, err)
	}
	return nil
}

// inspectLocal reads a package on disk in any form publish accepts.
func inspectLocal(ctx context.Context, opts inspectOptions, src string) (*inspected, error) {
	pkg, err := openPackage(ctx, src)
	if err != nil {
		return nil, err
	}
	defer pkg.Close()
	raw, err := pkg.ReadFile("zarf.yaml")
	if err != nil {
		return nil, err
	}
	res := &inspected{raw: raw, json: pkg.Definition.JSON()}
	for _, f := range pkg.Files {
		res.layers = append(res.layers, manifest.Layer{Title: f.Path, Digest: f.Digest, Size: f.Size})
	}
	if opts.sbom != "" {
		return res, extractLocalSBOM(ctx, pkg, opts.sbom)
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
		return layout.Extract(ctx, rc, dir)
	}
	return fmt.Errorf("the package has no SBOMs (no sboms.tar); it was built with --skip-sbom")
}
