package layout_test

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/klauspost/compress/zstd"
)

// readPackage returns every file of the package at path, in memory (for
// small packages only).
func readPackage(t *testing.T, path string) (*layout.Package, map[string][]byte) {
	t.Helper()
	p, err := layout.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	files := map[string][]byte{}
	err = p.Walk(context.Background(), func(f layout.File, r io.Reader) error {
		b, err := io.ReadAll(r)
		files[f.Path] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return p, files
}

func entriesOf(files map[string][]byte) []layout.Entry {
	var entries []layout.Entry
	for path, b := range files {
		entries = append(entries, layout.Entry{Path: path, Size: int64(len(b)), Open: func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(b)), nil
		}})
	}
	return entries
}

// TestWriteLikeFixtures rewrites the Zarf CLI's packages and compares the
// archives member by member.
func TestWriteLikeFixtures(t *testing.T) {
	cases := []struct {
		path   string
		format layout.Format
	}{
		{"zarf-package-demo-amd64-1.0.0.tar.zst", layout.FormatTarZst},
		{"zarf-package-flavored-amd64-0.2.0-upstream.tar", layout.FormatTar},
		{"signed/zarf-package-flavored-amd64-0.2.0-upstream.tar", layout.FormatTar},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			src := filepath.Join(fixtures, tc.path)
			orig, files := readPackage(t, src)
			dst := filepath.Join(t.TempDir(), layout.FileName(orig.Definition, tc.format))
			if filepath.Base(dst) != filepath.Base(src) {
				t.Errorf("FileName = %s, want %s", filepath.Base(dst), filepath.Base(src))
			}
			if err := layout.Write(context.Background(), dst, tc.format, entriesOf(files)); err != nil {
				t.Fatal(err)
			}
			want, got := tarHeaders(t, src), tarHeaders(t, dst)
			if !slices.Equal(names(got), names(withoutEmptyDirs(want))) {
				t.Errorf("members\n got %v\nwant %v", names(got), names(want))
			}
			checkZeroed(t, got)
			written, again := readPackage(t, dst)
			if !slices.Equal(written.Files, orig.Files) || !maps.EqualFunc(again, files, bytes.Equal) {
				t.Error("the written package differs from the original")
			}
			checkExtracted(t, dst, files)
		})
	}
}

type member struct {
	name string
	flag byte
	hdr  *tar.Header
}

func names(ms []member) []string {
	var s []string
	for _, m := range ms {
		s = append(s, string(m.flag)+" "+m.name)
	}
	return s
}

// withoutEmptyDirs drops directory members with nothing under them (Zarf
// archives an empty images/ingest; Write has only files to write).
func withoutEmptyDirs(ms []member) []member {
	var out []member
	for _, m := range ms {
		if m.flag == tar.TypeDir && !slices.ContainsFunc(ms, func(o member) bool { return strings.HasPrefix(o.name, m.name+"/") }) {
			continue
		}
		out = append(out, m)
	}
	return out
}

func tarHeaders(t *testing.T, path string) []member {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if magic, _ := br.Peek(4); string(magic) == "\x28\xb5\x2f\xfd" {
		dec, err := zstd.NewReader(br)
		if err != nil {
			t.Fatal(err)
		}
		defer dec.Close()
		r = dec
	}
	var ms []member
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return ms
		}
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, member{hdr.Name, hdr.Typeflag, hdr})
	}
}

// checkZeroed checks what makes archives reproducible: no owners, no
// times, plain USTAR headers like Zarf's.
func checkZeroed(t *testing.T, ms []member) {
	t.Helper()
	for _, m := range ms {
		h := m.hdr
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" || !h.ModTime.Equal(time.Unix(0, 0)) ||
			h.Format != tar.FormatUSTAR || strings.HasSuffix(h.Name, "/") {
			t.Errorf("%s: uid %d gid %d uname %q gname %q mtime %v format %v", h.Name, h.Uid, h.Gid, h.Uname, h.Gname, h.ModTime, h.Format)
		}
	}
}

func checkExtracted(t *testing.T, archive string, files map[string][]byte) {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dir := t.TempDir()
	if err := layout.Extract(context.Background(), f, dir, layout.Limits{}); err != nil {
		t.Fatal(err)
	}
	for path, want := range files {
		got, err := os.ReadFile(filepath.Join(dir, path))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("extracted %s differs (%v)", path, err)
		}
	}
}

func TestWriteDeterministic(t *testing.T) {
	files := map[string][]byte{
		"zarf.yaml": []byte("kind: x"), "a-c": []byte("1"), "a/b": []byte("2"), "a/c/d": make([]byte, 3<<20), "empty": nil,
	}
	for _, format := range []layout.Format{layout.FormatTarZst, layout.FormatTar} {
		dir := t.TempDir()
		var outputs [][]byte
		for i := range 2 {
			entries := entriesOf(files)
			if i == 1 {
				slices.Reverse(entries)
			}
			dst := filepath.Join(dir, "out")
			if err := layout.Write(context.Background(), dst, format, entries); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(dst)
			if err != nil {
				t.Fatal(err)
			}
			outputs = append(outputs, b)
		}
		if !bytes.Equal(outputs[0], outputs[1]) {
			t.Errorf("%s: two writes of the same entries differ", format)
		}
		got := names(tarHeaders(t, filepath.Join(dir, "out")))
		want := []string{"5 a", "0 a/b", "5 a/c", "0 a/c/d", "0 a-c", "0 empty", "0 zarf.yaml"}
		if !slices.Equal(got, want) {
			t.Errorf("%s: members %v, want %v", format, got, want)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Errorf("%s: %d files in the output directory, want 1", format, len(entries))
		}
	}
}

