package registry

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// newHasher returns the hash function of a digest algorithm.
func newHasher(algorithm string) (hash.Hash, error) {
	switch algorithm {
	case "sha256":
		return sha256.New(), nil
	case "sha512":
		return sha512.New(), nil
	}
	return nil, fmt.Errorf("unsupported digest algorithm %q", algorithm)
}

// hashBytes digests b with algorithm.
func hashBytes(algorithm string, b []byte) (v1.Hash, error) {
	h, err := newHasher(algorithm)
	if err != nil {
		return v1.Hash{}, err
	}
	h.Write(b)
	return sumOf(algorithm, h), nil
}

// sumOf is the digest h has computed so far.
func sumOf(algorithm string, h hash.Hash) v1.Hash {
	return v1.Hash{Algorithm: algorithm, Hex: hex.EncodeToString(h.Sum(nil))}
}
