package registry

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

// hangCtx bounds a test that used to hang: long enough for any limit under
// test, short enough that a hang fails the test quickly.
func hangCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func wantStall(t *testing.T, err error, what string) {
	t.Helper()
	t.Logf("error: %v", err)
	var se *StallError
	if !errors.As(err, &se) || se.What != what {
		t.Fatalf("error %v, want a *StallError %q", err, what)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("error %v is not a net.Error timeout", err)
	}
}

// silentServer accepts connections, reads what comes and never answers.
func silentServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				_, _ = io.Copy(io.Discard, conn) // until the client gives up
			}()
		}
	}()
	return ln.Addr().String()
}

// TestSilentRegistryTimesOut: a server that accepts the connection and never
// answers ends in a StallError after ResponseTimeout, not a hang.
func TestSilentRegistryTimesOut(t *testing.T) {
	c := newTestClient(Options{ResponseTimeout: 100 * time.Millisecond, Retries: -1})
	repo, err := name.NewRepository(silentServer(t) + "/silent/repo")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Resolve(hangCtx(t), repo.Tag("1"))
	wantStall(t, err, "no response headers")
}

// trickle forwards the response in pieces of size, each after pause, and
// stops for good (until the client leaves) after stopAt bytes if stopAt >= 0.
func trickle(size int, pause time.Duration, stopAt int) faultproxy.Action {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		next.ServeHTTP(&trickleWriter{ResponseWriter: w, ctx: r.Context(), size: size, pause: pause, stopAt: stopAt}, r)
	}
}

type trickleWriter struct {
	http.ResponseWriter
	ctx    context.Context
	size   int
	pause  time.Duration
	stopAt int
	sent   int
}

func (w *trickleWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		if w.stopAt >= 0 && w.sent >= w.stopAt {
			<-w.ctx.Done()
			return n, w.ctx.Err()
		}
		k := min(len(p), w.size)
		if w.stopAt >= 0 {
			k = min(k, w.stopAt-w.sent)
		}
		m, err := w.ResponseWriter.Write(p[:k])
		n, w.sent, p = n+m, w.sent+m, p[m:]
		if err != nil {
			return n, err
		}
		w.ResponseWriter.(http.Flusher).Flush()
		select {
		case <-time.After(w.pause):
		case <-w.ctx.Done():
			return n, w.ctx.Err()
		}
	}
	return n, nil
}

// endlessPing answers /v2/ with 200 and a body that never ends but keeps
// moving.
func endlessPing(w http.ResponseWriter, r *http.Request, _ http.Handler) {
	w.WriteHeader(http.StatusOK)
	chunk := bytes.Repeat([]byte("{}"), 512)
	for r.Context().Err() == nil {
		if _, err := w.Write(chunk); err != nil {
			return
		}
		w.(http.Flusher).Flush()
	}
}

// TestStalledTransfersEnd: a body that stops moving ends in a StallError
// after StallTimeout (download and upload); with retries left, the transfer
// then succeeds; a /v2/ answer that streams forever does not hold the client.
func TestStalledTransfersEnd(t *testing.T) {
	p := faultproxy.New(1)
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	repo := mustRepo(t, reg, "stall/blob")
	small := newBlob(t, 256<<10)
	if err := newTestClient(Options{}).PushBlob(testCtx(t), repo, small.desc, small.stream(), nil); err != nil {
		t.Fatal(err)
	}
	// Over the socket buffers of a loopback connection, so that a registry
	// that stops reading blocks the client's writes.
	big := newBlob(t, 32<<20)
	// The server only notices a client leaving once the body is read, so
	// the handler is also released when the test ends.
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	neverRead := func(_ http.ResponseWriter, r *http.Request, _ http.Handler) {
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}
	fetch := func(c *Client) error {
		return c.Fetch(hangCtx(t), repo, small.desc, filepath.Join(t.TempDir(), "blob"), nil)
	}
	once := Options{StallTimeout: 100 * time.Millisecond, Retries: -1}

	t.Run("download stops", func(t *testing.T) {
		p.Set(faultproxy.Scenario{Match: faultproxy.BlobGet, Action: trickle(16<<10, 0, 64<<10)})
		wantStall(t, fetch(newTestClient(once)), "download stalled")
	})
	t.Run("download stops once, then a retry", func(t *testing.T) {
		p.Set(faultproxy.Scenario{Match: faultproxy.BlobGet, Count: 1, Action: trickle(16<<10, 0, 64<<10)})
		if err := fetch(newTestClient(Options{StallTimeout: 100 * time.Millisecond})); err != nil {
			t.Fatalf("Fetch with retries: %v", err)
		}
	})
	t.Run("upload stops", func(t *testing.T) {
		p.Set(faultproxy.Scenario{Match: faultproxy.UploadPatch, Action: neverRead})
		err := newTestClient(once).PushBlob(hangCtx(t), repo, big.desc, big.stream(), nil)
		wantStall(t, err, "upload stalled")
	})
	t.Run("ping streams forever", func(t *testing.T) {
		p.Set(faultproxy.Scenario{Match: func(r *http.Request) bool { return r.URL.Path == "/v2/" }, Action: endlessPing})
		if err := fetch(newTestClient(once)); err != nil {
			t.Fatalf("Fetch behind an endless /v2/: %v", err)
		}
	})
}

// TestSlowTransfersAreNotCut: a download that trickles in, and an upload
// whose source is slow, both take several stall windows in all but never
// stop for one: they complete.
func TestSlowTransfersAreNotCut(t *testing.T) {
	const window = 300 * time.Millisecond
	p := faultproxy.New(1)
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	repo := mustRepo(t, reg, "slow/blob")
	b := newBlob(t, 96<<10)
	c := newTestClient(Options{StallTimeout: window, Retries: -1})

	start := time.Now()
	if err := c.PushBlob(hangCtx(t), repo, b.desc, slowSource(b.data, 1<<10, 10*time.Millisecond), nil); err != nil {
		t.Fatalf("PushBlob from a slow source: %v", err)
	}
	if took := time.Since(start); took < 2*window {
		t.Errorf("upload took %s, not over two stall windows: the test proves nothing", took)
	}

	p.Set(faultproxy.Scenario{Match: faultproxy.BlobGet, Action: trickle(1<<10, 10*time.Millisecond, -1)})
	start = time.Now()
	if got := fetchBytes(t, c, repo, b.desc); !bytes.Equal(got, b.data) {
		t.Fatal("fetched bytes differ")
	}
	if took := time.Since(start); took < 2*window {
		t.Errorf("download took %s, not over two stall windows: the test proves nothing", took)
	}
}

// slowSource opens data as a reader that gives out size bytes per pause.
func slowSource(data []byte, size int, pause time.Duration) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) {
		return io.NopCloser(&slowReader{r: bytes.NewReader(data), size: size, pause: pause}), nil
	}
}

type slowReader struct {
	r     io.Reader
	size  int
	pause time.Duration
}

func (s *slowReader) Read(p []byte) (int, error) {
	time.Sleep(s.pause)
	return s.r.Read(p[:min(len(p), s.size)])
}
