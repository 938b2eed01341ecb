package layout_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/layout/layouttest"
)

// smallFiles is a package's content for most tests: components, an image
// layout, a signature and a file big enough to span split parts.
func smallFiles() map[string]layouttest.Content {
	files := map[string]layouttest.Content{
		"components/app.tar":    layouttest.Random(300<<10, 1),
		"components/empty.tar":  layouttest.Content{},
		"components/config.tar": layouttest.String("config"),
		"values.yaml":           layouttest.String("a: 1\n"),
		"zarf.bundle.sig":       layouttest.String(`{"sig":"x"}`),
	}
	maps.Copy(files, layouttest.ImageFiles(layouttest.Image{
		Ref: "docker.io/library/app:1.0", Layers: []layouttest.Content{layouttest.Text(100<<10, 2)},
	}))
	return files
}

var forms = []struct {
	name     string
	spec     layouttest.Spec
	form     layout.Form
	seekable bool
}{
	{"tar.zst", layouttest.Spec{Form: layouttest.FormTarZst}, layout.FormTarZst, false},
	{"tar", layouttest.Spec{Form: layouttest.FormTar, Uncompressed: true}, layout.FormTar, true},
	{"dir", layouttest.Spec{Form: layouttest.FormDir}, layout.FormDir, true},
	{"split of tar.zst", layouttest.Spec{Form: layouttest.FormSplit}, layout.FormSplit, false},
	{"split of tar", layouttest.Spec{Form: layouttest.FormSplit, SplitOf: layouttest.FormTar}, layout.FormSplit, true},
	{"v1beta1 tar", layouttest.Spec{Form: layouttest.FormTar, APIVersion: "v1beta1"}, layout.FormTar, true},
}

func TestOpenForms(t *testing.T) {
	files := smallFiles()
	for _, tc := range forms {
		t.Run(tc.name, func(t *testing.T) {
			spec := tc.spec
			spec.Name, spec.Flavor, spec.Files = "forms", "up", files
			path := layouttest.Build(t, t.TempDir(), spec)
			p, err := layout.Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if p.Form != tc.form || p.Seekable() != tc.seekable || p.Source != path {
				t.Errorf("form %s seekable %v source %s", p.Form, p.Seekable(), p.Source)
			}
			if p.Definition.Metadata.Name != "forms" || p.Definition.Flavor() != "up" {
				t.Errorf("definition %+v", p.Definition.Metadata)
			}
			checkFiles(t, p, files)
			checkWalk(t, p)
		})
	}
}

// checkFiles compares p.Files with the spec's files plus the generated ones.
func checkFiles(t *testing.T, p *layout.Package, files map[string]layouttest.Content) {
	t.Helper()
	want := slices.Sorted(maps.Keys(files))
	want = append(want, "checksums.txt", "zarf.yaml")
	slices.Sort(want)
	var got []string
	for _, f := range p.Files {
		got = append(got, f.Path)
		if c, ok := files[f.Path]; ok && (f.Digest != c.Digest() || f.Size != c.Size()) {
			t.Errorf("%s: %d bytes %s, want %d bytes %s", f.Path, f.Size, f.Digest, c.Size(), c.Digest())
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("files\n got %v\nwant %v", got, want)
	}
	for _, kept := range []string{"zarf.yaml", "checksums.txt", "zarf.bundle.sig"} {
		if b, err := p.ReadFile(kept); err != nil || len(b) == 0 {
			t.Errorf("ReadFile(%s): %d bytes, %v", kept, len(b), err)
		}
	}
	if _, err := p.ReadFile("values.yaml"); err == nil {
		t.Error("ReadFile(values.yaml) should fail: it is not kept")
	}
}

func TestOpenConcurrent(t *testing.T) {
	for _, tc := range forms {
		if !tc.seekable {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			spec := tc.spec
			spec.Files = smallFiles()
			p, err := layout.Open(context.Background(), layouttest.Build(t, t.TempDir(), spec))
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			var wg sync.WaitGroup
			for range 4 {
				for _, f := range p.Files {
					wg.Go(func() {
						rc, err := p.Open(f)
						if err != nil {
							t.Error(err)
							return
						}
						defer rc.Close()
						if got := hashAll(t, rc); got != f.Digest {
							t.Errorf("%s: %s, want %s", f.Path, got, f.Digest)
						}
					})
				}
			}
			wg.Wait()
		})
	}
}

