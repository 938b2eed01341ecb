package layout

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"

	"github.com/docker-zarf/docker-zarf/definition"
)

// Form is the shape of a package on disk, as found by Open.
type Form string

// The forms Open reads.
const (
	FormTarZst Form = "tar.zst" // zstd-compressed tar, Zarf's default
	FormTar    Form = "tar"     // plain tar (metadata.uncompressed: true)
	FormSplit  Form = "split"   // .part000 JSON header + .part001… data parts
	FormDir    Form = "dir"     // an unpacked package directory
)

// File is one regular file of a package.
type File struct {
	// Path is slash-separated and relative: "components/app.tar", "zarf.yaml".
	Path string
	// Size is the length in bytes.
	Size int64
	// Digest is "sha256:<hex>": from checksums.txt, or computed while opening
	// for zarf.yaml, checksums.txt and the signatures, which it does not list.
	Digest string
}

// Package is a validated Zarf package on disk. Its methods other than Close
// may be called concurrently.
type Package struct {
	// Source is the path given to Open.
	Source string
	// Form is how the package is stored.
	Form Form
	// Definition is the parsed zarf.yaml.
	Definition *definition.Package
	// Files lists every regular file sorted by Path, including zarf.yaml,
	// checksums.txt and signatures. Directories are not files.
	Files []File

	entries []entry           // Files in archive order, with their location
	index   map[string]int    // Path -> position in entries
	kept    map[string][]byte // zarf.yaml, checksums.txt, signatures
	zstd    bool              // the archive bytes are zstd-compressed
	size    int64             // archive bytes (tar, tar.zst, split)
	file    *os.File          // FormTar, FormTarZst: the archive, opened once
	split   *splitSet         // FormSplit
	root    *os.Root          // FormDir
}

// entry is a file and where its bytes start in the (joined, uncompressed)
// archive; off is unused for FormDir and compressed archives.
type entry struct {
	file File
	off  int64
}

// Seekable reports whether Open may be used: true for tar, dir and a split
// package of an uncompressed tar, whose files can be read in any order and
// concurrently. A compressed archive can only be streamed with Walk.
func (p *Package) Seekable() bool { return !p.zstd }

// ReadFile returns a copy of zarf.yaml, checksums.txt or a signature
// (zarf.yaml.sig, zarf.bundle.sig), kept in memory since Open. Other paths
// give an error wrapping fs.ErrNotExist.
func (p *Package) ReadFile(path string) ([]byte, error) {
	b, ok := p.kept[path]
	if !ok {
		return nil, fmt.Errorf("%s: %s: %w (only zarf.yaml, checksums.txt and signatures are kept)", p.Source, path, fs.ErrNotExist)
	}
	return bytes.Clone(b), nil
}

// Close releases the open archive or directory. Readers from Open must not
// be used after it. Close is idempotent.
func (p *Package) Close() error {
	var err error
	if p.file != nil {
		err = p.file.Close()
		p.file = nil
	}
	if p.root != nil {
		err = p.root.Close()
		p.root = nil
	}
	return err
}
