package layout

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
)

// laterPart matches the data parts of a split package, which are no
// package on their own.
var laterPart = regexp.MustCompile(`\.part[0-9]{3}$`)

// Open reads the package at path and validates it before returning: a
// .tar.zst or .tar file (recognised by content, not name), a split package
// (the .part000 header, or the path without the suffix when only parts
// exist), or a directory. It checks that zarf.yaml parses, that
// checksums.txt matches the aggregate checksum, that the files present are
// exactly those listed, and that no member is unsafe. A compressed archive
// is decompressed once to do so; file contents are hashed later, while they
// stream from Package.Open or Package.Walk.
//
// Broken packages give a *FormatError or a *ChecksumError (use errors.As);
// a skeleton source directory gives an error wrapping ErrSkeleton. The
// caller must Close the package.
func Open(ctx context.Context, path string) (*Package, error) {
	return OpenWith(ctx, path, OpenOptions{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, path string, o OpenOptions) (*Package, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && exists(path+splitSuffix):
		return openSplit(ctx, path, path+splitSuffix)
	case err != nil:
		return nil, fmt.Errorf("opening package: %w", err)
	case fi.IsDir():
		return openDir(ctx, path)
	case filepath.Ext(path) == splitSuffix:
		return openSplit(ctx, path, path)
	case laterPart.MatchString(path):
		return nil, formatErr(path, "", "is one part of a split package: open its .part000 file")
	case !fi.Mode().IsRegular():
		// A pipe or device would block or never end.
		return nil, formatErr(path, "", "not a regular file or directory")
	}
	return openArchive(ctx, path, o)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// openArchive opens a .tar or .tar.zst file. The file stays open: readers
// of files are sections of it.
func openArchive(ctx context.Context, path string, o OpenOptions) (_ *Package, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening package: %w", err)
	}
	p := &Package{Source: path, file: f, Form: FormTar}
	defer func() {
		if err != nil {
			p.Close()
		}
	}()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("opening package: %w", err)
	}
	p.size = fi.Size()
	head := make([]byte, len(zstdMagic))
	n, _ := f.ReadAt(head, 0)
	raw := io.NewSectionReader(f, 0, p.size)
	var res *scanResult
	if isZstd(head[:n]) {
		p.Form, p.zstd = FormTarZst, true
		res, err = scanCompressedCached(ctx, path, fi, raw, o.ScanCache)
	} else {
		c := &seekCounter{counter: counter{r: raw}, s: raw}
		res, err = scanTar(ctx, path, c, c.pos, p.size)
	}
	if err != nil {
		return nil, err
	}
	if err := p.finish(res); err != nil {
		return nil, err
	}
	return p, nil
}

// scanCompressedCached reads the scan of the archive from dir when it was
// kept there for this very file, and otherwise scans it and keeps it.
func scanCompressedCached(ctx context.Context, path string, fi os.FileInfo, raw io.Reader, dir string) (*scanResult, error) {
	key := ""
	if dir != "" {
		key = scanKey(path, fi)
	}
	if res := loadScan(dir, key); res != nil {
		return res, nil
	}
	res, err := scanCompressed(ctx, path, bufio.NewReaderSize(raw, bufSize))
	if err == nil {
		storeScan(dir, key, path, res)
	}
	return res, err
}

// scanCompressed scans a tar.zst stream, then reads the decoder to its end:
// a stream truncated or corrupt after the tar trailer must fail too.
func scanCompressed(ctx context.Context, src string, r io.Reader) (*scanResult, error) {
	dec, err := newDecoder(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src, err)
	}
	defer dec.Close()
	res, err := scanTar(ctx, src, ctxReader{ctx, dec}, nil, -1)
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(io.Discard, ctxReader{ctx, dec}); err != nil {
		return nil, readFailure(src, "decompressing the archive", err)
	}
	return res, nil
}

// readFailure keeps cancellation errors as they are and calls anything else
// a broken package.
func readFailure(src, doing string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return formatErr(src, "", "%s: %w", doing, err)
}

// openSplit opens a split package: the parts stream as one archive and are
// hashed as they pass, so the header's sha256 is checked in the same pass
// that scans the archive.
func openSplit(ctx context.Context, src, head string) (_ *Package, err error) {
	set, err := openSplitSet(head)
	if err != nil {
		return nil, err
	}
	p := &Package{Source: src, Form: FormSplit, split: set, size: set.header.Bytes}
	raw := set.reader(0, p.size)
	defer raw.Close()
	h := sha256.New()
	br := bufio.NewReaderSize(raw, bufSize)
	magic, _ := br.Peek(len(zstdMagic))
	p.zstd = isZstd(magic)
	tee := io.TeeReader(br, h)
	var res *scanResult
	if p.zstd {
		res, err = scanCompressed(ctx, src, tee)
	} else {
		c := &counter{r: tee}
		res, err = scanTar(ctx, src, c, c.pos, p.size)
	}
	if err != nil {
		return nil, err
	}
	// Hash whatever follows the archive's end so the sum covers every byte.
	if _, err := io.Copy(io.Discard, ctxReader{ctx, tee}); err != nil {
		return nil, readFailure(src, "reading the split parts", err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != set.header.Sha256Sum {
		ce := &ChecksumError{Path: filepath.Base(head), Want: "sha256:" + set.header.Sha256Sum, Got: "sha256:" + got}
		return nil, fmt.Errorf("%s: %w", src, ce)
	}
	if err := p.finish(res); err != nil {
		return nil, err
	}
	return p, nil
}
