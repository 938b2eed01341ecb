package layouttest

import (
	"archive/tar"
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
)

// write stores files at path in the spec's form and returns the path to
// open.
func write(path string, s Spec, files map[string]Content) (string, error) {
	switch s.Form {
	case FormTarZst, FormTar:
		return path, writeArchiveFile(path, s.Form == FormTarZst, files, s.Extra)
	case FormDir:
		if len(s.Extra) > 0 {
			return "", errors.New("Extra needs a tar form")
		}
		return path, writeDir(path, files)
	case FormSplit:
		if err := writeArchiveFile(path, s.SplitOf == FormTarZst, files, s.Extra); err != nil {
			return "", err
		}
		return splitFile(path, s)
	}
	return "", fmt.Errorf("unknown form %q", s.Form)
}

func writeArchiveFile(path string, compress bool, files map[string]Content, extra []RawEntry) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	var w io.Writer = bw
	var enc *zstd.Encoder
	if compress {
		if enc, err = zstd.NewWriter(bw); err != nil {
			return err
		}
		w = enc
	}
	if err := writeTar(w, files, extra); err != nil {
		if enc != nil {
			enc.Close()
		}
		return err
	}
	if enc != nil {
		if err := enc.Close(); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// writeTar writes the members in walk order with a directory entry before
// the first file under it, times and owners zeroed, then the extras.
func writeTar(w io.Writer, files map[string]Content, extra []RawEntry) error {
	tw := tar.NewWriter(w)
	dirs := make(map[string]bool)
	for _, p := range walkOrder(files) {
		for _, d := range parents(p) {
			if !dirs[d] {
				dirs[d] = true
				if err := tw.WriteHeader(header(d, tar.TypeDir, 0)); err != nil {
					return err
				}
			}
		}
		c := files[p]
		if err := tw.WriteHeader(header(p, tar.TypeReg, c.Size())); err != nil {
			return err
		}
		if _, err := io.CopyBuffer(tw, c.Reader(), make([]byte, 1<<20)); err != nil {
			return fmt.Errorf("writing %s: %w", p, err)
		}
	}
	for _, e := range extra {
		if err := writeRaw(tw, e); err != nil {
			return err
		}
	}
	return tw.Close()
}

func writeRaw(tw *tar.Writer, e RawEntry) error {
	hdr := e.Header
	if hdr.Size == 0 && hdr.Typeflag == tar.TypeReg {
		hdr.Size = int64(len(e.Data))
	}
	if hdr.ModTime.IsZero() {
		hdr.ModTime = time.Unix(0, 0)
	}
	if err := tw.WriteHeader(&hdr); err != nil {
		return fmt.Errorf("extra entry %q: %w", hdr.Name, err)
	}
	_, err := tw.Write(e.Data)
	return err
}

func header(name string, flag byte, size int64) *tar.Header {
	mode := int64(0o644)
	if flag == tar.TypeDir {
		mode = 0o755
	}
	return &tar.Header{Typeflag: flag, Name: name, Size: size, Mode: mode, ModTime: time.Unix(0, 0)}
}

// walkOrder sorts paths as a directory walk visits them: element by element.
func walkOrder(files map[string]Content) []string {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	slices.SortFunc(paths, func(a, b string) int {
		return slices.Compare(strings.Split(a, "/"), strings.Split(b, "/"))
	})
	return paths
}

func parents(p string) []string {
	var dirs []string
	for i := range len(p) {
		if p[i] == '/' {
			dirs = append(dirs, p[:i])
		}
	}
	return dirs
}

func writeDir(dir string, files map[string]Content) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	for p, c := range files {
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := writeFile(dst, c); err != nil {
			return err
		}
	}
	return os.MkdirAll(dir, 0o755)
}

func writeFile(dst string, c Content) (err error) {
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	_, err = io.CopyBuffer(struct{ io.Writer }{f}, c.Reader(), make([]byte, 1<<20))
	return err
}
