package layouttest

import "archive/tar"

// Form is how Build stores a package.
type Form string

// The forms Build writes.
const (
	FormTarZst Form = "tar.zst" // zstd-compressed tar (the default)
	FormTar    Form = "tar"     // plain tar (the default with Uncompressed)
	FormDir    Form = "dir"     // an unpacked directory
	FormSplit  Form = "split"   // .part000 JSON header + data parts
)

// Spec describes a package. Zero fields take the documented defaults.
type Spec struct {
	// Name is metadata.name; default "test".
	Name string
	// Version is metadata.version; default "0.0.1" unless NoVersion.
	Version   string
	NoVersion bool
	// Arch is metadata.architecture and build.architecture; default "amd64".
	Arch string
	// Flavor is build.flavor; default none.
	Flavor string
	// Description is metadata.description; default none.
	Description string
	// Init makes it an init package (kind ZarfInitConfig, named zarf-init-…).
	Init bool
	// APIVersion is "v1alpha1" (default: no apiVersion line, the aggregate
	// checksum in metadata, components marked required) or "v1beta1"
	// (apiVersion zarf.dev/v1beta1, the checksum in build, components
	// marked optional).
	APIVersion string
	// Uncompressed sets metadata.uncompressed; the default Form becomes
	// FormTar, as with Zarf.
	Uncompressed bool
	// Components are listed in zarf.yaml first, in this order; then one
	// required component for each components/<name>.tar in Files not
	// listed here, by name.
	Components []Component
	// Files are the package's files other than zarf.yaml and checksums.txt,
	// which Build generates. zarf.yaml.sig and zarf.bundle.sig are included
	// but, as with Zarf, not listed in checksums.txt.
	Files map[string]Content
	// Form is how the package is stored; default FormTarZst.
	Form Form
	// SplitOf is the archive a FormSplit package splits: FormTarZst
	// (default) or FormTar.
	SplitOf Form
	// PartSize is the size of each data part of a FormSplit package;
	// default a third of the archive, so that there are three parts.
	PartSize int64
	// FileName replaces the Zarf file name
	// (zarf-package-<name>-<arch>[-<version>][-<flavor>].tar.zst); for
	// FormSplit it names the joined archive, without .part000.
	FileName string
	// Extra members are appended verbatim after the package's own, in the
	// tar forms: symlinks, devices, "../" names, duplicates.
	Extra []RawEntry
	// EditZarfYAML, if set, rewrites the generated zarf.yaml (which already
	// holds the aggregate checksum) before it is written.
	EditZarfYAML func(yaml string) string
	// Break makes the package invalid in the chosen ways.
	Break Break
}

// Component is a component listed in zarf.yaml.
type Component struct {
	Name string
	// Optional marks it optional (v1beta1 optional: true); otherwise it is
	// required (v1alpha1 required: true).
	Optional bool
	// Images are the image references it uses.
	Images []string
}

// RawEntry is a tar member written as given. Header.Size defaults to
// len(Data); a zero ModTime becomes 1970.
type RawEntry struct {
	Header tar.Header
	Data   []byte
}

// Break lists ways to make a package invalid. The zero Break breaks nothing.
type Break struct {
	// WrongChecksum gives this path a wrong digest in checksums.txt.
	WrongChecksum string
	// WrongAggregate writes a wrong aggregateChecksum in zarf.yaml.
	WrongAggregate bool
	// Unlisted writes this file of Files but leaves it out of checksums.txt.
	Unlisted string
	// Missing lists this file of Files in checksums.txt but does not write it.
	Missing string
	// NoChecksums leaves out checksums.txt.
	NoChecksums bool
	// NoZarfYAML leaves out zarf.yaml.
	NoZarfYAML bool
	// EditChecksums rewrites checksums.txt; the aggregate checksum is
	// computed from the rewritten text, so only its content is wrong.
	EditChecksums func(text string) string
	// EditSplitHeader rewrites the .part000 JSON of a FormSplit package.
	EditSplitHeader func(json string) string
	// DropPart deletes this data part (1-based) of a FormSplit package.
	DropPart int
}

func (s Spec) withDefaults() Spec {
	if s.Name == "" {
		s.Name = "test"
	}
	if s.Version == "" && !s.NoVersion {
		s.Version = "0.0.1"
	}
	if s.Arch == "" {
		s.Arch = "amd64"
	}
	if s.APIVersion == "" {
		s.APIVersion = "v1alpha1"
	}
	if s.Form == "" {
		s.Form = FormTarZst
		if s.Uncompressed {
			s.Form = FormTar
		}
	}
	if s.SplitOf == "" {
		s.SplitOf = FormTarZst
	}
	return s
}
