package journey

import (
	"context"
	"io"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/registry"
	"github.com/docker-zarf/docker-zarf/signature"
)

// VerifyOptions tune VerifyRemote and VerifyLocal.
type VerifyOptions struct {
	// Arch picks a package from an index. Default (""): runtime.GOARCH.
	Arch string
	// Key is the cosign public key the signature must verify with. nil
	// fails, as `zarf package verify` without --key does.
	Key *signature.PublicKey
}

// Verified is what a verification found.
type Verified struct {
	Package string `json:"package"`
	Legacy  bool   `json:"legacySignature"` // verified against zarf.yaml.sig
	Files   int    `json:"files"`           // files whose checksums were checked
}

// always is verify's policy: a signature is required and must verify.
func (o VerifyOptions) always(legacy *bool) Verify {
	return Verify{Key: o.Key, Policy: signature.Always, Report: func(out signature.Outcome) { *legacy = out.Legacy }}
}

// VerifyRemote checks a package in a registry as `zarf package verify`
// does, from its metadata alone: checksums.txt against zarf.yaml's
// aggregate checksum and against every layer's digest (the registry serves
// each layer by that digest, and a pull checks the bytes against it), the
// layer titles, then the signature over zarf.yaml with o.Key.
func VerifyRemote(ctx context.Context, c *registry.Client, ref name.Reference, o VerifyOptions) (Verified, error) {
	rp, err := resolvePackage(ctx, c, ref, o.Arch)
	if err != nil {
		return Verified{}, err
	}
	v := o.always(new(bool))
	if err := rp.prefetch(ctx, c, DefaultConcurrency, append([]string{"zarf.yaml", "checksums.txt"}, v.files()...)...); err != nil {
		return Verified{}, err
	}
	def, raw, err := rp.definition(ctx, c)
	if err != nil {
		return Verified{}, err
	}
	if err := checkTitles(rp.layers); err != nil {
		return Verified{}, err
	}
	if err := verifyPlan(ctx, c, rp, def, false); err != nil {
		return Verified{}, err
	}
	res := Verified{Package: rp.repo.Digest(rp.desc.Digest.String()).String(), Files: len(rp.layers)}
	if err := o.always(&res.Legacy).checkRemote(ctx, c, rp, raw); err != nil {
		return Verified{}, err
	}
	return res, nil
}

// VerifyLocal checks a package on disk: every file against checksums.txt
// (each is read and hashed once), then the signature over zarf.yaml.
func VerifyLocal(ctx context.Context, path string, o VerifyOptions) (Verified, error) {
	pkg, err := layout.Open(ctx, path)
	if err != nil {
		return Verified{}, err
	}
	defer pkg.Close()
	res := Verified{Package: path}
	err = pkg.Walk(ctx, func(_ layout.File, r io.Reader) error {
		res.Files++
		_, err := io.Copy(io.Discard, r)
		return err
	})
	if err != nil {
		return Verified{}, err
	}
	if err := o.always(&res.Legacy).checkLocal(pkg); err != nil {
		return Verified{}, err
	}
	return res, nil
}
