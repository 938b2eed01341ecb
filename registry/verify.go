package registry

import (
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/docker-zarf/docker-zarf/internal/verify"
)

// digestOf digests b with want's algorithm and reports whether it is want.
// Manifests are small and held whole, so they are checked in one go by the
// same verifier that checks streamed blobs.
func digestOf(b []byte, want v1.Hash) (got v1.Hash, ok bool, err error) {
	v, err := verify.New(want.String(), int64(len(b)))
	if err != nil {
		return v1.Hash{}, false, err
	}
	v.Write(b)
	got, err = v1.NewHash(v.Sum())
	return got, err == nil && got == want, err
}
