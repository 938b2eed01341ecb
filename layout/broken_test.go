package layout_test

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/layout/layouttest"
)

// brokenCases are packages Open must refuse, with the error they give.
var brokenCases = []struct {
	name string
	spec layouttest.Spec
	want string // regexp matched against the error message
	kind string // "format", "checksum" or "skeleton"
}{
	{"wrong aggregate", layouttest.Spec{Break: layouttest.Break{WrongAggregate: true}},
		`: checksums.txt: checksum mismatch: zarf.yaml's aggregateChecksum says sha256:[0-9a-f]{64}, checksums.txt is sha256:[0-9a-f]{64}$`, "checksum"},
	{"unlisted file", layouttest.Spec{Break: layouttest.Break{Unlisted: "values.yaml"}},
		`\.tar\.zst: values.yaml is in the package but checksums.txt does not list it$`, "format"},
	{"missing file", layouttest.Spec{Form: layouttest.FormTar, Break: layouttest.Break{Missing: "images/index.json"}},
		`\.tar: checksums.txt lists images/index.json but the package does not contain it$`, "format"},
	{"missing file dir", layouttest.Spec{Form: layouttest.FormDir, Break: layouttest.Break{Missing: "components/app.tar"}},
		`checksums.txt lists components/app.tar but the package does not contain it$`, "format"},
	{"no checksums", layouttest.Spec{Break: layouttest.Break{NoChecksums: true}},
		`\.tar\.zst: not a complete Zarf package: no checksums.txt \(packages from Zarf before v0\.25 are not supported\)$`, "format"},
	{"no zarf.yaml", layouttest.Spec{Break: layouttest.Break{NoZarfYAML: true}},
		`\.tar\.zst: not a Zarf package: no zarf.yaml$`, "format"},
	{"skeleton", layouttest.Spec{Form: layouttest.FormDir, Break: layouttest.Break{NoChecksums: true}},
		`is a skeleton package source \(zarf.yaml without checksums.txt\); a package source, not a built package$`, "skeleton"},
	{"zarf.yaml garbage", layouttest.Spec{EditZarfYAML: func(string) string { return "{{{" }},
		`: zarf.yaml does not parse`, "format"},
	{"zarf.yaml wrong kind", layouttest.Spec{EditZarfYAML: func(y string) string { return strings.Replace(y, "ZarfPackageConfig", "Pod", 1) }},
		`zarf.yaml is not a Zarf package: kind "Pod"`, "format"},
	{"no aggregate", layouttest.Spec{EditZarfYAML: func(y string) string {
		return regexp.MustCompile(`(?m)^  aggregateChecksum.*\n`).ReplaceAllString(y, "")
	}},
		`\.tar\.zst: zarf.yaml has no aggregateChecksum$`, "format"},
	{"malformed checksums", layouttest.Spec{Break: layouttest.Break{EditChecksums: func(s string) string { return s + "nothex values.yaml\n" }}},
		`checksums.txt line \d+ "nothex values.yaml": digest is not 64 lowercase hex digits`, "format"},
	{"checksums lists zarf.yaml", layouttest.Spec{Break: layouttest.Break{EditChecksums: func(s string) string { return s + strings.Repeat("a", 64) + " zarf.yaml\n" }}},
		`checksums.txt lists zarf.yaml, which it cannot cover`, "format"},
	{"checksums unsafe path", layouttest.Spec{Break: layouttest.Break{EditChecksums: func(s string) string { return s + strings.Repeat("a", 64) + " ../x\n" }}},
		`path leaves the package`, "format"},
	{"symlink", layouttest.Spec{Extra: []layouttest.RawEntry{{Header: tar.Header{Typeflag: tar.TypeSymlink, Name: "link", Linkname: "/etc/passwd"}}}},
		`: link is a symbolic link; a Zarf package holds only regular files and directories$`, "format"},
	{"hardlink", layouttest.Spec{Form: layouttest.FormTar, Extra: []layouttest.RawEntry{{Header: tar.Header{Typeflag: tar.TypeLink, Name: "hard", Linkname: "zarf.yaml"}}}},
		`hard is a hard link`, "format"},
	{"device", layouttest.Spec{Extra: []layouttest.RawEntry{{Header: tar.Header{Typeflag: tar.TypeChar, Name: "dev/null", Devmajor: 1, Devminor: 3}}}},
		`dev/null is a character device`, "format"},
	{"fifo", layouttest.Spec{Extra: []layouttest.RawEntry{{Header: tar.Header{Typeflag: tar.TypeFifo, Name: "pipe"}}}},
		`pipe is a named pipe`, "format"},
	{"dot dot", layouttest.Spec{Extra: []layouttest.RawEntry{{Header: tar.Header{Typeflag: tar.TypeReg, Name: "../evil"}, Data: []byte("x")}}},
		`\.tar\.zst: unsafe entry \.\./evil: path leaves the package \(\.\.\)$`, "format"},
	{"absolute", layouttest.Spec{Extra: []layouttest.RawEntry{{Header: tar.Header{Typeflag: tar.TypeReg, Name: "/etc/evil"}, Data: []byte("x")}}},
		`unsafe entry /etc/evil: absolute path`, "format"},
	{"control char", layouttest.Spec{Extra: []layouttest.RawEntry{{Header: tar.Header{Typeflag: tar.TypeReg, Name: "a\nb"}, Data: []byte("x")}}},
		`unsafe entry "a\\nb": control character in path`, "format"},
	{"duplicate", layouttest.Spec{Extra: []layouttest.RawEntry{{Header: tar.Header{Typeflag: tar.TypeReg, Name: "values.yaml"}, Data: []byte("x")}}},
		`values.yaml appears twice in the archive$`, "format"},
	{"file and dir", layouttest.Spec{Extra: []layouttest.RawEntry{{Header: tar.Header{Typeflag: tar.TypeReg, Name: "components"}, Data: []byte("x")}}},
		`components is both a file and a directory$`, "format"},
	{"split header garbage", layouttest.Spec{Form: layouttest.FormSplit, Break: layouttest.Break{EditSplitHeader: func(string) string { return "nope" }}},
		`\.part000: split header is not JSON`, "format"},
	{"split wrong sum", layouttest.Spec{Form: layouttest.FormSplit, Break: layouttest.Break{EditSplitHeader: func(h string) string {
		return regexp.MustCompile(`[0-9a-f]{64}`).ReplaceAllString(h, strings.Repeat("b", 64))
	}}}, `\.tar\.zst\.part000: checksum mismatch: the split header says sha256:b{64}, the joined parts are sha256:[0-9a-f]{64}$`, "checksum"},
	{"split wrong bytes", layouttest.Spec{Form: layouttest.FormSplit, Break: layouttest.Break{EditSplitHeader: func(h string) string {
		return regexp.MustCompile(`"Bytes":\d+`).ReplaceAllString(h, `"Bytes":5`)
	}}}, `split header says 5 bytes, the 3 parts hold \d+$`, "format"},
	{"split lowercase keys, wrong count", layouttest.Spec{Form: layouttest.FormSplit, Break: layouttest.Break{EditSplitHeader: func(h string) string {
		return strings.NewReplacer(`"Count":3`, `"count":4`, "Sha256Sum", "sha256sum").Replace(h)
	}}}, `split header lists 4 parts: stat .*\.part004: no such file or directory$`, "format"},
	{"split missing part", layouttest.Spec{Form: layouttest.FormSplit, Break: layouttest.Break{DropPart: 2}},
		`split header lists 3 parts: stat .*\.part002: no such file or directory$`, "format"},
}

