package registry

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/progress"
)

// TestStreamBlob: a stream hands on every byte once, resumes a dropped
// connection with Range where it stopped, fails a corrupt blob at EOF with
// ErrDigestMismatch, and fails (rather than repeating bytes) when the
// registry ignores the Range of a resume.
func TestStreamBlob(t *testing.T) {
	const size = 300 << 10
	t.Run("drops resume", func(t *testing.T) {
		reg, p, c, b := fetchSetup(t, size)
		p.Set(faultproxy.DropDownload(100<<10, 2))
		bar := &recBar{}
		got := readStream(t, c, reg, b, bar)
		if !bytes.Equal(got.data, b.data) || got.err != nil {
			t.Fatalf("read %d bytes, err %v; want the blob", len(got.data), got.err)
		}
		if out, ranged := blobBytesOut(reg); out != size || ranged != 2 {
			t.Errorf("%d bytes in %d ranged GETs; want %d in 2", out, ranged, size)
		}
		if bar.done != 1 || bar.added != size {
			t.Errorf("bar done %d added %d", bar.done, bar.added)
		}
	})
	t.Run("corrupt", func(t *testing.T) {
		reg, p, c, b := fetchSetup(t, size)
		p.Set(faultproxy.CorruptBlob(0))
		bar := &recBar{}
		if got := readStream(t, c, reg, b, bar); !errors.Is(got.err, ErrDigestMismatch) {
			t.Fatalf("err %v, want ErrDigestMismatch", got.err)
		}
		if bar.aborted == nil {
			t.Error("bar not aborted")
		}
	})
	t.Run("range ignored on resume", func(t *testing.T) {
		stripRange := func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				r.Header.Del("Range")
				next.ServeHTTP(w, r)
			})
		}
		reg, p, c, b := fetchSetup(t, size, stripRange)
		p.Set(faultproxy.DropDownload(100<<10, 1))
		got := readStream(t, c, reg, b, nil)
		if got.err == nil || len(got.data) > size {
			t.Fatalf("read %d bytes, err %v; want a failure and no repeated bytes", len(got.data), got.err)
		}
	})
}

type streamResult struct {
	data []byte
	err  error
}

func readStream(t *testing.T, c *Client, reg *testregistry.Registry, b blob, bar *recBar) streamResult {
	t.Helper()
	var pb progress.Bar
	if bar != nil {
		pb = bar // a nil *recBar must stay a nil interface
	}
	rc, err := c.StreamBlob(testCtx(t), mustRepo(t, reg, "fetch/blob"), b.desc, pb)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	return streamResult{data, err}
}
