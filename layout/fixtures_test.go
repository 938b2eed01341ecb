package layout_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/layout"
)

const fixtures = "../testdata/fixtures/packages"

// fixture is a real package made by the Zarf CLI and what Open must find.
type fixture struct {
	path     string
	form     layout.Form
	seekable bool
	name     string
	files    []string // a few paths that must be present
}

var fixtureCases = []fixture{
	{"zarf-package-demo-amd64-1.0.0.tar.zst", layout.FormTarZst, false, "demo",
		[]string{"checksums.txt", "components/config-files.tar", "images/index.json", "images/oci-layout", "zarf.yaml"}},
	{"zarf-package-demo-arm64-1.0.0.tar.zst", layout.FormTarZst, false, "demo", []string{"components/extras.tar"}},
	{"zarf-package-flavored-amd64-0.2.0-upstream.tar", layout.FormTar, true, "flavored", []string{"components/base.tar"}},
	{"signed/zarf-package-flavored-amd64-0.2.0-upstream.tar", layout.FormTar, true, "flavored", []string{"zarf.bundle.sig"}},
	{"split/zarf-package-split-amd64-0.0.1.tar.zst.part000", layout.FormSplit, false, "split", []string{"components/big.tar"}},
	{"split/zarf-package-split-amd64-0.0.1.tar.zst", layout.FormSplit, false, "split", []string{"components/big.tar"}},
}

func TestOpenFixtures(t *testing.T) {
	for _, tc := range fixtureCases {
		t.Run(tc.path, func(t *testing.T) {
			p, err := layout.Open(context.Background(), filepath.Join(fixtures, tc.path))
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if p.Form != tc.form || p.Seekable() != tc.seekable || p.Definition.Metadata.Name != tc.name {
				t.Errorf("form %s seekable %v name %s", p.Form, p.Seekable(), p.Definition.Metadata.Name)
			}
			have := map[string]layout.File{}
			for _, f := range p.Files {
				have[f.Path] = f
			}
			for _, want := range tc.files {
				if _, ok := have[want]; !ok {
					t.Errorf("missing %s in %v", want, p.Files)
				}
			}
			for path := range have {
				if strings.HasPrefix(path, "images/ingest") {
					t.Errorf("directory %s listed as a file", path)
				}
			}
			checkWalk(t, p)
		})
	}
}

// checkWalk streams every file and checks that each digest matches and that
// Open (when seekable) yields the same bytes.
func checkWalk(t *testing.T, p *layout.Package) {
	t.Helper()
	seen := 0
	err := p.Walk(context.Background(), func(f layout.File, r io.Reader) error {
		seen++
		got := hashAll(t, r)
		if got != f.Digest {
			t.Errorf("%s: walk digest %s, want %s", f.Path, got, f.Digest)
		}
		if p.Seekable() {
			rc, err := p.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			if got := hashAll(t, rc); got != f.Digest {
				t.Errorf("%s: open digest %s, want %s", f.Path, got, f.Digest)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != len(p.Files) {
		t.Errorf("walk saw %d files, package has %d", seen, len(p.Files))
	}
}

func hashAll(t *testing.T, r io.Reader) string {
	t.Helper()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		t.Fatal(err)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
