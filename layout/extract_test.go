package layout_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/klauspost/compress/zstd"
)

type tarMember struct {
	hdr  tar.Header
	data string
}

func reg(name, data string) tarMember {
	return tarMember{tar.Header{Typeflag: tar.TypeReg, Name: name, Size: int64(len(data)), Mode: 0o644}, data}
}

func makeTar(t *testing.T, members ...tarMember) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, m := range members {
		hdr := m.hdr
		if err := tw.WriteHeader(&hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(m.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestExtractRejects(t *testing.T) {
	link := func(flag byte, name, target string) tarMember {
		return tarMember{hdr: tar.Header{Typeflag: flag, Name: name, Linkname: target}}
	}
	cases := []struct {
		name    string
		members []tarMember
		want    string
	}{
		{"dot dot", []tarMember{reg("../evil", "x")}, "unsafe entry ../evil: path leaves the package"},
		{"nested dot dot", []tarMember{reg("a/../../evil", "x")}, "path leaves the package"},
		{"absolute", []tarMember{reg("/tmp/evil", "x")}, "absolute path"},
		{"symlink out", []tarMember{link(tar.TypeSymlink, "link", "/etc"), reg("link/passwd", "x")}, "link is a symbolic link, which Extract refuses"},
		{"symlink in", []tarMember{reg("a", "x"), link(tar.TypeSymlink, "b", "a")}, "b is a symbolic link"},
		{"hardlink out", []tarMember{link(tar.TypeLink, "h", "/etc/passwd")}, "h is a hard link"},
		{"char device", []tarMember{{hdr: tar.Header{Typeflag: tar.TypeChar, Name: "null", Devmajor: 1, Devminor: 3}}}, "null is a character device"},
		{"block device", []tarMember{{hdr: tar.Header{Typeflag: tar.TypeBlock, Name: "sda", Devmajor: 8}}}, "sda is a block device"},
		{"fifo", []tarMember{{hdr: tar.Header{Typeflag: tar.TypeFifo, Name: "p"}}}, "p is a named pipe"},
		{"duplicate", []tarMember{reg("a", "1"), reg("a", "2")}, "a appears twice"},
		{"file then dir", []tarMember{reg("a", "1"), reg("a/b", "2")}, "a/b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			outer := t.TempDir()
			dir := filepath.Join(outer, "dst")
			err := layout.Extract(context.Background(), bytes.NewReader(makeTar(t, tc.members...)), dir, layout.Limits{})
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
			if entries, _ := os.ReadDir(outer); len(entries) != 1 {
				t.Errorf("something escaped: %v", entries)
			}
		})
	}
}

// TestExtractThroughExistingSymlink puts a symlink pointing outside into the
// target directory first: extraction through it must fail.
func TestExtractThroughExistingSymlink(t *testing.T) {
	outer := t.TempDir()
	outside := filepath.Join(outer, "outside")
	dir := filepath.Join(outer, "dst")
	for _, d := range []string{outside, dir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(dir, "sub")); err != nil {
		t.Fatal(err)
	}
	err := layout.Extract(context.Background(), bytes.NewReader(makeTar(t, reg("sub/evil", "x"))), dir, layout.Limits{})
	if err == nil {
		t.Error("Extract wrote through a symlink")
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("escaped into %s: %v", outside, entries)
	}
}

func TestExtract(t *testing.T) {
	archive := makeTar(t,
		tarMember{hdr: tar.Header{Typeflag: tar.TypeDir, Name: "./components/", Mode: 0o700}},
		reg("./components/a.tar", "aaa"),
		reg("zarf.yaml", "kind: x"),
		tarMember{hdr: tar.Header{Typeflag: tar.TypeXGlobalHeader, Name: "pax_global_header", PAXRecords: map[string]string{"comment": "x"}}},
		tarMember{tar.Header{Typeflag: tar.TypeReg, Name: "bin/run", Size: 2, Mode: 0o4755}, "#!"},
	)
	var zst bytes.Buffer
	enc, _ := zstd.NewWriter(&zst)
	enc.Write(archive)
	enc.Close()
	for name, data := range map[string][]byte{"tar": archive, "tar.zst": zst.Bytes()} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := layout.Extract(context.Background(), bytes.NewReader(data), dir, layout.Limits{}); err != nil {
				t.Fatal(err)
			}
			for path, want := range map[string]string{"components/a.tar": "aaa", "zarf.yaml": "kind: x", "bin/run": "#!"} {
				if got, err := os.ReadFile(filepath.Join(dir, path)); err != nil || string(got) != want {
					t.Errorf("%s = %q, %v", path, got, err)
				}
			}
			if fi, err := os.Stat(filepath.Join(dir, "bin/run")); err != nil || fi.Mode()&os.ModeSetuid != 0 || fi.Mode()&0o100 == 0 {
				t.Errorf("bin/run mode %v, %v: want executable without setuid", fi.Mode(), err)
			}
			// Extracting again into the same directory does not overwrite.
			if err := layout.Extract(context.Background(), bytes.NewReader(data), dir, layout.Limits{}); !errors.Is(err, os.ErrExist) {
				t.Errorf("second Extract = %v, want ErrExist", err)
			}
		})
	}
}

func TestExtractCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := layout.Extract(ctx, bytes.NewReader(makeTar(t, reg("a", "x"))), t.TempDir(), layout.Limits{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

// TestExtractLimits: a hostile archive cannot write past its limits in
// entries or bytes, and a caller that expects a plain tar refuses zstd.
func TestExtractLimits(t *testing.T) {
	many := make([]tarMember, 0, 11)
	for i := range 11 {
		many = append(many, reg(fmt.Sprintf("f%02d", i), ""))
	}
	big := reg("big", strings.Repeat("x", 4096))
	var zst bytes.Buffer
	enc, _ := zstd.NewWriter(&zst)
	enc.Write(makeTar(t, reg("a", "x")))
	enc.Close()
	for _, tc := range []struct {
		name string
		data []byte
		lim  layout.Limits
		want string
	}{
		{"entries", makeTar(t, many...), layout.Limits{MaxEntries: 10}, "more than 10 entries"},
		{"bytes", makeTar(t, reg("small", "x"), big), layout.Limits{MaxBytes: 4000}, "more than 4000 bytes"},
		{"plain", zst.Bytes(), layout.Limits{Plain: true}, "compressed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			err := layout.Extract(context.Background(), bytes.NewReader(tc.data), dir, tc.lim)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "big")); err == nil {
				t.Error("the member over the byte limit was written")
			}
		})
	}
}
