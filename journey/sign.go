package journey

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/docker-zarf/docker-zarf/definition"
	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/signature"
)

// publishSet is what a publish pushes: the package's files, some of which
// (a re-signed zarf.yaml, its signature) come from memory instead of the
// package, and the definition the config is built from.
type publishSet struct {
	def   *definition.Package
	files []layout.File
	mem   map[string][]byte // path → content that replaces or adds to the package's
}

// planPublish is the package as it is, or, with key, signed as `zarf
// package sign` signs: zarf.yaml marked as signed and a new zarf.bundle.sig
// over it, the legacy zarf.yaml.sig left out. checksums.txt does not cover
// these files, so it stays; the files on disk are never changed.
func planPublish(pkg *layout.Package, key *signature.PrivateKey) (publishSet, error) {
	set := publishSet{def: pkg.Definition, files: pkg.Files}
	if key == nil {
		return set, nil
	}
	raw, err := pkg.ReadFile("zarf.yaml")
	if err != nil {
		return set, err
	}
	signed, err := signature.Sign(raw, key)
	if err != nil {
		return set, fmt.Errorf("signing zarf.yaml: %w", err)
	}
	if set.def, err = definition.Parse(signed.ZarfYAML); err != nil {
		return set, fmt.Errorf("the signed zarf.yaml: %w", err)
	}
	set.mem = map[string][]byte{"zarf.yaml": signed.ZarfYAML, signature.BundleFile: signed.Bundle}
	set.files = slices.DeleteFunc(slices.Clone(pkg.Files), func(f layout.File) bool {
		return f.Path == signature.LegacyFile || f.Path == signature.BundleFile
	})
	for i, f := range set.files {
		if f.Path == "zarf.yaml" {
			set.files[i] = memFile(f.Path, signed.ZarfYAML)
		}
	}
	set.files = append(set.files, memFile(signature.BundleFile, signed.Bundle))
	return set, nil
}

func memFile(path string, b []byte) layout.File {
	sum := sha256.Sum256(b)
	return layout.File{Path: path, Size: int64(len(b)), Digest: "sha256:" + hex.EncodeToString(sum[:])}
}
