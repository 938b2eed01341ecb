package journey

import (
	"context"
	"errors"
	"io/fs"

	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/registry"
	"github.com/docker-zarf/docker-zarf/signature"
)

// Verify is what a journey does about a package's signature, as Zarf's
// --key and --verify do. The zero value verifies when it can: a signed
// package without a key, or an unsigned one, is reported as a warning.
type Verify struct {
	// Key is the cosign public key; nil when none was given.
	Key *signature.PublicKey
	// Policy is always, if-possible or never. Default (""): if-possible.
	Policy signature.Policy
	// Report receives the outcome once it is known, before any component
	// is fetched: verified, or the warning to print. Default (nil): none.
	Report func(signature.Outcome)
}

// check applies v to the package's zarf.yaml and signature files; read
// returns a file's bytes, or an error wrapping fs.ErrNotExist.
func (v Verify) check(zarfYAML []byte, read func(string) ([]byte, error)) error {
	pkg := signature.Package{ZarfYAML: zarfYAML}
	var err error
	if pkg.Bundle, err = optional(read(signature.BundleFile)); err != nil {
		return err
	}
	if pkg.Legacy, err = optional(read(signature.LegacyFile)); err != nil {
		return err
	}
	out := v.Policy.Check(pkg, v.Key)
	if out.Err != nil {
		return out.Err
	}
	// An unsigned package looked at without a key claims nothing and
	// was asked for nothing: Zarf's "not verified" warning on every
	// pull and inspect of one would teach users to ignore it for the
	// signed packages it matters for.
	if signed, _ := signature.IsSigned(pkg); out.Warning != nil && !signed {
		return nil
	}
	if v.Report != nil {
		v.Report(out)
	}
	return nil
}

func optional(b []byte, err error) ([]byte, error) {
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// files are the signature layers checkRemote reads, for prefetch.
func (v Verify) files() []string {
	if v.Policy == signature.Never {
		return nil
	}
	return []string{signature.BundleFile, signature.LegacyFile}
}

// checkRemote verifies from the registry: only the signature layers are
// read here, zarf.yaml already was.
func (v Verify) checkRemote(ctx context.Context, c *registry.Client, rp *remotePackage, zarfYAML []byte) error {
	if v.Policy == signature.Never {
		return nil
	}
	return v.check(zarfYAML, func(title string) ([]byte, error) { return rp.readLayer(ctx, c, title) })
}

// checkLocal verifies a package on disk.
func (v Verify) checkLocal(pkg *layout.Package) error {
	if v.Policy == signature.Never {
		return nil
	}
	raw, err := pkg.ReadFile("zarf.yaml")
	if err != nil {
		return err
	}
	return v.check(raw, pkg.ReadFile)
}
