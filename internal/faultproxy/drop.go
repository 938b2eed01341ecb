package faultproxy

import (
	"io"
	"net/http"
	"strconv"
	"sync"
)

// DropRequestAfter lets n bytes of the request body through to the registry,
// then cuts the connection without an answer: what a client sees when a
// proxy or the network dies mid-upload. The registry receives a body that
// ends early, so it keeps the n bytes in the upload session exactly as a
// real one would, and a client can resume from the offset it reports. Its
// answer is discarded. A body declared (Content-Length) at most n bytes long
// reaches the registry whole, but the answer is still lost; a body of unknown
// length is always cut after n bytes, even if it had no more.
func DropRequestAfter(n int64) Action {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		cut := r.WithContext(r.Context())
		if r.ContentLength < 0 || r.ContentLength > n {
			cut.Body = &truncatedBody{r: r.Body, left: n}
		}
		next.ServeHTTP(&discardWriter{header: http.Header{}}, cut)
		// No flush: nothing was written, and a flush would send an
		// implicit 200 before the cut.
		hangUp(w)
	}
}

// DropResponseAfter forwards the request, lets the first n bytes of the
// response body reach the client (headers, including Content-Length, are
// intact), then cuts the connection: an interrupted download. A response
// body of at most n bytes is delivered whole.
func DropResponseAfter(n int64) Action {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		cw := &cutWriter{ResponseWriter: w, left: n}
		next.ServeHTTP(cw, r)
		if cw.cut {
			abort(w)
		}
	}
}

// abort flushes what was written and closes the client's connection.
func abort(w http.ResponseWriter) {
	_ = http.NewResponseController(w).Flush()
	hangUp(w)
}

// hangUp closes the client's connection without sending anything more.
func hangUp(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable (e.g. HTTP/2): the server resets the stream.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// truncatedBody yields left bytes of r, then fails as a cut connection does.
type truncatedBody struct {
	r    io.ReadCloser
	left int64
}

func (t *truncatedBody) Read(p []byte) (int, error) {
	if t.left <= 0 {
		return 0, io.ErrUnexpectedEOF
	}
	if int64(len(p)) > t.left {
		p = p[:t.left]
	}
	n, err := t.r.Read(p)
	t.left -= int64(n)
	return n, err
}

func (t *truncatedBody) Close() error { return t.r.Close() }

// discardWriter swallows the registry's answer to a dropped request.
type discardWriter struct{ header http.Header }

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}

// cutWriter passes left body bytes, then refuses the rest.
type cutWriter struct {
	http.ResponseWriter
	left int64
	cut  bool
}

func (c *cutWriter) Write(p []byte) (int, error) {
	if int64(len(p)) <= c.left {
		n, err := c.ResponseWriter.Write(p)
		c.left -= int64(n)
		return n, err
	}
	c.cut = true
	n, err := c.ResponseWriter.Write(p[:c.left])
	c.left -= int64(n)
	if err == nil {
		err = errDropped
	}
	return n, err
}

// DropRequestHalfway lets half of the declared request body through to the
// registry, then cuts the connection as DropRequestAfter does. A body of
// unknown length is passed through whole.
func DropRequestHalfway() Action {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if r.ContentLength <= 0 {
			next.ServeHTTP(w, r)
			return
		}
		DropRequestAfter(r.ContentLength/2)(w, r, next)
	}
}

// DropResponseHalfway forwards the request and cuts the connection after
// half of the response body, for every other response whose body is
// declared (Content-Length) over `over` bytes: the first such response is
// cut, the second delivered whole, and so on. Other responses are
// delivered whole.
func DropResponseHalfway(over int64) Action {
	var mu sync.Mutex
	cutNext := true
	take := func() bool {
		mu.Lock()
		defer mu.Unlock()
		cutNext = !cutNext
		return !cutNext
	}
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		hw := &halfWriter{cutWriter: cutWriter{ResponseWriter: w, left: -1}, over: over, take: take}
		next.ServeHTTP(hw, r)
		if hw.cut {
			abort(w)
		}
	}
}

// halfWriter is a cutWriter whose cut point is set from the Content-Length
// the registry declares.
type halfWriter struct {
	cutWriter
	over int64
	take func() bool // whether this large response is one to cut
}

func (h *halfWriter) WriteHeader(code int) {
	if n, err := strconv.ParseInt(h.Header().Get("Content-Length"), 10, 64); err == nil && n > h.over && code < 300 && h.take() {
		h.left = n / 2
	}
	h.ResponseWriter.WriteHeader(code)
}

func (h *halfWriter) Write(p []byte) (int, error) {
	if h.left < 0 {
		return h.ResponseWriter.Write(p)
	}
	return h.cutWriter.Write(p)
}
