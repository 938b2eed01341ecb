package layouttest

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"math/rand/v2"
)

// Content is the content of one file. The zero Content is an empty file.
type Content struct {
	data   []byte
	size   int64
	random bool
	text   bool
	seed   uint64
}

// Bytes is a file holding b (copied).
func Bytes(b []byte) Content { return Content{data: bytes.Clone(b), size: int64(len(b))} }

// String is a file holding s.
func String(s string) Content { return Bytes([]byte(s)) }

// Zeros is a file of n zero bytes, generated while it is read: cheap to
// write and compressing to almost nothing.
func Zeros(n int64) Content { return Content{size: n} }

// Random is a file of n pseudo-random bytes from seed, generated while it is
// read: incompressible, and the same for the same seed.
func Random(n int64, seed uint64) Content { return Content{size: n, random: true, seed: seed} }

// Text is a file of n bytes of pseudo-random text from seed: compressible
// about 2:1, like typical image layers, for realistic compression work.
func Text(n int64, seed uint64) Content {
	return Content{size: n, random: true, text: true, seed: seed}
}

// Size is the length of the content in bytes.
func (c Content) Size() int64 { return c.size }

// Reader returns a new reader of the content.
func (c Content) Reader() io.Reader {
	switch {
	case c.data != nil:
		return bytes.NewReader(c.data)
	case c.random:
		var seed [32]byte
		binary.LittleEndian.PutUint64(seed[:], c.seed)
		var r io.Reader = rand.NewChaCha8(seed)
		if c.text {
			r = textReader{r}
		}
		return io.LimitReader(r, c.size)
	}
	return io.LimitReader(zeros{}, c.size)
}

// Digest is "sha256:<hex>" of the content. Generated content is hashed by
// streaming it.
func (c Content) Digest() string { return "sha256:" + c.hex() }

func (c Content) hex() string {
	h := sha256.New()
	io.CopyBuffer(h, c.Reader(), make([]byte, 1<<20))
	return hex.EncodeToString(h.Sum(nil))
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// textReader maps random bytes onto 16 letters and spaces: 4 bits of
// entropy per byte.
type textReader struct{ r io.Reader }

func (t textReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	const alphabet = "etaoinshrdlu cmf"
	for i := range p[:n] {
		p[i] = alphabet[p[i]&15]
	}
	return n, err
}
