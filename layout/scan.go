package layout

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
)

const (
	// maxKept caps each file kept in memory (zarf.yaml, checksums.txt,
	// signatures). A checksums.txt of 100,000 files is about 10 MiB.
	maxKept = 16 << 20
	// maxFileSize rejects absurd sizes from a corrupt or hostile header.
	maxFileSize = 1 << 44
)

// scanResult is what one pass over a package learns.
type scanResult struct {
	entries []entry           // regular files in archive order
	kept    map[string][]byte // zarf.yaml, checksums.txt, signatures
}

// tarScan walks a tar stream once, checking every member and keeping the
// small files validation needs. pos reports the position of the stream (nil
// when it is compressed); size is the archive size (-1 if unknown).
type tarScan struct {
	src   string
	pos   func() int64
	size  int64
	res   scanResult
	files map[string]bool
	dirs  map[string]bool
}

func scanTar(ctx context.Context, src string, r io.Reader, pos func() int64, size int64) (*scanResult, error) {
	s := &tarScan{
		src: src, pos: pos, size: size,
		res:   scanResult{kept: make(map[string][]byte)},
		files: make(map[string]bool), dirs: make(map[string]bool),
	}
	tr := tar.NewReader(r)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, s.readErr(err)
		}
		if err := s.add(hdr, tr); err != nil {
			return nil, err
		}
	}
	if err := checkConflicts(src, s.res.entries, s.files, s.dirs); err != nil {
		return nil, err
	}
	return &s.res, nil
}

// readErr explains a failure to read the archive itself.
func (s *tarScan) readErr(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	// Nothing read at all: a file that is not an archive (a text file
	// ends in io.ErrUnexpectedEOF inside the first header).
	if len(s.res.entries) == 0 && len(s.dirs) == 0 && (errors.Is(err, tar.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF)) {
		return formatErr(s.src, "", "not a Zarf package: not a tar or tar.zst archive (%w)", err)
	}
	return formatErr(s.src, "", "reading the archive: %w", err)
}

func (s *tarScan) add(hdr *tar.Header, tr *tar.Reader) error {
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return nil // pax global metadata (git archive writes one); no file
	}
	name, err := entryPath(hdr.Name)
	if err != nil {
		return &FormatError{Path: s.src, Entry: hdr.Name, Err: fmt.Errorf("unsafe entry %s: %w", quoteName(hdr.Name), err)}
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		s.dirs[name] = true
		return nil
	case tar.TypeReg:
		return s.addFile(name, hdr, tr)
	}
	return formatErr(s.src, name, "%s is a %s; a Zarf package holds only regular files and directories", quoteName(name), typeName(hdr.Typeflag))
}

func (s *tarScan) addFile(name string, hdr *tar.Header, tr *tar.Reader) error {
	if s.files[name] {
		return formatErr(s.src, name, "%s appears twice in the archive", quoteName(name))
	}
	s.files[name] = true
	e := entry{file: File{Path: name, Size: hdr.Size}}
	if s.pos != nil {
		e.off = s.pos()
	}
	switch {
	case hdr.Size < 0 || hdr.Size > maxFileSize:
		return formatErr(s.src, name, "%s has an absurd size of %d bytes", name, hdr.Size)
	case s.size >= 0 && e.off+hdr.Size > s.size:
		return formatErr(s.src, name, "%s: archive truncated: %d bytes at offset %d run past its end (%d bytes)", name, hdr.Size, e.off, s.size)
	}
	s.res.entries = append(s.res.entries, e)
	if !isUnlisted(name) {
		return nil // not read now: hashed once, while it streams
	}
	data, err := readKept(name, tr, hdr.Size)
	if err != nil {
		return &FormatError{Path: s.src, Entry: name, Err: err}
	}
	s.res.kept[name] = data
	return nil
}

func readKept(name string, r io.Reader, size int64) ([]byte, error) {
	if size > maxKept {
		return nil, fmt.Errorf("%s is %d bytes, over the %d byte limit", name, size, maxKept)
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return data, nil
}

func typeName(flag byte) string {
	switch flag {
	case tar.TypeSymlink:
		return "symbolic link"
	case tar.TypeLink:
		return "hard link"
	case tar.TypeChar:
		return "character device"
	case tar.TypeBlock:
		return "block device"
	case tar.TypeFifo:
		return "named pipe"
	case tar.TypeGNUSparse:
		return "sparse file"
	}
	return fmt.Sprintf("member of type %q", flag)
}

// checkConflicts rejects a path that is both a file and a directory, which
// no file system can hold.
func checkConflicts(src string, entries []entry, files, dirs map[string]bool) error {
	for _, e := range entries {
		name := e.file.Path
		if dirs[name] {
			return formatErr(src, name, "%s is both a file and a directory", quoteName(name))
		}
		for _, d := range parents(name) {
			if files[d] {
				return formatErr(src, d, "%s is both a file and a directory", quoteName(d))
			}
		}
	}
	return nil
}
