package registry

import (
	"bytes"
	"io"
	"testing"

	"github.com/docker-zarf/docker-zarf/progress"
)

// TestSourceRewind: a source that cannot seek steps back within the last
// rewindSize bytes read without reopening (a resume just behind the bytes
// in flight), reopens to go back further, and always hands on the right
// bytes.
func TestSourceRewind(t *testing.T) {
	b := newBlob(t, 10<<20)
	opens := 0
	s := &source{size: b.desc.Size, open: func() (io.ReadCloser, error) {
		opens++
		return io.NopCloser(bytes.NewReader(b.data)), nil
	}}
	defer s.close()
	read := func(off, n int64) {
		t.Helper()
		if err := s.seek(off); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(&s.body(n, progress.NopBar()).sec)
		if err != nil || !bytes.Equal(got, b.data[off:off+n]) {
			t.Fatalf("bytes [%d, %d): err %v, equal %v", off, off+n, err, bytes.Equal(got, b.data[off:off+n]))
		}
	}
	read(0, 6<<20)
	read(3<<20, 1<<20) // back 3 MiB: kept
	read(4<<20, 3<<20) // on past what was read
	read(5<<20, 1)
	if opens != 1 {
		t.Fatalf("%d opens for steps back within %d bytes, want 1", opens, rewindSize)
	}
	read(1<<20, 1<<20) // back 6 MiB: reopened
	read(9<<20, 1<<20)
	if opens != 2 {
		t.Fatalf("%d opens, want 2", opens)
	}
	if err := s.finish(); err != nil {
		t.Fatalf("finish: %v", err)
	}
}
