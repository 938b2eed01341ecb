package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"3", 3 * time.Second},
		{"0", 0},
		{"-5", 0},
		{"soon", 0},
		{now.Add(10 * time.Second).Format(http.TimeFormat), 10 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestTransient(t *testing.T) {
	repo, _ := name.NewRepository("example.com/a")
	status := func(code int) error { return &Error{Op: "x", StatusCode: code} }
	tests := []struct {
		err  error
		want bool
	}{
		{status(429), true}, {status(503), true}, {status(408), true}, {status(500), true},
		{status(401), false}, {status(403), false}, {status(404), false}, {status(413), false}, {status(416), false}, {status(400), false},
		{newError("x", repo, fmt.Errorf("read: %w", syscall.ECONNRESET)), true},
		{io.ErrUnexpectedEOF, true},
		{&net.OpError{Op: "read", Err: errors.New("broken")}, true},
		{&net.OpError{Op: "remote error", Err: errors.New("tls: certificate required")}, false},
		{errBodyReplay, true},
		{&gaveUpError{err: status(503), why: "gave up"}, false},
		{&net.DNSError{Err: "no such host", IsNotFound: true}, false},
		{newError("x", repo, ErrDigestMismatch), false},
		{&sourceError{io.ErrUnexpectedEOF}, false},
		{context.Canceled, false},
		{errors.New("something else"), false},
	}
	for _, tt := range tests {
		if got := transient(context.Background(), tt.err); got != tt.want {
			t.Errorf("transient(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if transient(ctx, status(503)) {
		t.Error("a cancelled context still retries")
	}
}

func TestBackoffDelay(t *testing.T) {
	b := newBackoff(Options{})
	if r := []int{b.retries, newBackoff(Options{Retries: NoRetry}).retries, newBackoff(Options{Retries: 1}).retries,
		newBackoff(Options{Retries: 9}).retries}; r[0] != DefaultRetries || r[1] != 0 || r[2] != 1 || r[3] != 9 {
		t.Fatalf("retries for Options.Retries 0, NoRetry, 1, 9: %v", r)
	}
	if b.maxWait != DefaultMaxRetryWait {
		t.Errorf("maxWait %s", b.maxWait)
	}
	for n := 1; n <= 30; n++ {
		d := b.delay(n, errors.New("x"))
		want := min(defaultBackoffBase<<min(n-1, 20), defaultBackoffCap)
		if d < want/2 || d > want {
			t.Errorf("delay(%d) = %s, want in [%s, %s]", n, d, want/2, want)
		}
	}
	if d := b.delay(1, &Error{retryAfter: time.Hour}); d != defaultRetryAfterCap {
		t.Errorf("Retry-After not capped: %s", d)
	}
}

// TestCancelStopsRetries: cancelling the context ends a call waiting to
// retry at once.
func TestCancelStopsRetries(t *testing.T) {
	p := faultproxy.New(1)
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	c := newTestClient(Options{})
	c.backoff.base, c.backoff.max = time.Minute, time.Minute
	b := newBlob(t, 1000)
	repo := mustRepo(t, reg, "cancel/me")
	if _, err := c.BlobExists(testCtx(t), repo, b.desc); err != nil { // authenticate first
		t.Fatal(err)
	}
	p.Set(faultproxy.ServerError(503, 0, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.PushBlob(ctx, repo, b.desc, b.stream(), nil)
	if err == nil {
		t.Fatal("PushBlob succeeded against a failing registry")
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("cancelled push took %s", took)
	}
	if err := c.Fetch(ctx, repo, b.desc, t.TempDir()+"/x", nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Fetch with a done context: %v", err)
	}
}

// TestRetryBudget: the debug trace says why each retry happens, the error
// says why the retries stopped, and the total wait of one call is capped.
func TestRetryBudget(t *testing.T) {
	p := faultproxy.New(1)
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	b := newBlob(t, 1000)
	repo := mustRepo(t, reg, "budget/blob")
	t.Run("retries run out", func(t *testing.T) {
		var trace syncBuffer
		c := newTestClient(Options{Retries: 2, Debug: &trace})
		p.Set(faultproxy.ServerError(503, 0, faultproxy.UploadStart))
		err := c.PushBlob(testCtx(t), repo, b.desc, b.stream(), nil)
		if err == nil || !strings.Contains(err.Error(), "503") || !strings.Contains(err.Error(), "gave up after 2 retries") {
			t.Fatalf("error %v, want a 503 that gave up after 2 retries", err)
		}
		for _, want := range []string{"~ retry 1/2 of upload blob in ", "~ retry 2/2 of upload blob in ", "503 Service Unavailable"} {
			if !strings.Contains(trace.String(), want) {
				t.Errorf("debug trace lacks %q", want)
			}
		}
	})
	t.Run("ping and HEAD retried on their own", func(t *testing.T) {
		var trace syncBuffer
		c := newTestClient(Options{Debug: &trace})
		p.Set(faultproxy.ServerError(503, 2, faultproxy.Ping), faultproxy.ServerError(502, 2, faultproxy.BlobHead))
		if _, err := c.BlobExists(testCtx(t), repo, b.desc); err != nil {
			t.Fatalf("BlobExists: %v", err)
		}
		// go-containerregistry pings a plain-HTTP registry under both
		// schemes in one attempt (both rewritten to http), so the two 503s
		// cost one retry of auth.
		for _, want := range []string{"~ retry 1/5 of auth in ", "~ retry 2/5 of HEAD blob in ", "502 Bad Gateway"} {
			if !strings.Contains(trace.String(), want) {
				t.Errorf("debug trace lacks %q", want)
			}
		}
	})
	t.Run("wait capped", func(t *testing.T) {
		c := newTestClient(Options{Retries: 100, MaxRetryWait: 50 * time.Millisecond})
		c.backoff.base, c.backoff.max = 20*time.Millisecond, 20*time.Millisecond
		p.Set(faultproxy.ServerError(503, 0, faultproxy.BlobHead))
		_, err := c.BlobExists(testCtx(t), repo, b.desc)
		if err == nil || !strings.Contains(err.Error(), "of waiting between retries, the limit") {
			t.Fatalf("error %v, want the wait limit named", err)
		}
		if n := p.Fired(faultproxy.NameServerError); n > 6 {
			t.Errorf("%d tries within a 50ms wait budget of 10-20ms waits", n)
		}
	})
}

// TestWaitBudgetRenewedByProgress: the waits of one call stop at maxWait,
// and progress gives the budget back.
func TestWaitBudgetRenewedByProgress(t *testing.T) {
	r := &retrier{b: backoff{retries: 100, base: 2 * time.Millisecond, max: 2 * time.Millisecond, maxWait: 5 * time.Millisecond}}
	err := &Error{StatusCode: 503}
	ctx := context.Background()
	tries := func() int {
		n := 1
		for ; r.pause(ctx, n, err) == nil; n++ {
		}
		return n
	}
	if n := tries(); n < 3 || n > 6 {
		t.Fatalf("gave up at failure %d, want after 2 to 5 waits of 1-2ms within 5ms", n)
	}
	if r.waited > r.b.maxWait {
		t.Fatalf("waited %s, over the %s budget", r.waited, r.b.maxWait)
	}
	r.progress()
	if ge := r.pause(ctx, 1, err); ge != nil {
		t.Fatalf("after progress: %v", ge)
	}
}
