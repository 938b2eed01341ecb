package signature

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	sigsig "github.com/sigstore/sigstore/pkg/signature"
)

// The PEM types of cosign's encrypted private keys (cosign generate-key-pair
// writes the first; the second is what older cosign wrote).
const (
	pemSigstorePrivateKey = "ENCRYPTED SIGSTORE PRIVATE KEY"
	pemCosignPrivateKey   = "ENCRYPTED COSIGN PRIVATE KEY"
)

// PublicKey is a cosign public key, ready to verify.
type PublicKey struct {
	v sigsig.Verifier
}

// LoadPublicKey reads a PEM public key (cosign.pub). As cosign verify-blob
// does by default, signatures are checked over sha256 (ed25519 keys verify
// the message itself).
func LoadPublicKey(pemBytes []byte) (*PublicKey, error) {
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("pem to public key: %w", err)
	}
	v, err := sigsig.LoadVerifier(pub, crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("loading public key: %w", err)
	}
	return &PublicKey{v: v}, nil
}

// PrivateKey is a decrypted cosign private key, ready to sign.
type PrivateKey struct {
	sv sigsig.SignerVerifier
}

// LoadPrivateKey decrypts a cosign private key (cosign.key: PEM "ENCRYPTED
// SIGSTORE PRIVATE KEY", scrypt + nacl secretbox around PKCS #8) with its
// password; an empty password is a valid password. Zarf falls back to
// $COSIGN_PASSWORD when --signing-key-pass is empty: that is the caller's
// choice to make, this function reads no environment.
func LoadPrivateKey(pemBytes, password []byte) (*PrivateKey, error) {
	p, _ := pem.Decode(pemBytes)
	if p == nil {
		return nil, errors.New("invalid pem block")
	}
	if p.Type != pemSigstorePrivateKey && p.Type != pemCosignPrivateKey {
		return nil, fmt.Errorf("unsupported pem type: %s", p.Type)
	}
	der, err := encrypted.Decrypt(p.Bytes, password)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	pk, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("parsing private key: %w", err)
	}
	// No load options, as cosign sign-blob without a transparency log: the
	// default hash for the key (sha256 for P-256) and pure ed25519.
	sv, err := sigsig.LoadDefaultSignerVerifier(pk)
	if err != nil {
		return nil, fmt.Errorf("loading private key: %w", err)
	}
	return &PrivateKey{sv: sv}, nil
}

// PublicKeyPEM returns the key's public half as cosign writes cosign.pub.
func (k *PrivateKey) PublicKeyPEM() ([]byte, error) {
	pub, err := k.sv.PublicKey()
	if err != nil {
		return nil, err
	}
	return cryptoutils.MarshalPublicKeyToPEM(pub)
}

// GenerateKeyPair makes a key pair as cosign generate-key-pair does: ECDSA
// P-256, the private key PKCS #8 encrypted with password. It returns the
// contents of cosign.key and cosign.pub.
func GenerateKeyPair(password []byte) (privatePEM, publicPEM []byte, err error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, fmt.Errorf("x509 encoding private key: %w", err)
	}
	enc, err := encrypted.Encrypt(der, password)
	if err != nil {
		return nil, nil, err
	}
	publicPEM, err = cryptoutils.MarshalPublicKeyToPEM(priv.Public())
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemSigstorePrivateKey, Bytes: enc}), publicPEM, nil
}
