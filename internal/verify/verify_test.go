package verify

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func digestOf(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

func read(t *testing.T, src io.Reader, digest string, size int64) ([]byte, error) {
	t.Helper()
	v, err := New(digest, size)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	_, err = io.Copy(&out, NewReader(src, v))
	return out.Bytes(), err
}

// TestReader: the right bytes pass, a changed byte, a short stream and a
// long one fail with an *Error saying which; short ones also match
// io.ErrUnexpectedEOF so that callers may resume them.
func TestReader(t *testing.T) {
	data := []byte(strings.Repeat("zarf", 1000))
	d := digestOf(data)
	bad := bytes.Clone(data)
	bad[len(bad)-1] ^= 1
	tests := []struct {
		name  string
		src   io.Reader
		size  int64
		short bool
		ok    bool
	}{
		{"exact", bytes.NewReader(data), int64(len(data)), false, true},
		{"one byte at a time", iotest.OneByteReader(bytes.NewReader(data)), int64(len(data)), false, true},
		{"data errors at the end", iotest.DataErrReader(bytes.NewReader(data)), int64(len(data)), false, true},
		{"changed last byte", bytes.NewReader(bad), int64(len(data)), false, false},
		{"short", bytes.NewReader(data[:100]), int64(len(data)), true, false},
		{"longer: only size bytes read, digest differs", bytes.NewReader(data), 100, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := read(t, tt.src, d, tt.size)
			var ve *Error
			switch {
			case tt.ok && (err != nil || !bytes.Equal(got, data)):
				t.Fatalf("err %v, %d bytes", err, len(got))
			case !tt.ok && !errors.As(err, &ve):
				t.Fatalf("err %v (%T), want *Error", err, err)
			case !tt.ok && errors.Is(err, io.ErrUnexpectedEOF) != tt.short, !tt.ok && Short(err) != tt.short:
				t.Fatalf("err %v: short %v, want %v", err, Short(err), tt.short)
			}
			if int64(len(got)) > tt.size {
				t.Errorf("passed %d bytes, more than the size %d", len(got), tt.size)
			}
		})
	}
}

// TestVerifierCheck: written bytes are checked for size and digest, and
// Reset starts over.
func TestVerifierCheck(t *testing.T) {
	data := []byte("hello")
	v, err := New(digestOf(data), 5)
	if err != nil {
		t.Fatal(err)
	}
	v.Write([]byte("hel"))
	if err := v.Check(); !Short(err) {
		t.Fatalf("Check after 3 bytes: %v", err)
	}
	v.Write([]byte("lo!"))
	var e *Error
	if err := v.Check(); !errors.As(err, &e) || e.GotSize != 6 || !strings.Contains(err.Error(), "longer") {
		t.Fatalf("Check after 6 bytes: %v", err)
	}
	v.Reset()
	v.Write(data)
	if err := v.Check(); err != nil {
		t.Fatal(err)
	}
	if _, err := New("md5:00", 1); err == nil {
		t.Error("md5 accepted")
	}
	if _, err := New("nocolon", 1); err == nil {
		t.Error("malformed digest accepted")
	}
}
