package layouttest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Build writes the package spec describes under dir and returns its path:
// the archive, the directory (FormDir) or the .part000 header (FormSplit).
// It fails the test on error.
func Build(t testing.TB, dir string, spec Spec) string {
	t.Helper()
	path, err := Create(dir, spec)
	if err != nil {
		t.Fatalf("layouttest.Build: %v", err)
	}
	return path
}

// Create is Build for callers without a testing.TB (benchmark set-up,
// generators); it returns the error instead.
func Create(dir string, spec Spec) (string, error) {
	s := spec.withDefaults()
	files, err := packageFiles(s)
	if err != nil {
		return "", err
	}
	name := s.FileName
	if name == "" {
		name = zarfFileName(s)
	}
	return write(filepath.Join(dir, name), s, files)
}

// packageFiles is every member to write: Files (less Break.Missing) plus the
// generated checksums.txt and zarf.yaml.
func packageFiles(s Spec) (map[string]Content, error) {
	for _, p := range []string{s.Break.Missing, s.Break.Unlisted, s.Break.WrongChecksum} {
		if _, ok := s.Files[p]; p != "" && !ok {
			return nil, fmt.Errorf("Break names %s, which is not in Files", p)
		}
	}
	checksums := checksumsText(s)
	files := make(map[string]Content, len(s.Files)+2)
	for p, c := range s.Files {
		if p != s.Break.Missing {
			files[p] = c
		}
	}
	if !s.Break.NoChecksums {
		files["checksums.txt"] = String(checksums)
	}
	if !s.Break.NoZarfYAML {
		aggregate := sha256Hex(checksums)
		if s.Break.WrongAggregate {
			aggregate = sha256Hex("wrong " + checksums)
		}
		yaml := zarfYAML(s, aggregate)
		if s.EditZarfYAML != nil {
			yaml = s.EditZarfYAML(yaml)
		}
		files["zarf.yaml"] = String(yaml)
	}
	return files, nil
}

// checksumsText is checksums.txt as Zarf writes it: "<hex> <path>" for every
// file but zarf.yaml, checksums.txt and signatures, lines sorted, each
// ending in "\n".
func checksumsText(s Spec) string {
	var lines []string
	for p, c := range s.Files {
		if isUnlisted(p) || p == s.Break.Unlisted {
			continue
		}
		sum := c.hex()
		if p == s.Break.WrongChecksum {
			sum = sha256Hex("wrong " + sum)
		}
		lines = append(lines, sum+" "+p)
	}
	slices.Sort(lines)
	text := strings.Join(lines, "\n") + "\n"
	if s.Break.EditChecksums != nil {
		text = s.Break.EditChecksums(text)
	}
	return text
}

func isUnlisted(p string) bool {
	switch p {
	case "zarf.yaml", "checksums.txt", "zarf.yaml.sig", "zarf.bundle.sig":
		return true
	}
	return false
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// zarfFileName is Zarf's name for the package (the split header adds
// .part000 later).
func zarfFileName(s Spec) string {
	parts := []string{"zarf-package", s.Name, s.Arch}
	if s.Init {
		parts = []string{"zarf-init", s.Arch}
	}
	for _, opt := range []string{s.Version, s.Flavor} {
		if opt != "" {
			parts = append(parts, opt)
		}
	}
	name := strings.Join(parts, "-")
	form := s.Form
	if form == FormSplit {
		form = s.SplitOf
	}
	switch form {
	case FormTarZst:
		return name + ".tar.zst"
	case FormTar:
		return name + ".tar"
	}
	return name
}
