package registry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Retry defaults, for the zero Options.
const (
	// DefaultRetries is the number of retries of Options{}: Retries 0.
	DefaultRetries = 5
	// NoRetry as Options.Retries makes every request a single try.
	NoRetry = -1
	// DefaultMaxRetryWait caps the total time one call waits between its
	// tries without making progress, when Options.MaxRetryWait is 0.
	DefaultMaxRetryWait = 5 * time.Minute

	defaultBackoffBase   = 200 * time.Millisecond
	defaultBackoffCap    = 5 * time.Second
	defaultRetryAfterCap = 60 * time.Second
)

// backoff is the retry policy: how many retries, and the schedule between
// them, exponential from base, capped, with jitter so that parallel
// transfers hit by the same outage do not retry in step. Tests shrink the
// durations through Client.backoff.
type backoff struct {
	retries       int           // retries after the first try, >= 0
	base          time.Duration // first delay
	max           time.Duration // cap of the exponential delay
	retryAfterCap time.Duration // cap of a server's Retry-After
	maxWait       time.Duration // cap of the total wait of one call
	log           *debugLog     // where retries are traced; nil: nowhere
}

func newBackoff(opts Options) backoff {
	b := backoff{retries: opts.Retries, base: defaultBackoffBase, max: defaultBackoffCap,
		retryAfterCap: defaultRetryAfterCap, maxWait: opts.MaxRetryWait}
	switch {
	case opts.Retries == 0:
		b.retries = DefaultRetries
	case opts.Retries < 0:
		b.retries = 0
	}
	if b.maxWait <= 0 {
		b.maxWait = DefaultMaxRetryWait
	}
	return b
}

// delay is the wait before retry n (from 1) after err. A Retry-After from
// the registry wins over the exponential schedule.
func (b backoff) delay(n int, err error) time.Duration {
	var e *Error
	if errors.As(err, &e) && e.retryAfter > 0 {
		return min(e.retryAfter, b.retryAfterCap)
	}
	d := b.base << min(max(n-1, 0), 20)
	if d <= 0 || d > b.max {
		d = b.max
	}
	// Jitter: a uniform pick in [d/2, d].
	return d/2 + rand.N(d/2+1)
}

// retry runs fn, retrying it on its own budget (authentication: the ping
// and the token). It returns fn's last error.
func (b backoff) retry(ctx context.Context, fn func() error) error {
	return (&retrier{b: b, log: b.log, op: "auth"}).run(ctx, fn)
}

// retrier spends the retry budget of one call (a blob transfer, a manifest
// read, a tag listing). Every request that is safe to repeat (a ping, a
// HEAD, a GET, an upload POST, a commit PUT without a body) retries on its
// own, up to b.retries times; the steps of a transfer that carry data (a
// PATCH, a download body) count their failures until the transfer makes
// progress. Every wait of the call adds up, and stops at b.maxWait; progress
// renews that budget too, so that a long transfer over a flaky network that
// keeps moving is never cut by it.
type retrier struct {
	b      backoff
	log    *debugLog // nil: no trace
	op     string
	waited time.Duration
	count  int // retries so far
}

func (c *Client) retrier(op string) *retrier {
	return &retrier{b: c.backoff, log: c.debug, op: op}
}

// debugf writes a line to the debug trace, when there is one.
func (c *Client) debugf(format string, args ...any) {
	if c.debug != nil {
		c.debug.print(fmt.Sprintf(format, args...))
	}
}

// progress renews the wait budget: the transfer moved on.
func (r *retrier) progress() { r.waited = 0 }

// run calls fn until it succeeds or pause gives up.
func (r *retrier) run(ctx context.Context, fn func() error) error {
	for n := 1; ; n++ {
		err := fn()
		if err == nil {
			return nil
		}
		if err := r.pause(ctx, n, err); err != nil {
			return err
		}
	}
}

