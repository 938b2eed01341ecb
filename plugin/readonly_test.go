package plugin

import (
	"crypto/sha256"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

// fileState is what must not change about an input file.
type fileState struct {
	sum   [32]byte
	mode  fs.FileMode
	mtime time.Time
}

func snapshotTree(t *testing.T, dir string) map[string]fileState {
	t.Helper()
	out := map[string]fileState{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		st := fileState{mode: fi.Mode(), mtime: fi.ModTime()}
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			st.sum = sha256.Sum256(b)
		}
		out[p] = st
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestInputsAreReadOnly publishes and inspects every package form and
// checks that nothing in or beside the input changed: no file rewritten,
// touched, joined (Zarf joins split packages in place) or created.
func TestInputsAreReadOnly(t *testing.T) {
	reg := testregistry.Start(t)
	cfg := emptyConfig(t)
	for name, src := range map[string]string{
		"tar.zst": demoAmd64, "tar": flavored, "split": filepath.Dir(split000), "dir": "",
	} {
		t.Run(name, func(t *testing.T) {
			work := t.TempDir()
			var input string
			switch name {
			case "dir":
				unpackFixture(t, demoAmd64, work)
				input = work
			case "split":
				for _, name := range dirNames(t, src) {
					copyFile(t, filepath.Join(src, name), filepath.Join(work, name))
				}
				input = filepath.Join(work, filepath.Base(split000))
			default:
				input = filepath.Join(work, filepath.Base(src))
				copyFile(t, src, input)
			}
			before := snapshotTree(t, work)
			mustSucceed(t, runCLI(t, cfg, "publish", input, "oci://"+reg.Host+"/ro-"+name, "-q"))
			mustSucceed(t, runCLI(t, cfg, "inspect", input, "--layers"))
			if after := snapshotTree(t, work); !maps.Equal(before, after) {
				t.Fatalf("the input changed: %d entries before, %d after", len(before), len(after))
			}
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o444); err != nil {
		t.Fatal(err)
	}
}
