package registry

import (
	"bytes"
	"errors"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

// TestAnswerBeforeBody: a proxy that answers before reading the request
// body (413 from nginx, a 503 from a load balancer) leaves net/http still
// reading the body after Do returns. The upload must not close or reopen
// the source under it: no crash, no data race (run with -race), and a retry
// after the 503 sends the right bytes. Fails on the code that handed net/http
// an io.NopCloser over the source (nil dereference in source.go, or a race).
func TestAnswerBeforeBody(t *testing.T) {
	p := faultproxy.New(3)
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	const size = 1 << 20
	t.Run("413", func(t *testing.T) {
		c := newTestClient(Options{})
		for i := range 10 {
			repo := mustRepo(t, reg, "body/limit")
			b := newBlob(t, size)
			p.Set(faultproxy.BodyLimit(32 << 10))
			err := c.PushBlob(testCtx(t), repo, b.desc, b.stream(), nil)
			var e *Error
			if !errors.As(err, &e) || e.StatusCode != 413 {
				t.Fatalf("push %d: %v, want a 413", i, err)
			}
		}
	})
	t.Run("503 then retry", func(t *testing.T) {
		c := newTestClient(Options{})
		for i := range 10 {
			repo := mustRepo(t, reg, "body/unavailable")
			b := newBlob(t, size)
			p.Set(faultproxy.ServerError(503, 2, faultproxy.UploadData))
			if err := c.PushBlob(testCtx(t), repo, b.desc, b.stream(), nil); err != nil {
				t.Fatalf("push %d: %v", i, err)
			}
			p.Clear()
			if got := fetchBytes(t, c, repo, b.desc); !bytes.Equal(got, b.data) {
				t.Fatalf("push %d: registry holds other bytes", i)
			}
		}
	})
}