func TestOpenBroken(t *testing.T) {
	for _, tc := range brokenCases {
		t.Run(tc.name, func(t *testing.T) {
			spec := tc.spec
			spec.Files = smallFiles()
			path := layouttest.Build(t, t.TempDir(), spec)
			p, err := layout.Open(context.Background(), path)
			if err == nil {
				p.Close()
				t.Fatal("Open succeeded")
			}
			checkErr(t, err, tc.kind, tc.want)
		})
	}
}

// checkErr checks an error's type and that it is one line matching want.
func checkErr(t *testing.T, err error, kind, want string) {
	t.Helper()
	var fe *layout.FormatError
	var ce *layout.ChecksumError
	switch {
	case kind == "format" && !errors.As(err, &fe),
		kind == "checksum" && !errors.As(err, &ce),
		kind == "skeleton" && !errors.Is(err, layout.ErrSkeleton):
		t.Errorf("error %T (%v) is not a %s error", err, err, kind)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !regexp.MustCompile(want).MatchString(msg) {
		t.Errorf("error\n%s\ndoes not match\n%s", msg, want)
	}
}

// TestWrongChecksumStreams checks that a file whose bytes differ from
// checksums.txt opens (big files are not hashed by Open) but fails as it
// streams, in every form.
func TestWrongChecksumStreams(t *testing.T) {
	for _, tc := range forms {
		t.Run(tc.name, func(t *testing.T) {
			spec := tc.spec
			spec.Files = smallFiles()
			spec.Break.WrongChecksum = "components/app.tar"
			p, err := layout.Open(context.Background(), layouttest.Build(t, t.TempDir(), spec))
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			err = p.Walk(context.Background(), func(f layout.File, r io.Reader) error {
				_, err := io.Copy(io.Discard, r)
				return err
			})
			checkErr(t, err, "checksum", `^components/app.tar: checksum mismatch: checksums.txt says sha256:[0-9a-f]{64}, content is sha256:[0-9a-f]{64}$`)
		})
	}
}

func TestOpenNotAPackage(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, content, want string
	}{
		{"empty.tar", "", `empty.tar: not a Zarf package: no zarf.yaml$`},
		{"junk.tar", strings.Repeat("junk", 200), `junk.tar: not a Zarf package: not a tar or tar.zst archive \(archive/tar: invalid tar header\)$`},
		{"junk.tar.zst", "\x28\xb5\x2f\xfd" + strings.Repeat("junk", 200), `junk.tar.zst: reading the archive: `},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := layout.Open(context.Background(), path)
			if err == nil {
				t.Fatal("Open succeeded")
			}
			checkErr(t, err, "format", tc.want)
		})
	}
}

// TestOpenTruncated cuts valid archives short at several points.
func TestOpenTruncated(t *testing.T) {
	for _, form := range []layouttest.Form{layouttest.FormTar, layouttest.FormTarZst} {
		path := layouttest.Build(t, t.TempDir(), layouttest.Spec{Form: form, Files: smallFiles()})
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, cut := range []int{len(data) / 3, len(data) / 2, len(data) - 1500, len(data) - 10} {
			if err := os.WriteFile(path, data[:cut], 0o644); err != nil {
				t.Fatal(err)
			}
			p, err := layout.Open(context.Background(), path)
			if err == nil {
				p.Close()
				t.Errorf("%s cut at %d of %d: Open succeeded", form, cut, len(data))
				continue
			}
			var fe *layout.FormatError
			if !errors.As(err, &fe) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s cut at %d: %T %v", form, cut, err, err)
			}
		}
	}
}
