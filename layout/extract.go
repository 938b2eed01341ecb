package layout

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
)

// Limits bound what Extract unpacks, so that a small hostile archive (a
// tar of millions of empty files, a zstd bomb) cannot fill a disk or an
// inode table. The zero value takes the defaults.
type Limits struct {
	// MaxBytes caps the file content written. Default (0): 8 GiB.
	MaxBytes int64
	// MaxEntries caps the members read. Default (0): 100,000.
	MaxEntries int
	// Plain refuses compressed input: the caller knows the archive is a
	// plain tar (Zarf writes sboms.tar uncompressed). Default: a zstd
	// archive is recognised by content and decompressed.
	Plain bool
}

const (
	defaultMaxBytes   = 8 << 30
	defaultMaxEntries = 100_000
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = defaultMaxBytes
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = defaultMaxEntries
	}
	return l
}

// Extract unpacks the tar archive r into dir, within lim, creating dir if
// needed. It is safe on hostile input:
// paths with "..", absolute paths, links of any kind, devices and other
// special files are rejected with a *FormatError, and every file is created
// through an os.Root, so nothing is written outside dir even if dir already
// holds symlinks. Files are created 0644 (0755 if executable) less the umask,
// directories 0755; existing files are not overwritten (an error). On error,
// what was extracted so far stays in dir.
func Extract(ctx context.Context, r io.Reader, dir string, lim Limits) error {
	lim = lim.withDefaults()
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return fmt.Errorf("extracting: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("extracting: %w", err)
	}
	defer root.Close()
	br := bufio.NewReaderSize(r, bufSize)
	var src io.Reader = br
	if magic, _ := br.Peek(len(zstdMagic)); isZstd(magic) {
		if lim.Plain {
			return fmt.Errorf("extracting: %w", &FormatError{Err: errors.New("the archive is compressed; a plain tar was expected")})
		}
		dec, err := newDecoder(br)
		if err != nil {
			return fmt.Errorf("extracting: %w", err)
		}
		defer dec.Close()
		src = dec
	}
	if err := extractTar(ctx, tar.NewReader(ctxReader{ctx, src}), root, lim); err != nil {
		return fmt.Errorf("extracting into %s: %w", dir, err)
	}
	return nil
}

func extractTar(ctx context.Context, tr *tar.Reader, root *os.Root, lim Limits) error {
	seen := make(map[string]bool)
	buf := make([]byte, bufSize)
	var entries int
	var written int64
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return readFailure("", "reading the archive", err)
		}
		if entries++; entries > lim.MaxEntries {
			return formatErr("", hdr.Name, "the archive has more than %d entries", lim.MaxEntries)
		}
		if written += max(hdr.Size, 0); written > lim.MaxBytes {
			return formatErr("", hdr.Name, "the archive holds more than %d bytes", lim.MaxBytes)
		}
		if err := extractEntry(ctx, tr, root, hdr, seen, buf); err != nil {
			return err
		}
	}
}

func extractEntry(ctx context.Context, tr *tar.Reader, root *os.Root, hdr *tar.Header, seen map[string]bool, buf []byte) error {
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return nil
	}
	name, err := entryPath(hdr.Name)
	if err != nil {
		return &FormatError{Entry: hdr.Name, Err: fmt.Errorf("unsafe entry %s: %w", quoteName(hdr.Name), err)}
	}
	if hdr.Typeflag != tar.TypeDir && hdr.Typeflag != tar.TypeReg {
		return formatErr("", name, "%s is a %s, which Extract refuses", quoteName(name), typeName(hdr.Typeflag))
	}
	if seen[name] && hdr.Typeflag == tar.TypeReg {
		return formatErr("", name, "%s appears twice in the archive", quoteName(name))
	}
	seen[name] = true
	if err := writeMember(ctx, tr, root, name, hdr, buf); err != nil {
		return fmt.Errorf("%s: %w", quoteName(name), err)
	}
	return nil
}

func writeMember(ctx context.Context, tr *tar.Reader, root *os.Root, name string, hdr *tar.Header, buf []byte) error {
	if hdr.Typeflag == tar.TypeDir {
		return root.MkdirAll(name, 0o755)
	}
	if dir := path.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	return extractFile(ctx, tr, root, name, hdr, buf)
}

func extractFile(ctx context.Context, tr *tar.Reader, root *os.Root, name string, hdr *tar.Header, buf []byte) error {
	perm := os.FileMode(0o644)
	if hdr.Mode&0o111 != 0 {
		perm = 0o755
	}
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.CopyBuffer(writerOnly{f}, ctxReader{ctx, tr}, buf); err != nil {
		return readFailure("", "reading the archive", err)
	}
	return f.Close()
}
