package skeleton

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/definition"
	"github.com/docker-zarf/docker-zarf/layout"
)

// writeSource makes a package source from name -> content ("" content
// with a trailing slash makes a directory).
func writeSource(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// snapshot records every path under dir with its mode and content hash.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		sum := ""
		if fi.Mode().IsRegular() {
			c, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			s := sha256.Sum256(c)
			sum = hex.EncodeToString(s[:])
		}
		b.WriteString(p + " " + fi.Mode().String() + " " + fi.ModTime().String() + " " + sum + "\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func build(t *testing.T, src string, opts Options) (*definition.Package, string) {
	t.Helper()
	if opts.TempDir == "" {
		opts.TempDir = t.TempDir()
	}
	dir, err := Build(context.Background(), src, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	pkg, err := layout.Open(context.Background(), dir)
	if err != nil {
		t.Fatalf("the skeleton does not open: %v", err)
	}
	defer pkg.Close()
	return pkg.Definition, dir
}

const flavoredSource = `kind: ZarfPackageConfig
metadata: {name: flav, version: 0.1.0}
components:
  - name: always
    files: [{source: common.txt, target: /tmp/common.txt}]
  - name: up
    only: {flavor: upstream}
    files: [{source: up.txt, target: /tmp/f.txt}]
  - name: reg
    only: {flavor: registry1}
    files: [{source: reg.txt, target: /tmp/f.txt}]
  - name: arm-only
    only: {cluster: {architecture: arm64}}
  - name: remote
    files: [{source: "https://example.com/x.txt", target: /tmp/x.txt}]
    images: [nginx:1]
`

// TestBuildFlavor: --flavor keeps the unflavored components and those of
// the flavor, drops the others, clears only.flavor (the tag names the
// flavor) and records build.flavor, as Zarf does. Components for another
// cluster architecture than the host's are dropped too.
func TestBuildFlavor(t *testing.T) {
	src := writeSource(t, map[string]string{"zarf.yaml": flavoredSource, "common.txt": "c", "up.txt": "u", "reg.txt": "r"})
	def, dir := build(t, src, Options{Flavor: "upstream", HostArch: "amd64"})
	var names []string
	for _, c := range def.Components {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, ","); got != "always,up,remote" {
		t.Errorf("components %s, want always,up,remote", got)
	}
	if def.Flavor() != "upstream" || def.Architecture() != Arch {
		t.Errorf("flavor %q architecture %q", def.Flavor(), def.Architecture())
	}
	y, err := os.ReadFile(filepath.Join(dir, "zarf.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(y), "only:") {
		t.Errorf("only.flavor kept:\n%s", y)
	}
	if !strings.Contains(string(y), "source: https://example.com/x.txt") || !strings.Contains(string(y), "source: files/0/f.txt") {
		t.Errorf("paths not rewritten as Zarf does:\n%s", y)
	}
	// A remote-only component has no tarball.
	for name, want := range map[string]bool{"always": true, "up": true, "reg": false, "remote": false} {
		if _, err := os.Stat(filepath.Join(dir, "components", name+".tar")); (err == nil) != want {
			t.Errorf("components/%s.tar present %v, want %v", name, err == nil, want)
		}
	}
	// Unflavored, the flavored components are all dropped.
	def, _ = build(t, src, Options{HostArch: "arm64"})
	if n := len(def.Components); n != 3 || def.Flavor() != "" {
		t.Errorf("unflavored on arm64: %d components flavor %q, want always, arm-only, remote", n, def.Flavor())
	}
}

// TestBuildLeavesSourceAlone: the source directory is only read.
func TestBuildLeavesSourceAlone(t *testing.T) {
	src := writeSource(t, map[string]string{
		"zarf.yaml": `kind: ZarfPackageConfig
metadata: {name: s, version: "1"}
components:
  - name: c
    files: [{source: bin/tool, target: /usr/bin/tool, executable: true}, {source: dir, target: /etc/dir}]
    manifests: [{name: m, files: [m.yaml]}]
    charts: [{name: ch, localPath: chart, valuesFiles: [values.yaml, "https://example.com/v.yaml"]}]
    dataInjections: [{source: data, target: {namespace: n, selector: a=b, container: c, path: /data/x}}]
`,
		"bin/tool": "#!/bin/sh\n", "dir/a": "a", "dir/sub/b": "b", "m.yaml": "kind: ConfigMap\n",
		"chart/Chart.yaml": "name: ch\n", "values.yaml": "a: 1\n", "data/d": "d",
	})
	before := snapshot(t, src)
	def, dir := build(t, src, Options{})
	if after := snapshot(t, src); after != before {
		t.Errorf("the source changed:\n%s\n---\n%s", before, after)
	}
	y, _ := os.ReadFile(filepath.Join(dir, "zarf.yaml"))
	for _, want := range []string{"source: files/0/tool", "source: files/1/dir", "- manifests/m-0.yaml", "localPath: charts/ch-0",
		"- values/ch-0", "- https://example.com/v.yaml", "source: data/0/x", "version: v0.65.0"} {
		if !strings.Contains(string(y), want) {
			t.Errorf("zarf.yaml lacks %q:\n%s", want, y)
		}
	}
	if len(def.Components) != 1 {
		t.Fatalf("components: %+v", def.Components)
	}
}

func TestBuildRefusesWhatItCannotDo(t *testing.T) {
	for name, comp := range map[string]string{
		"image archives": `{name: c, imageArchives: [{path: a.tar, images: ["x:1"]}]}`,
		"local import":   `{name: c, import: {path: ../other}}`,
		"oci import":     `{name: c, import: {url: "oci://r/x:1"}}`,
		"kustomize":      `{name: c, manifests: [{name: k, kustomizations: [k]}]}`,
		"extract path":   `{name: c, files: [{source: a.tgz, target: /a, extractPath: a}]}`,
	} {
		src := writeSource(t, map[string]string{"zarf.yaml": "kind: ZarfPackageConfig\nmetadata: {name: x}\ncomponents: [" + comp + "]\n"})
		_, err := Build(context.Background(), src, Options{TempDir: t.TempDir()})
		var u *Unsupported
		if !errors.As(err, &u) {
			t.Errorf("%s: err = %v, want *Unsupported", name, err)
		}
	}
	src := writeSource(t, map[string]string{"zarf.yaml": "kind: ZarfPackageConfig\nmetadata: {name: x}\ncomponents: [{name: c, files: [{source: missing, target: /m}]}]\n"})
	tmp := t.TempDir()
	if _, err := Build(context.Background(), src, Options{TempDir: tmp}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("a missing file: %v", err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("a failed build left %d entries in the temp dir", len(left))
	}
}

// TestBuildDocumentation: documentation files go into documentation.tar
// under their base names, prefixed by their key when two collide.
func TestBuildDocumentation(t *testing.T) {
	src := writeSource(t, map[string]string{
		"zarf.yaml": "kind: ZarfPackageConfig\nmetadata: {name: d, version: \"1\"}\n" +
			"documentation: {readme: README.md, a: docs/a/notes.md, b: docs/b/notes.md}\ncomponents: [{name: c}]\n",
		"README.md": "r", "docs/a/notes.md": "a", "docs/b/notes.md": "b",
	})
	_, dir := build(t, src, Options{})
	f, err := os.Open(filepath.Join(dir, "documentation.tar"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var names []string
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		names = append(names, h.Name+" "+fs.FileMode(h.Mode).String())
	}
	if got := strings.Join(names, ","); got != ". -rwx------,README.md -rw-------,a-notes.md -rw-------,b-notes.md -rw-------" {
		t.Errorf("documentation.tar holds %s", got)
	}
}
