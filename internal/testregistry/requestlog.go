package testregistry

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RequestLog is one request as the client saw it, recorded when its handler
// finished (or when a fault took over the connection).
type RequestLog struct {
	Method string
	Path   string // URL path, e.g. "/v2/ns/pkg/blobs/sha256:…"
	Query  string // raw query, e.g. "digest=sha256:…"
	// Status is the status written to the client; 0 if none was written
	// before the connection was dropped.
	Status int
	// Aborted is true when the connection was hijacked or aborted mid-request
	// (a fault injected by a WithHandler wrapper).
	Aborted bool
	// BytesIn counts request body bytes read by the server side.
	BytesIn int64
	// BytesOut counts response body bytes written to the client.
	BytesOut int64
	// Range is the request's Range header ("" if none).
	Range string
	// ContentRange is the response's Content-Range header ("" if none).
	ContentRange string
	// ContentLength is the response's Content-Length header, -1 if absent.
	ContentLength int64
	// RequestContentRange is the request's Content-Range header (chunked uploads).
	RequestContentRange string
	// RequestContentLength is the request's declared length, -1 if unknown
	// (Transfer-Encoding: chunked).
	RequestContentLength int64
	// ContentType is the request's Content-Type header (manifest PUTs).
	ContentType string
	// AuthScheme is the scheme of the request's Authorization header
	// ("Basic", "Bearer" or ""); credentials are never recorded.
	AuthScheme string
}

// IsBlobGet reports a GET of /v2/<name>/blobs/<digest> (not an upload).
func (l RequestLog) IsBlobGet() bool {
	return l.Method == http.MethodGet && strings.Contains(l.Path, "/blobs/") && !strings.Contains(l.Path, "/blobs/uploads/")
}

// IsBlobUpload reports a POST, PATCH or PUT under /v2/<name>/blobs/uploads/.
func (l RequestLog) IsBlobUpload() bool {
	switch l.Method {
	case http.MethodPost, http.MethodPatch, http.MethodPut:
		return strings.Contains(l.Path, "/blobs/uploads/")
	}
	return false
}

// IsManifest reports any request under /v2/<name>/manifests/.
func (l RequestLog) IsManifest() bool {
	// The path is /v2/<name>/manifests/<ref>: the reference is the last
	// segment, so a repository named "…/manifests/…" does not match.
	i := strings.LastIndex(l.Path, "/manifests/")
	return i >= 0 && !strings.Contains(l.Path[i+len("/manifests/"):], "/")
}

// requestLog is the thread-safe log plus a count of handlers still running.
type requestLog struct {
	mu       sync.Mutex
	idle     *sync.Cond
	inflight int
	entries  []RequestLog
}

func newRequestLog() *requestLog {
	l := &requestLog{}
	l.idle = sync.NewCond(&l.mu)
	return l
}

func (l *requestLog) add(e RequestLog) {
	l.mu.Lock()
	l.entries = append(l.entries, e)
	l.mu.Unlock()
}

func (l *requestLog) begin() {
	l.mu.Lock()
	l.inflight++
	l.mu.Unlock()
}

func (l *requestLog) end() {
	l.mu.Lock()
	l.inflight--
	l.idle.Broadcast()
	l.mu.Unlock()
}

func (l *requestLog) reset() {
	l.mu.Lock()
	l.entries = nil
	l.mu.Unlock()
}

// snapshot waits up to wait for running handlers to finish, then copies.
func (l *requestLog) snapshot(wait time.Duration) []RequestLog {
	timer := time.AfterFunc(wait, func() {
		l.mu.Lock()
		l.idle.Broadcast()
		l.mu.Unlock()
	})
	defer timer.Stop()
	deadline := time.Now().Add(wait)
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.inflight > 0 && time.Now().Before(deadline) {
		l.idle.Wait()
	}
	return append([]RequestLog(nil), l.entries...)
}

// middleware records every request passing through h.
func (l *requestLog) middleware(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.begin()
		defer l.end()
		e := RequestLog{
			Method:               r.Method,
			Path:                 r.URL.Path,
			Query:                r.URL.RawQuery,
			Range:                r.Header.Get("Range"),
			RequestContentRange:  r.Header.Get("Content-Range"),
			RequestContentLength: r.ContentLength,
			ContentType:          r.Header.Get("Content-Type"),
		}
		e.AuthScheme, _, _ = strings.Cut(r.Header.Get("Authorization"), " ")
		body := &countingReader{r: r.Body}
		r.Body = body
		lw := &logWriter{ResponseWriter: w, entry: e, body: body, log: l}
		// A fault may abort with http.ErrAbortHandler; record before re-panicking.
		defer func() {
			if v := recover(); v != nil {
				lw.entry.Aborted = true
				lw.record()
				panic(v)
			}
		}()
		h.ServeHTTP(lw, r)
		lw.record()
	})
}

type countingReader struct {
	r io.ReadCloser
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingReader) Close() error { return c.r.Close() }

// logWriter counts what is written and records the entry exactly once.
type logWriter struct {
	http.ResponseWriter
	entry    RequestLog
	body     *countingReader
	log      *requestLog
	recorded bool
}

func (w *logWriter) WriteHeader(code int) {
	if w.entry.Status == 0 && code >= 200 {
		w.entry.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *logWriter) Write(p []byte) (int, error) {
	if w.entry.Status == 0 {
		w.entry.Status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.entry.BytesOut += int64(n)
	return n, err
}

// Flush lets streaming handlers and faults push partial bodies to the client.
func (w *logWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack records the entry first: once the connection is closed the client
// may look at the log before this handler returns.
func (w *logWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	w.entry.Aborted = true
	w.record()
	return h.Hijack()
}

// Unwrap lets http.ResponseController reach the server's writer.
func (w *logWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *logWriter) record() {
	if w.recorded {
		return
	}
	w.recorded = true
	hdr := w.ResponseWriter.Header()
	w.entry.BytesIn = w.body.n
	w.entry.ContentRange = hdr.Get("Content-Range")
	w.entry.ContentLength = -1
	if v, err := strconv.ParseInt(hdr.Get("Content-Length"), 10, 64); err == nil {
		w.entry.ContentLength = v
	}
	w.log.add(w.entry)
}
