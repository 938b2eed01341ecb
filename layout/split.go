package layout

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

const (
	// maxSplitHeader caps the .part000 file; Zarf writes about 100 bytes.
	maxSplitHeader = 64 << 10
	// maxParts is Zarf's own limit: it refuses to split into 1,000 files.
	maxParts = 999
)

// splitHeader is the .part000 JSON of a split package.
type splitHeader struct {
	Sha256Sum string // hex sha256 of the joined data parts
	Bytes     int64  // their total size
	Count     int    // the number of data parts
}

// parseSplitHeader reads a .part000 header. The key case differs across
// Zarf versions ("Sha256Sum" and "sha256Sum"); encoding/json matches keys
// case-insensitively, which is exactly what is needed.
func parseSplitHeader(data []byte) (splitHeader, error) {
	var h splitHeader
	if len(data) > maxSplitHeader {
		return h, fmt.Errorf("split header is %d bytes, over the %d byte limit", len(data), maxSplitHeader)
	}
	if err := json.Unmarshal(data, &h); err != nil {
		return h, fmt.Errorf("split header is not JSON {sha256Sum, bytes, count}: %w", err)
	}
	h.Sha256Sum = strings.ToLower(h.Sha256Sum)
	switch {
	case !isHex64(h.Sha256Sum):
		return h, fmt.Errorf("split header sha256Sum %s is not a sha256 digest", clip(h.Sha256Sum))
	case h.Bytes <= 0:
		return h, fmt.Errorf("split header bytes is %d, want > 0", h.Bytes)
	case h.Count < 1 || h.Count > maxParts:
		return h, fmt.Errorf("split header count is %d, want 1 to %d", h.Count, maxParts)
	}
	return h, nil
}

// splitSet is the data parts of a split package, read as one archive.
type splitSet struct {
	header splitHeader
	parts  []splitPart
}

type splitPart struct {
	path        string
	start, size int64 // position in the joined archive
}

// openSplitSet reads the header at head (a .part000 file) and checks that
// every data part exists and that their sizes add up.
func openSplitSet(head string) (*splitSet, error) {
	data, err := readCapped(head, maxSplitHeader)
	if err != nil {
		return nil, err
	}
	h, err := parseSplitHeader(data)
	if err != nil {
		return nil, &FormatError{Path: head, Err: err}
	}
	base := strings.TrimSuffix(head, splitSuffix)
	s := &splitSet{header: h}
	var total int64
	for i := 1; i <= h.Count; i++ {
		path := fmt.Sprintf("%s.part%03d", base, i)
		fi, err := os.Stat(path)
		if err != nil {
			return nil, &FormatError{Path: head, Err: fmt.Errorf("split header lists %d parts: %w", h.Count, err)}
		}
		if !fi.Mode().IsRegular() {
			return nil, formatErr(head, "", "%s is not a regular file", path)
		}
		s.parts = append(s.parts, splitPart{path: path, start: total, size: fi.Size()})
		total += fi.Size()
	}
	if total != h.Bytes {
		return nil, formatErr(head, "", "split header says %d bytes, the %d parts hold %d", h.Bytes, h.Count, total)
	}
	return s, nil
}

// readCapped reads a small file whole, refusing one over max bytes.
func readCapped(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(len(data)) > max {
		return nil, formatErr(path, "", "over the %d byte limit", max)
	}
	return data, nil
}

// reader returns n bytes of the joined archive from off. It opens one part at
// a time, so that a package of hundreds of parts does not hold hundreds of
// file descriptors.
func (s *splitSet) reader(off, n int64) *partsReader {
	return &partsReader{parts: s.parts, off: off, end: off + n}
}

type partsReader struct {
	parts    []splitPart
	off, end int64
	cur      *os.File
	curIdx   int
}

func (r *partsReader) Read(p []byte) (int, error) {
	if r.off >= r.end {
		return 0, io.EOF
	}
	part, err := r.partAt(r.off)
	if err != nil {
		return 0, err
	}
	want := min(int64(len(p)), part.start+part.size-r.off, r.end-r.off)
	n, err := r.cur.ReadAt(p[:want], r.off-part.start)
	r.off += int64(n)
	if errors.Is(err, io.EOF) && int64(n) < want {
		return n, fmt.Errorf("%s: shorter than when the package was opened: %w", part.path, io.ErrUnexpectedEOF)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return n, err
	}
	return n, nil
}

// partAt makes the part holding off the current one.
func (r *partsReader) partAt(off int64) (splitPart, error) {
	i := r.curIdx
	for i < len(r.parts)-1 && off >= r.parts[i].start+r.parts[i].size {
		i++
	}
	for i > 0 && off < r.parts[i].start {
		i--
	}
	part := r.parts[i]
	if r.cur != nil && i == r.curIdx {
		return part, nil
	}
	if err := r.Close(); err != nil {
		return part, err
	}
	f, err := os.Open(part.path)
	if err != nil {
		return part, err
	}
	r.cur, r.curIdx = f, i
	return part, nil
}

func (r *partsReader) Close() error {
	if r.cur == nil {
		return nil
	}
	err := r.cur.Close()
	r.cur = nil
	return err
}
