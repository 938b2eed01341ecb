package signature

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	sigsig "github.com/sigstore/sigstore/pkg/signature"
	sigopts "github.com/sigstore/sigstore/pkg/signature/options"
	"google.golang.org/protobuf/encoding/protojson"
)

// Signed is what signing a package produces, all in memory.
type Signed struct {
	// ZarfYAML replaces the package's zarf.yaml. It is the input with the
	// build block marked as signed (see MarkSigned); if the input was
	// already marked, it is the input unchanged.
	ZarfYAML []byte
	// Bundle is the new zarf.bundle.sig.
	Bundle []byte
}

// Sign re-signs a package's metadata as Zarf's SignPackage does: it marks
// zarf.yaml as signed and signs the result with key. The caller then writes
// Signed.ZarfYAML and Signed.Bundle as the package's zarf.yaml and
// zarf.bundle.sig, drops any zarf.yaml.sig (Zarf deletes it), keeps
// checksums.txt as it is (signing changes no checksum) and rebuilds the
// config blob and manifest from the new zarf.yaml.
func Sign(zarfYAML []byte, key *PrivateKey) (Signed, error) {
	marked, err := MarkSigned(zarfYAML)
	if err != nil {
		return Signed{}, err
	}
	b, err := SignBlob(marked, key)
	if err != nil {
		return Signed{}, err
	}
	return Signed{ZarfYAML: marked, Bundle: b}, nil
}

// SignBlob signs data as cosign sign-blob --new-bundle-format
// --tlog-upload=false does with a key, and returns the bundle's JSON: a
// messageSignature over data (with data's digest) and the public key's hint;
// no tlog entry, no timestamp, no certificate. The bundle is assembled here
// rather than with sigstore-go's sign package, which would link its Rekor
// and timestamp clients (+1.1 MB) for a path that never uses them. The
// result is verified with sigstore-go before it is returned.
func SignBlob(data []byte, key *PrivateKey) ([]byte, error) {
	pub, err := key.sv.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("getting public key: %w", err)
	}
	hint, err := keyHint(pub)
	if err != nil {
		return nil, err
	}
	// No load options, as cosign without a transparency log: sha256 for
	// P-256, pure ed25519 (which records no digest).
	alg, err := sigsig.GetDefaultAlgorithmDetails(pub)
	if err != nil {
		return nil, fmt.Errorf("getting default algorithm details: %w", err)
	}
	var digest []byte
	var opts []sigsig.SignOption
	if h := alg.GetHashType(); h != 0 {
		hh := h.New()
		hh.Write(data)
		digest = hh.Sum(nil)
		opts = append(opts, sigopts.WithDigest(digest))
	}
	sig, err := key.sv.SignMessage(bytes.NewReader(data), opts...)
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	out, err := protojson.Marshal(&protobundle.Bundle{
		MediaType: BundleMediaType,
		VerificationMaterial: &protobundle.VerificationMaterial{
			Content: &protobundle.VerificationMaterial_PublicKey{
				PublicKey: &protocommon.PublicKeyIdentifier{Hint: hint},
			},
		},
		Content: &protobundle.Bundle_MessageSignature{
			MessageSignature: &protocommon.MessageSignature{
				MessageDigest: &protocommon.HashOutput{Algorithm: alg.GetProtoHashType(), Digest: digest},
				Signature:     sig,
			},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("encoding bundle: %w", err)
	}
	v, err := sigsig.LoadVerifier(pub, crypto.SHA256)
	if err != nil {
		return nil, err
	}
	if err := verifyBundle(data, out, &PublicKey{v: v}); err != nil {
		return nil, fmt.Errorf("checking the new signature: %w", err)
	}
	return out, nil
}

// keyHint is cosign's public-key hint: base64 of the sha256 of the key's
// PKIX DER. Verifiers ignore it; it only names the key.
func keyHint(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("marshalling public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return base64.StdEncoding.EncodeToString(sum[:]), nil
}
