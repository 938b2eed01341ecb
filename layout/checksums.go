package layout

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/docker-zarf/docker-zarf/definition"
)

// ParseChecksums reads checksums.txt as Zarf writes it: one
// "<sha256 hex> <path>" line per file, separated by "\n", the last line
// ending in "\n" too (a package without files has just "\n"). It returns
// path -> lowercase hex. It rejects malformed lines, digests that are not 64
// lowercase hex digits (Zarf compares them as strings), unsafe paths and
// paths listed twice.
func ParseChecksums(data []byte) (map[string]string, error) {
	sums := make(map[string]string)
	text := string(data)
	if text == "" || text == "\n" {
		return sums, nil
	}
	if strings.Contains(text, "\r") {
		return nil, errors.New("checksums.txt has CR line endings")
	}
	text = strings.TrimSuffix(text, "\n")
	for n := 1; text != ""; n++ {
		var line string
		line, text, _ = strings.Cut(text, "\n")
		if err := parseChecksumLine(sums, line); err != nil {
			return nil, fmt.Errorf("checksums.txt line %d %s: %w", n, clip(line), err)
		}
	}
	return sums, nil
}

func parseChecksumLine(sums map[string]string, line string) error {
	sum, p, ok := strings.Cut(line, " ")
	switch {
	case line == "":
		return errors.New("empty line")
	case !ok:
		return errors.New(`want "<sha256> <path>"`)
	case !isHex64(sum):
		return errors.New("digest is not 64 lowercase hex digits")
	case strings.TrimSpace(p) != p:
		// sha256sum's "<hex>  <path>" lands here.
		return errors.New("path starts or ends with a space")
	}
	if err := checkPath(p); err != nil {
		return err
	}
	if _, dup := sums[p]; dup {
		return fmt.Errorf("%s is listed twice", p)
	}
	sums[p] = sum
	return nil
}

// clip quotes a line for an error message, shortened so that a hostile file
// cannot produce a huge message.
func clip(s string) string {
	const max = 120
	if len(s) > max {
		s = s[:max] + "..."
	}
	return fmt.Sprintf("%q", s)
}

func isHex64(s string) bool {
	if len(s) != sha256.Size*2 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// VerifyAggregate checks that checksums.txt is the one zarf.yaml was built
// with: its sha256 must equal the aggregate checksum (metadata.
// aggregateChecksum in v1alpha1, build.aggregateChecksum in v1beta1). A
// mismatch is a *ChecksumError with Path "checksums.txt".
func VerifyAggregate(def *definition.Package, checksums []byte) error {
	want := strings.ToLower(strings.TrimPrefix(def.AggregateChecksum(), "sha256:"))
	if want == "" {
		return errors.New("zarf.yaml has no aggregateChecksum")
	}
	if !isHex64(want) {
		return fmt.Errorf("zarf.yaml aggregateChecksum %s is not a sha256 digest", clip(want))
	}
	got := sha256Hex(checksums)
	if got != want {
		return &ChecksumError{Path: checksumsTxt, Want: "sha256:" + want, Got: "sha256:" + got}
	}
	return nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
