package registry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
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

// Retry timing. Tests shrink these through Client.backoff.
const (
	defaultTries         = 5
	defaultBackoffBase   = 200 * time.Millisecond
	defaultBackoffCap    = 5 * time.Second
	defaultRetryAfterCap = 60 * time.Second
)

// backoff is the retry schedule: exponential from base, capped, with jitter
// so that parallel transfers hit by the same outage do not retry in step.
type backoff struct {
	tries         int           // total attempts, >= 1
	base          time.Duration // first delay
	max           time.Duration // cap of the exponential delay
	retryAfterCap time.Duration // cap of a server's Retry-After
}

func newBackoff(retries int) backoff {
	tries := retries
	switch {
	case retries == 0:
		tries = defaultTries
	case retries < 0:
		tries = 1
	}
	return backoff{tries: tries, base: defaultBackoffBase, max: defaultBackoffCap, retryAfterCap: defaultRetryAfterCap}
}

// delay is the wait before attempt n+1 (n counts from 0) after err.
// A Retry-After from the registry wins over the exponential schedule.
func (b backoff) delay(n int, err error) time.Duration {
	var e *Error
	if errors.As(err, &e) && e.retryAfter > 0 {
		return min(e.retryAfter, b.retryAfterCap)
	}
	d := b.base << min(n, 20)
	if d <= 0 || d > b.max {
		d = b.max
	}
	// Jitter: a uniform pick in [d/2, d].
	return d/2 + rand.N(d/2+1)
}

// wait sleeps for the delay before attempt n+1, or returns ctx.Err() as
// soon as ctx is cancelled.
func (b backoff) wait(ctx context.Context, n int, err error) error {
	t := time.NewTimer(b.delay(n, err))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retry runs fn until it succeeds, fails permanently, the attempts run out or
// ctx is cancelled. It returns fn's last error.
func (b backoff) retry(ctx context.Context, fn func() error) error {
	var err error
	for n := 0; n < b.tries; n++ {
		if n > 0 {
			if werr := b.wait(ctx, n-1, err); werr != nil {
				return err
			}
		}
		if err = fn(); err == nil || !transient(ctx, err) {
			return err
		}
	}
	return err
}

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
// host, a cancelled context).
func transient(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return false
	}
	if permanent(err) {
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
	// net/http does not export this one: a kept-alive connection that the
	// server closed just as a (non-idempotent) request went out on it.
	return strings.Contains(err.Error(), "server closed idle connection")
}

// permanent are failures no retry can fix.
func permanent(err error) bool {
	var (
		se   *sourceError
		dnse *net.DNSError
	)
	switch {
	case errors.As(err, &se), errors.Is(err, ErrDigestMismatch), errors.Is(err, ErrManifestTooLarge), tlsCause(err) != nil:
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
