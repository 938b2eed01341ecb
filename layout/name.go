package layout

import (
	"strings"

	"github.com/docker-zarf/docker-zarf/definition"
)

// Format is an output format for Write and FileName.
type Format string

// The formats Write produces.
const (
	FormatTarZst Format = "tar.zst" // zstd-compressed tar (Zarf's default)
	FormatTar    Format = "tar"     // plain tar
	FormatDir    Format = "dir"     // an unpacked directory
)

// FileName is the name Zarf gives a package:
// zarf-package-<name>-<arch>[-<version>][-<flavor>] (init packages:
// zarf-init-<arch>[-<version>][-<flavor>]) with ".tar.zst" or ".tar" for
// those formats and no extension for FormatDir. Characters that do not
// belong in a file name (such as "/") become "_", so the result is always a
// single path element.
func FileName(def *definition.Package, format Format) string {
	parts := []string{"zarf-package", def.Metadata.Name}
	if def.IsInit() {
		parts = []string{"zarf-init"}
	}
	parts = append(parts, def.Architecture())
	for _, opt := range []string{def.Metadata.Version, def.Flavor()} {
		if opt != "" {
			parts = append(parts, opt)
		}
	}
	name := strings.Map(safeNameRune, strings.Join(parts, "-"))
	switch format {
	case FormatTarZst:
		return name + ".tar.zst"
	case FormatTar:
		return name + ".tar"
	}
	return name
}

func safeNameRune(r rune) rune {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return r
	case r == '.' || r == '-' || r == '_' || r == '+':
		return r
	}
	return '_'
}
