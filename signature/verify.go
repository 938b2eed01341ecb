package signature

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
)

// maxBundleSize caps the zarf.bundle.sig that Verify parses: a key bundle is
// under 1 KiB and a keyless one with a chain and tlog entries a few KiB.
const maxBundleSize = 1 << 20

// Package is the part of a Zarf package that its signature concerns. Only
// these three files are needed to decide: a remote package can be verified
// before any component is fetched.
type Package struct {
	// ZarfYAML is zarf.yaml, byte for byte.
	ZarfYAML []byte
	// Bundle is zarf.bundle.sig; nil when the package has none.
	Bundle []byte
	// Legacy is zarf.yaml.sig; nil when the package has none.
	Legacy []byte
}

// Result tells how a signature verified.
type Result struct {
	// Legacy is true when zarf.yaml.sig was verified because there was no
	// zarf.bundle.sig. Zarf then warns MsgLegacy.
	Legacy bool
}

// IsSigned reports whether Zarf considers the package signed: build.signed
// when zarf.yaml has it, otherwise whether zarf.yaml.sig is present (for
// packages made before build.signed existed). A zarf.bundle.sig alone, with
// no build.signed, does not make a package signed, as in Zarf.
func IsSigned(p Package) (bool, error) {
	b, err := readBuild(p.ZarfYAML)
	if err != nil {
		return false, err
	}
	if b.Signed != nil {
		return *b.Signed, nil
	}
	return p.Legacy != nil, nil
}

// Verify checks the package's signature with key, or reports that there is
// nothing to check, making the decisions of Zarf's VerifyPackageSignature in
// the same order with the same wording:
//   - not signed: ErrNotSigned if a key was given, otherwise an error that
//     wraps ErrNoVerificationMaterial;
//   - signed but no key: an error that wraps ErrNoVerificationMaterial;
//   - zarf.bundle.sig present: verified with sigstore-go against the key
//     alone (no tlog, no certificate, no timestamp; the key hint is ignored
//     as cosign ignores it); an unparsable bundle is an error;
//   - otherwise zarf.yaml.sig, verified as cosign verify-blob --signature;
//   - neither: ErrSignatureNotFound.
//
// A nil key means no key was given. Only ErrNoVerificationMaterial may be
// tolerated by a caller (see Policy); every other error means the package
// must not be trusted.
func Verify(p Package, key *PublicKey) (Result, error) {
	signed, err := IsSigned(p)
	if err != nil {
		return Result{}, err
	}
	if !signed {
		if key != nil {
			return Result{}, ErrNotSigned
		}
		return Result{}, fmt.Errorf("package is not signed - verification cannot be performed: %w", ErrNoVerificationMaterial)
	}
	var b *bundle.Bundle
	var bundleErr error
	if p.Bundle != nil {
		b, bundleErr = parseBundle(p.Bundle)
	}
	if b != nil && key == nil {
		return Result{}, needKey(b)
	}
	if key == nil {
		return Result{}, fmt.Errorf("package is signed but no verification material was provided (--key): %w", ErrNoVerificationMaterial)
	}
	switch {
	case bundleErr != nil:
		return Result{}, fmt.Errorf("error checking bundle signature: %w", bundleErr)
	case b != nil:
		return Result{}, verifyParsed(p.ZarfYAML, b, key)
	case p.Legacy == nil:
		return Result{}, ErrSignatureNotFound
	}
	return Result{Legacy: true}, verifyLegacy(p.ZarfYAML, p.Legacy, key)
}

// needKey is the "signed, but no key" error, naming what the bundle needs.
func needKey(b *bundle.Bundle) error {
	vc, err := b.VerificationContent()
	if err == nil {
		if _, ok := vc.(*bundle.Certificate); ok {
			// Zarf asks for --certificate-identity here; docker-zarf has
			// no keyless verification to offer.
			return fmt.Errorf("package was signed with keyless method, which docker-zarf cannot verify (zarf package verify --certificate-identity … --certificate-oidc-issuer … can): %w", ErrNoVerificationMaterial)
		}
	}
	return fmt.Errorf("package was signed with a key; provide --key to verify: %w", ErrNoVerificationMaterial)
}

func parseBundle(data []byte) (*bundle.Bundle, error) {
	if len(data) > maxBundleSize {
		return nil, fmt.Errorf("loading bundle: %s is %d bytes, more than the %d a signature bundle can be", BundleFile, len(data), maxBundleSize)
	}
	var b bundle.Bundle
	if err := b.UnmarshalJSON(data); err != nil {
		return nil, fmt.Errorf("loading bundle: %w", err)
	}
	return &b, nil
}

// verifyBundle parses and verifies a bundle over data.
func verifyBundle(data, bundleJSON []byte, key *PublicKey) error {
	b, err := parseBundle(bundleJSON)
	if err != nil {
		return err
	}
	return verifyParsed(data, b, key)
}

// verifyParsed is cosign verify-blob --key --new-bundle-format
// --insecure-ignore-tlog: the trusted material is the key alone, whatever
// the bundle's hint says, and no timestamp is required.
func verifyParsed(data []byte, b *bundle.Bundle, key *PublicKey) error {
	k := root.NewExpiringKey(key.v, time.Time{}, time.Time{})
	tm := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) { return k, nil })
	v, err := verify.NewVerifier(tm, verify.WithNoObserverTimestamps())
	if err != nil {
		return err
	}
	_, err = v.Verify(b, verify.NewPolicy(verify.WithArtifact(bytes.NewReader(data)), verify.WithKey()))
	return err
}

// verifyLegacy is cosign verify-blob --key --signature zarf.yaml.sig: the
// file holds the base64 of the signature, or (if it does not decode as
// base64) the raw signature.
func verifyLegacy(data, sig []byte, key *PublicKey) error {
	raw, err := base64.StdEncoding.DecodeString(string(sig))
	if err != nil {
		raw = sig
	}
	return key.v.VerifySignature(bytes.NewReader(raw), bytes.NewReader(data))
}
