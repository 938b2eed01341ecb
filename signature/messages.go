package signature

import "errors"

// File names inside a package, as Zarf spells them.
const (
	// BundleFile is the sigstore bundle over zarf.yaml (Zarf ≥ v0.71).
	BundleFile = "zarf.bundle.sig"
	// LegacyFile is cosign's base64 signature over zarf.yaml (older Zarf).
	LegacyFile = "zarf.yaml.sig"
	// BundleMediaType is the mediaType field of the bundles Zarf writes.
	BundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"
)

// The version requirement Zarf records in build.versionRequirements when it
// writes a bundle signature; older Zarf versions refuse such a package.
const (
	BundleVersionRequirement = "v0.71.0"
	BundleVersionReason      = "This package contains a bundle format signature which requires Zarf v0.71.0 or later"
)

// User-facing wording, copied from Zarf v0.84 (and cosign, for MsgVerified) so
// that docker-zarf prints what Zarf prints.
const (
	// MsgVerified is printed (to stderr) after a signature verified.
	MsgVerified = "Verified OK"
	// MsgNotVerified is Zarf's warning when --verify=if-possible lets an
	// unverified package through; Zarf logs the reason after it.
	MsgNotVerified = "package signature not verified; continuing"
	// MsgVerifyFailed prefixes every fatal verification error.
	MsgVerifyFailed = "signature verification failed"
	// MsgLegacy is Zarf's warning when only zarf.yaml.sig is present.
	MsgLegacy = "bundle format signature not found: legacy signature is being deprecated."
)

// ErrNoVerificationMaterial marks the outcomes that mean "nothing to verify
// against": the package is unsigned, or it is signed and no key was given.
// --verify=if-possible lets these through with a warning; every other
// verification error is fatal. The text is Zarf's.
var ErrNoVerificationMaterial = errors.New("no verification material available")

// ErrNotSigned is returned when a key was given but the package is not
// signed. It is always fatal, as in Zarf. The text is Zarf's.
var ErrNotSigned = errors.New("verification material was provided but the package is not signed")

// ErrSignatureNotFound is returned when zarf.yaml says the package is signed
// but neither zarf.bundle.sig nor zarf.yaml.sig is there. The text is Zarf's.
var ErrSignatureNotFound = errors.New("signature not found: neither bundle nor legacy signature exists")
