package journey

import (
	"context"
	"errors"

	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/skeleton"
)

// OpenOptions tune OpenPackage. The zero value opens a built package as it
// is, and builds a skeleton of a package source with every component that
// has no flavor, as `zarf package publish DIR` does.
type OpenOptions struct {
	// Flavor selects the components of a package source by only.flavor.
	Flavor string
	// Arch selects a package source's components by
	// only.cluster.architecture. Default (""): the source's
	// metadata.architecture, else this machine's.
	Arch string
	// ScanCache, when set, keeps the scan of a .tar.zst there so that
	// opening the same unchanged file again does not decompress it
	// (layout.OpenOptions.ScanCache); ScanCacheDir(DefaultCacheDir()) is
	// the usual place. Default (""): every open decompresses.
	ScanCache string
}

// OpenPackage opens what publish was given: a built package in any form
// layout reads, or a package source (a directory whose zarf.yaml has no
// checksums.txt beside it), which becomes a skeleton in a temporary
// directory first. close releases the package and its temporary files;
// the source itself is never written to.
func OpenPackage(ctx context.Context, path string, o OpenOptions) (pkg *layout.Package, close func() error, err error) {
	pkg, err = layout.OpenWith(ctx, path, layout.OpenOptions{ScanCache: o.ScanCache})
	if err == nil {
		return pkg, pkg.Close, nil
	}
	if !errors.Is(err, layout.ErrSkeleton) {
		return nil, nil, err
	}
	pkg, remove, err := skeleton.Open(ctx, path, skeleton.Options{Flavor: o.Flavor, HostArch: o.Arch})
	if err != nil {
		return nil, nil, err
	}
	return pkg, func() error { return errors.Join(pkg.Close(), remove()) }, nil
}

// IsSkeleton tells a skeleton package, which carries the source of its
// components for `import: url: oci://…`, from a built one.
func IsSkeleton(pkg *layout.Package) bool { return pkg.Definition.Architecture() == "skeleton" }
