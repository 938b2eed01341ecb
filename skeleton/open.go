package skeleton

import (
	"context"
	"errors"
	"os"

	"github.com/docker-zarf/docker-zarf/layout"
)

// Open builds the skeleton of the package source in srcDir (see Build) and
// opens it as a package, ready to publish like any other. The caller closes
// the package and then calls remove, which deletes the skeleton's files.
func Open(ctx context.Context, srcDir string, opts Options) (pkg *layout.Package, remove func() error, err error) {
	dir, err := Build(ctx, srcDir, opts)
	if err != nil {
		return nil, nil, err
	}
	remove = func() error { return os.RemoveAll(dir) }
	pkg, err = layout.Open(ctx, dir)
	if err != nil {
		return nil, nil, errors.Join(err, remove())
	}
	return pkg, remove, nil
}
