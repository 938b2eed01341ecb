package layout

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/docker-zarf/docker-zarf/definition"
)

// finish validates what a scan found and fills in the package: zarf.yaml
// parses, checksums.txt matches the aggregate checksum, and the files
// present are exactly those listed.
func (p *Package) finish(res *scanResult) error {
	def, sums, err := p.readDefinition(res.kept)
	if err != nil {
		return err
	}
	if err := p.matchFiles(res, sums); err != nil {
		return err
	}
	p.Definition = def
	p.entries, p.kept = res.entries, res.kept
	p.index = make(map[string]int, len(p.entries))
	p.Files = make([]File, len(p.entries))
	for i, e := range p.entries {
		p.index[e.file.Path] = i
		p.Files[i] = e.file
	}
	slices.SortFunc(p.Files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return nil
}

func (p *Package) readDefinition(kept map[string][]byte) (*definition.Package, map[string]string, error) {
	raw, ok := kept[zarfYAML]
	if !ok {
		return nil, nil, formatErr(p.Source, "", "not a Zarf package: no zarf.yaml")
	}
	def, err := definition.Parse(raw)
	if err != nil {
		return nil, nil, &FormatError{Path: p.Source, Entry: zarfYAML, Err: err}
	}
	checksums, ok := kept[checksumsTxt]
	if !ok {
		return nil, nil, formatErr(p.Source, checksumsTxt, "not a complete Zarf package: no checksums.txt (packages from Zarf before v0.25 are not supported)")
	}
	if err := VerifyAggregate(def, checksums); err != nil {
		var ce *ChecksumError
		if errors.As(err, &ce) {
			return nil, nil, fmt.Errorf("%s: %w", p.Source, err)
		}
		return nil, nil, &FormatError{Path: p.Source, Entry: zarfYAML, Err: err}
	}
	sums, err := ParseChecksums(checksums)
	if err != nil {
		return nil, nil, &FormatError{Path: p.Source, Entry: checksumsTxt, Err: err}
	}
	return def, sums, nil
}

// matchFiles checks the files present against checksums.txt and sets each
// file's digest.
func (p *Package) matchFiles(res *scanResult, sums map[string]string) error {
	for _, path := range []string{zarfYAML, checksumsTxt} {
		if _, ok := sums[path]; ok {
			return formatErr(p.Source, checksumsTxt, "checksums.txt lists %s, which it cannot cover", path)
		}
	}
	present := make(map[string]bool, len(res.entries))
	for i := range res.entries {
		f := &res.entries[i].file
		present[f.Path] = true
		if err := p.setDigest(f, res.kept, sums); err != nil {
			return err
		}
	}
	listed := make([]string, 0, len(sums))
	for path := range sums {
		listed = append(listed, path)
	}
	slices.Sort(listed)
	for _, path := range listed {
		if !present[path] {
			return formatErr(p.Source, path, "checksums.txt lists %s but the package does not contain it", path)
		}
	}
	return nil
}

func (p *Package) setDigest(f *File, kept map[string][]byte, sums map[string]string) error {
	listed, isListed := sums[f.Path]
	data, isKept := kept[f.Path]
	switch {
	case isKept:
		f.Digest = "sha256:" + sha256Hex(data)
		// A signature that checksums.txt happens to list must match it too.
		if isListed && f.Digest != "sha256:"+listed {
			return fmt.Errorf("%s: %w", p.Source, &ChecksumError{Path: f.Path, Want: "sha256:" + listed, Got: f.Digest})
		}
	case isListed:
		f.Digest = "sha256:" + listed
	default:
		return formatErr(p.Source, f.Path, "%s is in the package but checksums.txt does not list it", quoteName(f.Path))
	}
	return nil
}