func TestWriteDir(t *testing.T) {
	_, files := readPackage(t, filepath.Join(fixtures, "zarf-package-demo-amd64-1.0.0.tar.zst"))
	dst := filepath.Join(t.TempDir(), "pkg")
	if err := layout.Write(context.Background(), dst, layout.FormatDir, entriesOf(files)); err != nil {
		t.Fatal(err)
	}
	p, got := readPackage(t, dst)
	if p.Form != layout.FormDir || !maps.EqualFunc(got, files, bytes.Equal) {
		t.Errorf("form %s, files differ: %v", p.Form, !maps.EqualFunc(got, files, bytes.Equal))
	}
	if entries, _ := os.ReadDir(filepath.Dir(dst)); len(entries) != 1 {
		t.Errorf("%d entries beside dst, want 1", len(entries))
	}
}

// TestWriteFailureLeavesNothing checks that a failed or cancelled Write
// leaves no output and no temporary file, and keeps an older dst intact.
func TestWriteFailureLeavesNothing(t *testing.T) {
	ok := func(s string) layout.Entry {
		return layout.Entry{Path: s, Size: 3, Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("abc")), nil }}
	}
	sized := func(s string, size int64, content string) layout.Entry {
		e := ok(s)
		e.Size = size
		e.Open = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(content)), nil }
		return e
	}
	failing := ok("b")
	failing.Open = func() (io.ReadCloser, error) { return nil, errors.New("download failed") }
	cases := []struct {
		name    string
		entries []layout.Entry
		want    string
	}{
		{"short content", []layout.Entry{ok("a"), sized("b", 5, "abc")}, "b: got 3 bytes, want 5"},
		{"long content", []layout.Entry{sized("b", 2, "abc")}, "b: more than the 2 bytes declared"},
		{"open fails", []layout.Entry{ok("a"), failing}, "opening b: download failed"},
		{"duplicate", []layout.Entry{ok("a"), ok("a")}, "entry a is given twice"},
		{"file and dir", []layout.Entry{ok("a"), ok("a/b")}, "entry a is both a file and a directory"},
		{"unsafe path", []layout.Entry{ok("../a")}, "path leaves the package"},
		{"absolute path", []layout.Entry{ok("/a")}, "absolute path"},
	}
	for _, format := range []layout.Format{layout.FormatTarZst, layout.FormatTar, layout.FormatDir} {
		for _, tc := range cases {
			t.Run(string(format)+" "+tc.name, func(t *testing.T) {
				dir := t.TempDir()
				dst := filepath.Join(dir, "out")
				err := layout.Write(context.Background(), dst, format, tc.entries)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("err = %v, want %q", err, tc.want)
				}
				checkEmpty(t, dir)
			})
		}
	}
	t.Run("keeps old dst", func(t *testing.T) {
		dst := filepath.Join(t.TempDir(), "out")
		os.WriteFile(dst, []byte("old"), 0o644)
		layout.Write(context.Background(), dst, layout.FormatTar, []layout.Entry{sized("b", 5, "abc")})
		if b, _ := os.ReadFile(dst); string(b) != "old" {
			t.Errorf("dst = %q after a failed write", b)
		}
		if err := layout.Write(context.Background(), dst, layout.FormatTar, []layout.Entry{ok("a")}); err != nil {
			t.Fatal(err)
		}
		if entries, _ := os.ReadDir(filepath.Dir(dst)); len(entries) != 1 {
			t.Errorf("%d entries beside dst, want 1", len(entries))
		}
	})
	if err := layout.Write(context.Background(), filepath.Join(t.TempDir(), "x"), "zip", nil); err == nil {
		t.Error("unknown format accepted")
	}
}

// TestWriteCancel cancels while an entry streams (pipelined downloads
// block in Open or Read): Write must stop and leave nothing.
func TestWriteCancel(t *testing.T) {
	for _, format := range []layout.Format{layout.FormatTarZst, layout.FormatTar, layout.FormatDir} {
		t.Run(string(format), func(t *testing.T) {
			dir := t.TempDir()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			slow := layout.Entry{Path: "components/big.tar", Size: 64 << 20, Open: func() (io.ReadCloser, error) {
				return io.NopCloser(&cancelAfter{n: 1 << 20, cancel: cancel}), nil
			}}
			err := layout.Write(ctx, filepath.Join(dir, "out"), format, []layout.Entry{slow})
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
			checkEmpty(t, dir)
		})
	}
}

// cancelAfter yields zeros and cancels its context after n bytes, as if the
// user pressed Ctrl-C mid-download.
type cancelAfter struct {
	n      int
	cancel func()
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	if c.n <= 0 {
		c.cancel()
	}
	n := min(len(p), max(c.n, 1))
	clear(p[:n])
	c.n -= n
	return n, nil
}

func checkEmpty(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left behind: %s", e.Name())
	}
}