// pause decides whether failure n (from 1, counted by the caller since its
// last progress) is retried, and waits before the retry. It returns nil to
// go again, or the error to give up with: err itself when err is not worth
// a retry, else err with the reason the retries stopped.
func (r *retrier) pause(ctx context.Context, n int, err error) error {
	if !transient(ctx, err) {
		return err
	}
	if n > r.b.retries {
		if r.b.retries == 0 {
			return err
		}
		return &gaveUpError{err: err, why: fmt.Sprintf("gave up after %d retries", r.b.retries)}
	}
	d := r.b.delay(n, err)
	if r.waited+d > r.b.maxWait {
		return &gaveUpError{err: err, why: fmt.Sprintf("gave up after %s of waiting between retries, the limit", r.waited.Round(time.Millisecond))}
	}
	if r.log != nil {
		r.log.print(fmt.Sprintf("~ retry %d/%d of %s in %s: %v\n", n, r.b.retries, r.op, d.Round(time.Millisecond), err))
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return err
	case <-t.C:
	}
	r.waited += d
	r.count++
	return nil
}

// gaveUpError is a transient failure whose retries ran out. It reads as the
// failure plus why no retry follows, and unwraps to the failure.
type gaveUpError struct {
	err error
	why string
}

func (e *gaveUpError) Error() string { return e.err.Error() + " (" + e.why + ")" }
func (e *gaveUpError) Unwrap() error { return e.err }

// transientStatus are the HTTP statuses worth another try.
var transientStatus = map[int]bool{
	http.StatusRequestTimeout:      true,
	http.StatusTooManyRequests:     true,
	http.StatusInternalServerError: true,
	http.StatusBadGateway:          true,
	http.StatusServiceUnavailable:  true,
	http.StatusGatewayTimeout:      true,
}

// transient tells a failure that may pass (a 5xx, 429, 408, a dropped or
// reset connection, a timeout) from one that will not (another status, a bad
// digest, a source that cannot be read, a certificate problem, an unknown
// host, a cancelled context, retries already spent).
func transient(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil || errors.Is(err, context.Canceled) || permanent(err) {
		return false
	}
	var e *Error
	if errors.As(err, &e) && e.StatusCode != 0 {
		return transientStatus[e.StatusCode]
	}
	var te *transport.Error
	if errors.As(err, &te) {
		return transientStatus[te.StatusCode]
	}
	return transientNetwork(err)
}

// transientNetwork tells the failures of a connection: cut, reset,
// refused, timed out.
func transientNetwork(err error) bool {
	if errors.Is(err, errBodyReplay) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return true // a read, write or dial on a connection that failed
	}
	// The one case without a typed error: net/http's unexported
	// errServerClosedIdle, "http: server closed idle connection", a
	// kept-alive connection that the server closed just as a request went
	// out on it. net/http retries it by itself only for idempotent requests
	// with a replayable body, so a POST or PATCH can still see it.
	return strings.Contains(err.Error(), "server closed idle connection")
}

// permanent are failures no retry can fix.
func permanent(err error) bool {
	var (
		se   *sourceError
		ge   *gaveUpError
		dnse *net.DNSError
	)
	switch {
	case errors.As(err, &se), errors.As(err, &ge), errors.Is(err, ErrDigestMismatch),
		errors.Is(err, ErrManifestTooLarge), tlsCause(err) != nil:
		return true
	case errors.As(err, &dnse):
		return dnse.IsNotFound
	}
	return false
}

// tlsCause returns the TLS failure in err, if any: an untrusted or
// mismatched certificate, an alert from the server (such as "certificate
// required" for mutual TLS), or TLS spoken to a plain HTTP server.
func tlsCause(err error) error {
	var (
		cve *tls.CertificateVerificationError
		rhe tls.RecordHeaderError
		uae x509.UnknownAuthorityError
		hne x509.HostnameError
		cie x509.CertificateInvalidError
		oe  *net.OpError
	)
	switch {
	case errors.As(err, &cve):
		return cve
	case errors.As(err, &uae):
		return uae
	case errors.As(err, &hne):
		return hne
	case errors.As(err, &cie):
		return cie
	case errors.As(err, &rhe):
		return rhe
	case errors.As(err, &oe) && oe.Op == "remote error":
		return oe
	}
	return nil
}

// parseRetryAfter reads a Retry-After value: delta seconds or an HTTP date.
// It returns 0 for a missing or malformed value.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(min(s, 24*3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
