// Package signature signs and verifies Zarf package signatures the way Zarf
// v0.84 does, with a cosign key and no network: no transparency log, no
// Fulcio, no TUF.
//
// # What Zarf signs
//
// The signature covers the exact bytes of zarf.yaml, nothing else. The
// package's other files are bound to zarf.yaml through checksums.txt, whose
// sha256 is metadata.aggregateChecksum (build.aggregateChecksum in v1beta1).
// zarf.yaml, checksums.txt and the signature files are themselves outside
// checksums.txt, so signing never changes checksums.txt or the aggregate
// checksum.
//
// Two formats exist:
//   - zarf.bundle.sig (Zarf ≥ v0.71): a sigstore bundle v0.3 in protobuf JSON
//     with a messageSignature (sha256 digest of zarf.yaml plus the signature
//     over zarf.yaml) and verificationMaterial.publicKey.hint (base64 of the
//     sha256 of the public key's DER). No DSSE envelope, no tlog entry, no
//     certificate.
//   - zarf.yaml.sig (older packages): cosign sign-blob's output, the base64
//     of the raw signature over zarf.yaml.
//
// # The sequence of Zarf's SignPackage (layout/package.go)
//
//  1. In the parsed definition: build.signed = true; append zarf.bundle.sig to
//     build.provenanceFiles (once); append the version requirement
//     {v0.71.0, "This package contains a bundle format signature which
//     requires Zarf v0.71.0 or later"} to build.versionRequirements (once).
//  2. Marshal zarf.yaml again and sign those bytes with cosign sign-blob
//     --new-bundle-format, --tlog-upload=false, no signing config: the bundle
//     is written to zarf.bundle.sig.
//  3. Replace zarf.yaml, add zarf.bundle.sig, delete any zarf.yaml.sig.
//  4. Recompute the OCI manifest: the zarf.yaml layer, the zarf.bundle.sig
//     layer and the config blob (the JSON of zarf.yaml) change; checksums.txt
//     and the component layers do not.
//
// [Sign] does steps 1 and 2 in memory ([MarkSigned] is step 1 alone); the
// caller does 3 and 4. Step 1 edits the build block as text rather than
// re-marshalling the whole file, so for a zarf.yaml that Zarf wrote the result
// is byte-identical to Zarf's, and everything outside the build block is kept.
//
// # Verification
//
// [Verify] follows Zarf's VerifyPackageSignature decision for decision and
// word for word; [Policy] is the --verify flag (always, if-possible, never) and
// turns the result into what Zarf's LoadFromDir does with it.
package signature
