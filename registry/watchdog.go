package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Timeout defaults. A registry can take a while to answer the commit of a
// large blob (object storage copies it into place), so the wait for
// response headers is generous; a body that moves no byte for a minute is
// stuck.
const (
	defaultResponseTimeout = 2 * time.Minute
	defaultStallTimeout    = 60 * time.Second
)

func (c *Client) responseTimeout() time.Duration {
	return orDefault(c.opts.ResponseTimeout, defaultResponseTimeout)
}

func (c *Client) stallTimeout() time.Duration {
	return orDefault(c.opts.StallTimeout, defaultStallTimeout)
}

// orDefault maps 0 to def and a negative duration to 0 (no limit).
func orDefault(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

// StallError reports a registry that stopped answering: no response
// headers within Options.ResponseTimeout of sending a request, or a request
// or response body that moved no byte for Options.StallTimeout. It is a
// net.Error whose Timeout is true: worth another try.
type StallError struct {
	Host  string        // host[:port] of the request
	What  string        // "no response headers", "download stalled", "upload stalled"
	After time.Duration // the limit that was reached
}

func (e *StallError) Error() string {
	return fmt.Sprintf("%s: %s for %s", e.Host, e.What, e.After)
}

// Timeout is true: the registry did not answer in time.
func (e *StallError) Timeout() bool { return true }

// Temporary is true, for net.Error.
func (e *StallError) Temporary() bool { return true }

// watchdog bounds every request: the wait for response headers once the
// request body is sent, and the time a request or response body goes
// without moving a byte. A slow transfer that keeps moving is never cut. It
// cancels the request's context with a *StallError as the cause, which
// unblocks whatever read or write is stuck, and returns that error.
type watchdog struct {
	inner          http.RoundTripper
	headers, stall time.Duration // 0: no limit
}

func (w *watchdog) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(req.Context())
	wt := &watch{cancel: cancel, host: req.URL.Host, headers: w.headers, stall: w.stall}
	wt.timer = time.AfterFunc(time.Hour, wt.fire)
	wt.timer.Stop()
	r := req.WithContext(ctx) // a shallow copy: req stays as given
	if req.Body != nil && req.Body != http.NoBody {
		r.Body = &sendBody{ReadCloser: req.Body, w: wt}
		if req.GetBody != nil {
			r.GetBody = func() (io.ReadCloser, error) {
				b, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				return &sendBody{ReadCloser: b, w: wt}, nil
			}
		}
	} else {
		wt.sent()
	}
	resp, err := w.inner.RoundTrip(r)
	wt.responded()
	if err != nil {
		cancel(nil)
		return nil, wt.cause(ctx, err)
	}
	resp.Body = &recvBody{ReadCloser: resp.Body, w: wt, ctx: ctx}
	if req.Method == http.MethodGet && req.URL.Path == "/v2/" {
		resp.Body = &cappedBody{ReadCloser: resp.Body, left: pingBodyMax}
	}
	return resp, nil
}

// pingBodyMax caps the body of a /v2/ answer. go-containerregistry reads
// it to the end (to reuse the connection); a registry that streams /v2/
// forever, never stalling, would hold the client there.
const pingBodyMax = 64 << 10

// cappedBody ends a body after left bytes.
type cappedBody struct {
	io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

// watch is the timer of one request. It is armed with one limit at a time:
// the stall limit while the request body waits to be read, the response
// limit once it is sent, the stall limit during each read of the response
// body.
type watch struct {
	cancel         context.CancelCauseFunc
	host           string
	headers, stall time.Duration

	mu       sync.Mutex
	timer    *time.Timer
	deadline time.Time // zero: disarmed
	what     string
	after    time.Duration
	answered bool // response headers are in: the request side is over
}

// arm starts the limit d (0: none) for what, replacing any other.
func (w *watch) arm(what string, d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.armLocked(what, d)
}

func (w *watch) armLocked(what string, d time.Duration) {
	w.timer.Stop()
	w.deadline = time.Time{}
	if d <= 0 {
		return
	}
	w.what, w.after, w.deadline = what, d, time.Now().Add(d)
	w.timer.Reset(d)
}

func (w *watch) disarm() { w.arm("", 0) }

// fire cancels the request unless the timer was re-armed or disarmed
// while it was on its way.
func (w *watch) fire() {
	w.mu.Lock()
	if w.deadline.IsZero() || time.Now().Before(w.deadline) {
		w.mu.Unlock()
		return
	}
	err := &StallError{Host: w.host, What: w.what, After: w.after}
	w.deadline = time.Time{}
	w.mu.Unlock()
	w.cancel(err)
}

// taking, sending, sent and responded follow the request side; once the
// response is in they leave the timer to the response body.
func (w *watch) taking() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.answered {
		w.armLocked("", 0)
	}
}

func (w *watch) sending() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.answered {
		w.armLocked("upload stalled", w.stall)
	}
}

func (w *watch) sent() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.answered {
		w.armLocked("no response headers", w.headers)
	}
}

func (w *watch) responded() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.answered = true
	w.armLocked("", 0)
}

// cause returns the *StallError that cancelled ctx, or err.
func (w *watch) cause(ctx context.Context, err error) error {
	var se *StallError
	if errors.As(context.Cause(ctx), &se) {
		return se
	}
	return err
}

// sendBody is a request body under watch: once the transport has taken a
// piece, it must come back for the next within the stall limit (it does not
// while the connection is not drained); once it is all taken, the response
// limit runs.
type sendBody struct {
	io.ReadCloser
	w *watch
}

func (b *sendBody) Read(p []byte) (int, error) {
	b.w.taking()
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.w.sent()
	} else {
		b.w.sending()
	}
	return n, err
}

func (b *sendBody) Close() error {
	b.w.sent()
	return b.ReadCloser.Close()
}

// recvBody is a response body under watch: each read must bring a byte
// within the stall limit. Time the caller spends between reads is its own.
type recvBody struct {
	io.ReadCloser
	w   *watch
	ctx context.Context
}

func (b *recvBody) Read(p []byte) (int, error) {
	b.w.arm("download stalled", b.w.stall)
	n, err := b.ReadCloser.Read(p)
	b.w.disarm()
	if err != nil && err != io.EOF {
		err = b.w.cause(b.ctx, err)
	}
	return n, err
}

func (b *recvBody) Close() error {
	b.w.disarm()
	err := b.ReadCloser.Close()
	b.w.cancel(nil) // release the context once the body is done
	return err
}