// TestOpenNotSeekable: a compressed package is not Seekable, yet Open
// still serves any file, verified, by decompressing up to it (publish's
// retry path), and every file matches what Walk streams.
func TestOpenNotSeekable(t *testing.T) {
	p, err := layout.Open(context.Background(), layouttest.Build(t, t.TempDir(), layouttest.Spec{}))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Seekable() {
		t.Fatal("a tar.zst package reports Seekable")
	}
	for i := len(p.Files) - 1; i >= 0; i-- {
		f := p.Files[i]
		rc, err := p.Open(f)
		if err != nil {
			t.Fatalf("Open(%s): %v", f.Path, err)
		}
		got := hashAll(t, rc)
		rc.Close()
		if got != f.Digest {
			t.Errorf("%s: digest %s, want %s", f.Path, got, f.Digest)
		}
	}
}

func TestOpenUnknownFile(t *testing.T) {
	p, err := layout.Open(context.Background(), layouttest.Build(t, t.TempDir(), layouttest.Spec{Form: layouttest.FormTar}))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Open(layout.File{Path: "nope"}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open(nope) = %v", err)
	}
}

func TestWalkStopsOnError(t *testing.T) {
	for _, tc := range forms {
		t.Run(tc.name, func(t *testing.T) {
			spec := tc.spec
			spec.Files = smallFiles()
			p, err := layout.Open(context.Background(), layouttest.Build(t, t.TempDir(), spec))
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			stop := io.ErrShortWrite
			calls := 0
			err = p.Walk(context.Background(), func(layout.File, io.Reader) error { calls++; return stop })
			if err != stop || calls != 1 {
				t.Errorf("Walk = %v after %d calls, want fn's error after 1", err, calls)
			}
			ctx, cancel := context.WithCancel(context.Background())
			err = p.Walk(ctx, func(_ layout.File, r io.Reader) error {
				cancel()
				_, err := io.Copy(io.Discard, r)
				return err
			})
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Walk after cancel = %v", err)
			}
		})
	}
}

func TestOpenWithoutSuffix(t *testing.T) {
	head := layouttest.Build(t, t.TempDir(), layouttest.Spec{Form: layouttest.FormSplit})
	p, err := layout.Open(context.Background(), head[:len(head)-len(".part000")])
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	_, err = layout.Open(context.Background(), head[:len(head)-1]+"1")
	if err == nil {
		t.Error("opening .part001 should fail")
	}
	t.Log(err)
}

func TestOpenMissing(t *testing.T) {
	_, err := layout.Open(context.Background(), filepath.Join(t.TempDir(), "nope.tar.zst"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open(missing) = %v", err)
	}
}

// TestDirSpecialFiles puts a symlink and a named pipe into a package
// directory: Open must refuse both rather than follow or block on them.
func TestDirSpecialFiles(t *testing.T) {
	for name, mk := range map[string]func(string) error{
		"symbolic link": func(p string) error { return os.Symlink("/etc/passwd", p) },
		"named pipe":    func(p string) error { return mkfifo(p) },
	} {
		t.Run(name, func(t *testing.T) {
			dir := layouttest.Build(t, t.TempDir(), layouttest.Spec{Form: layouttest.FormDir, Files: smallFiles()})
			if err := mk(filepath.Join(dir, "components", "x")); err != nil {
				t.Skip(err)
			}
			_, err := layout.Open(context.Background(), dir)
			checkErr(t, err, "format", `: components/x is a `+name+`; a Zarf package holds only regular files and directories$`)
		})
	}
}
