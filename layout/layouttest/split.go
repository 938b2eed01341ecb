package layouttest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// splitFile splits the archive at path like `zarf package create -m`:
// data parts path.part001… of PartSize bytes, the JSON header in
// path.part000, and the archive itself removed. It returns the header path.
func splitFile(path string, s Spec) (string, error) {
	defer os.Remove(path)
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	size := s.PartSize
	if size <= 0 {
		size = max((fi.Size()+2)/3, 1)
	}
	sum, count, err := writeParts(path, size)
	if err != nil {
		return "", err
	}
	// The key case is that of Zarf v0.84 (see the split fixture).
	header := fmt.Sprintf(`{"Sha256Sum":"%s","Bytes":%d,"Count":%d}`, sum, fi.Size(), count)
	if s.Break.EditSplitHeader != nil {
		header = s.Break.EditSplitHeader(header)
	}
	head := path + ".part000"
	if err := os.WriteFile(head, []byte(header), 0o644); err != nil {
		return "", err
	}
	if s.Break.DropPart > 0 {
		if err := os.Remove(fmt.Sprintf("%s.part%03d", path, s.Break.DropPart)); err != nil {
			return "", err
		}
	}
	return head, nil
}

// writeParts copies the archive into parts and returns its sha256 and the
// number of parts.
func writeParts(path string, size int64) (string, int, error) {
	src, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer src.Close()
	h := sha256.New()
	r := io.TeeReader(src, h)
	count := 0
	for {
		part := fmt.Sprintf("%s.part%03d", path, count+1)
		n, err := copyPart(part, r, size)
		if err != nil {
			return "", 0, err
		}
		if n == 0 {
			os.Remove(part)
			break
		}
		count++
		if n < size {
			break
		}
	}
	return hex.EncodeToString(h.Sum(nil)), count, nil
}

func copyPart(part string, r io.Reader, size int64) (n int64, err error) {
	f, err := os.Create(part)
	if err != nil {
		return 0, err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	return io.CopyBuffer(struct{ io.Writer }{f}, io.LimitReader(r, size), make([]byte, 1<<20))
}
