package faultproxy

import (
	"context"
	"maps"
	"net"
	"net/http"
	"sync"
	"time"
)

// Latency delays every request by D before the next handler sees it: one
// round trip to a registry D away. Plug it between a [Counter] and the
// registry; unlike a [Delay] scenario it composes with faults and costs the
// token requests of [BearerAuth] too, as a real network does.
type Latency struct {
	// D is the delay per request. Default 0: none.
	D time.Duration
	// Sleep waits d or until ctx ends (then it returns ctx's error and the
	// request is dropped). Default (nil): a timer. Tests inject their own
	// to check the delay without measuring wall-clock time.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Middleware wraps next with the delay.
func (l Latency) Middleware(next http.Handler) http.Handler {
	sleep := l.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if l.D > 0 {
			if err := sleep(r.Context(), l.D); err != nil {
				return // the client gave up
			}
		}
		next.ServeHTTP(w, r)
	})
}

// Listener wraps ln so that each connection's first read waits D: a new
// connection costs one more round trip, as the TCP handshake does on a real
// network (TLS would add another), so a client that opens a connection per
// request pays for it. Install it under the server beside [Latency.Middleware].
func (l Latency) Listener(ln net.Listener) net.Listener {
	sleep := l.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	return &slowListener{Listener: ln, d: l.D, sleep: sleep}
}

type slowListener struct {
	net.Listener
	d     time.Duration
	sleep func(context.Context, time.Duration) error
}

func (s *slowListener) Accept() (net.Conn, error) {
	c, err := s.Listener.Accept()
	if err != nil || s.d <= 0 {
		return c, err
	}
	return &slowConn{Conn: c, d: s.d, sleep: s.sleep}, nil
}

// slowConn delays its first Read; the server reads from one goroutine per
// connection, but the once keeps it safe whatever the caller.
type slowConn struct {
	net.Conn
	d     time.Duration
	sleep func(context.Context, time.Duration) error
	once  sync.Once
}

func (c *slowConn) Read(p []byte) (int, error) {
	c.once.Do(func() { _ = c.sleep(context.Background(), c.d) })
	return c.Conn.Read(p)
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Request kinds, as [Kind] names them.
const (
	KindPing         = "ping"
	KindToken        = "token"
	KindManifestHead = "manifest HEAD"
	KindManifestGet  = "manifest GET"
	KindManifestPut  = "manifest PUT"
	KindBlobHead     = "blob HEAD"
	KindBlobGet      = "blob GET"
	KindUploadPost   = "upload POST"
	KindMount        = "mount"
	KindUploadPatch  = "upload PATCH"
	KindUploadPut    = "upload PUT"
	KindUploadStatus = "upload GET"
	KindTags         = "tags"
	KindOther        = "other"
	KindUnauthorized = "401"        // counted besides the kind: answers that were a challenge
	KindConnection   = "connection" // counted by [Counter.Listener]: new connections
)

// Kind names the kind of registry request r is: one of the Kind constants
// (a POST with mount= is KindMount, whatever its answer).
func Kind(r *http.Request) string {
	if Token(r) {
		return KindToken
	}
	rt := parse(r.URL.Path)
	switch rt.kind {
	case "ping":
		return KindPing
	case "tags":
		return KindTags
	case "manifest":
		switch r.Method {
		case http.MethodHead, http.MethodGet, http.MethodPut:
			return "manifest " + r.Method
		}
	case "blob":
		switch r.Method {
		case http.MethodHead, http.MethodGet:
			return "blob " + r.Method
		}
	case "upload":
		switch r.Method {
		case http.MethodPost:
			if r.URL.Query().Get("mount") != "" {
				return KindMount
			}
			return KindUploadPost
		case http.MethodPatch:
			return KindUploadPatch
		case http.MethodPut:
			return KindUploadPut
		case http.MethodGet:
			return KindUploadStatus
		}
	}
	return KindOther
}

// Counter counts requests by [Kind], under [KindUnauthorized] the answers
// that were 401 and, through [Counter.Listener], new connections: what a
// client paid in round trips. The zero value is ready to use.
type Counter struct {
	mu     sync.Mutex
	counts map[string]int
}

// Middleware counts each request, then passes it to next.
func (c *Counter) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		c.add(Kind(r))
		if sw.status == http.StatusUnauthorized {
			c.add(KindUnauthorized)
		}
	})
}

// Listener wraps ln so that each accepted connection counts under
// [KindConnection].
func (c *Counter) Listener(ln net.Listener) net.Listener { return &countingListener{ln, c} }

type countingListener struct {
	net.Listener
	c *Counter
}

func (l *countingListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err == nil {
		l.c.add(KindConnection)
	}
	return conn, err
}

func (c *Counter) add(kind string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = map[string]int{}
	}
	c.counts[kind]++
}

// Counts returns a copy of the counts so far.
func (c *Counter) Counts() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.counts)
}

// Take returns the counts so far and starts again from zero.
func (c *Counter) Take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.counts
	c.counts = nil
	return out
}

// statusRecorder remembers the status a handler answered.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(p)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
