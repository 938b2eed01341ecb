package layout

import (
	"context"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The seed corpora are in testdata/fuzz/<Target>; `go test` runs them as
// ordinary tests, `go test -fuzz <Target>` explores from them.

func FuzzParseChecksums(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		sums, err := ParseChecksums(data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		for p, sum := range sums {
			if checkPath(p) != nil || !isHex64(sum) {
				t.Fatalf("accepted %q %q", sum, p)
			}
		}
		again, err := ParseChecksums(formatChecksums(sums))
		if err != nil || !maps.Equal(again, sums) {
			t.Fatalf("round trip: %v %v", again, err)
		}
	})
}

// formatChecksums writes sums as Zarf does: lines sorted, trailing newline.
func formatChecksums(sums map[string]string) []byte {
	var lines []string
	for p, sum := range sums {
		lines = append(lines, sum+" "+p)
	}
	slices.Sort(lines)
	return []byte(strings.Join(lines, "\n") + "\n")
}

func FuzzSplitHeader(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := parseSplitHeader(data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		if !isHex64(h.Sha256Sum) || h.Bytes <= 0 || h.Count < 1 || h.Count > maxParts {
			t.Fatalf("accepted %+v", h)
		}
	})
}

// FuzzTarReader opens arbitrary bytes as a package file: Open must never
// panic, errors must be one line, and a package that opens must stream.
func FuzzTarReader(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "fuzz.tar")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		p, err := Open(context.Background(), path)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		defer p.Close()
		p.Walk(context.Background(), func(f File, r io.Reader) error {
			_, err := io.Copy(io.Discard, r)
			return err
		})
		if p.Seekable() {
			for _, file := range p.Files {
				if rc, err := p.Open(file); err == nil {
					io.Copy(io.Discard, rc)
					rc.Close()
				}
			}
		}
	})
}
