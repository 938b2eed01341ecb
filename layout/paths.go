package layout

import (
	"errors"
	"io/fs"
	"strings"
	"unicode"
)

// Names with a fixed meaning in a package.
const (
	zarfYAML     = "zarf.yaml"
	checksumsTxt = "checksums.txt"
	yamlSig      = "zarf.yaml.sig"   // legacy cosign signature
	bundleSig    = "zarf.bundle.sig" // sigstore bundle (current Zarf)
	splitSuffix  = ".part000"
)

// maxPathLen caps package paths; real ones are under 100 bytes.
const maxPathLen = 4096

// isUnlisted reports whether checksums.txt never covers a file: zarf.yaml
// and the signatures are written after it, and it cannot cover itself. Their
// digests are computed from the bytes read while opening.
func isUnlisted(p string) bool {
	switch p {
	case zarfYAML, checksumsTxt, yamlSig, bundleSig:
		return true
	}
	return false
}

// entryPath turns an archive member name into a package path. It accepts the
// "./" prefix and the trailing "/" of directories that other tar writers
// produce, and rejects anything that could leave the package or that is not
// portable.
func entryPath(name string) (string, error) {
	p := name
	for strings.HasPrefix(p, "./") {
		p = p[2:]
	}
	p = strings.TrimSuffix(p, "/")
	return p, checkPath(p)
}

// checkPath rejects paths that are not plain, relative, slash-separated
// names inside the package.
func checkPath(p string) error {
	switch {
	case p == "" || p == ".":
		return errors.New("empty path")
	case strings.HasPrefix(p, "/"):
		return errors.New("absolute path")
	case len(p) > maxPathLen:
		return errors.New("path too long")
	case strings.Contains(p, `\`):
		return errors.New(`backslash in path`)
	case strings.ContainsFunc(p, unicode.IsControl):
		return errors.New("control character in path")
	case hasDotDot(p):
		return errors.New("path leaves the package (..)")
	case !fs.ValidPath(p):
		return errors.New("path is not clean (empty or . elements)")
	}
	return nil
}

func hasDotDot(p string) bool {
	for elem := range strings.SplitSeq(p, "/") {
		if elem == ".." {
			return true
		}
	}
	return false
}

// comparePaths orders paths element by element, the order in which a
// directory walk (and so Zarf) visits files: "a/b" sorts before "a-c"
// although '-' < '/'. A directory sorts right before its contents.
func comparePaths(a, b string) int {
	for {
		ae, arest, amore := strings.Cut(a, "/")
		be, brest, bmore := strings.Cut(b, "/")
		if c := strings.Compare(ae, be); c != 0 {
			return c
		}
		switch {
		case !amore && !bmore:
			return 0
		case !amore:
			return -1
		case !bmore:
			return 1
		}
		a, b = arest, brest
	}
}

// parents returns the directories above p, outermost first:
// "a/b/c" -> ["a", "a/b"].
func parents(p string) []string {
	var dirs []string
	for i := 0; i < len(p); i++ {
		if p[i] == '/' {
			dirs = append(dirs, p[:i])
		}
	}
	return dirs
}

// CheckPath tells whether p can name a file of a package: relative, clean,
// inside the package, without backslashes or control characters. Callers
// that take titles from a registry check them before they act on them.
func CheckPath(p string) error { return checkPath(p) }
