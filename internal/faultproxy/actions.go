package faultproxy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Pass forwards the request unchanged (useful with Count to let some
// requests through before a later scenario takes over).
func Pass() Action {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) { next.ServeHTTP(w, r) }
}

// Respond answers with status, header and body; the registry never sees the
// request.
func Respond(status int, header http.Header, body string) Action {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		for k, vs := range header {
			w.Header()[k] = append([]string(nil), vs...)
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			_, _ = io.WriteString(w, body)
		}
	}
}

// Error answers status with an OCI distribution-spec error body
// {"errors":[{"code":code,"message":message}]}.
func Error(status int, code, message string) Action {
	body := fmt.Sprintf(`{"errors":[{"code":%q,"message":%q,"detail":null}]}`+"\n", code, message)
	return Respond(status, http.Header{"Content-Type": {"application/json"}}, body)
}

// Delay waits d (or until the client gives up), then forwards.
func Delay(d time.Duration) Action {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if sleepCtx(r.Context(), d) == nil {
			next.ServeHTTP(w, r)
		}
	}
}

// OnRequest calls fn, then forwards the request.
func OnRequest(fn func(*http.Request)) Action {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		fn(r)
		next.ServeHTTP(w, r)
	}
}

// AfterResponse forwards the request, then calls fn before the response is
// complete, so the client's next request already sees what fn changed (for
// example a tag pushed elsewhere: "the tag moved between two GETs"). fn may
// itself send requests to the registry.
func AfterResponse(fn func(*http.Request)) Action {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		next.ServeHTTP(w, r)
		fn(r)
	}
}

// RewriteStatus forwards the request and, if the registry answers from,
// sends to instead (headers and body unchanged), e.g. 202 → 201 for ECR's
// PATCH.
func RewriteStatus(from, to int) Action {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		next.ServeHTTP(&statusWriter{ResponseWriter: w, from: from, to: to}, r)
	}
}

type statusWriter struct {
	http.ResponseWriter
	from, to int
	wrote    bool
}

func (s *statusWriter) WriteHeader(code int) {
	if code >= 200 {
		s.wrote = true
	}
	if code == s.from {
		code = s.to
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(p []byte) (int, error) {
	if !s.wrote {
		s.WriteHeader(http.StatusOK)
	}
	return s.ResponseWriter.Write(p)
}

// LimitBody answers 413 Request Entity Too Large, as nginx, ACR or
// Cloudflare do, when the request body is larger than n bytes; smaller
// bodies are forwarded. A body of unknown length (Transfer-Encoding:
// chunked) is read ahead up to n+1 bytes in memory, so keep n modest.
func LimitBody(n int64) Action {
	reject := Respond(http.StatusRequestEntityTooLarge,
		http.Header{"Content-Type": {"text/html"}, "Connection": {"close"}},
		"<html><head><title>413 Request Entity Too Large</title></head></html>\n")
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		switch {
		case r.ContentLength > n:
			reject(w, r, next)
			return
		case r.ContentLength >= 0:
			next.ServeHTTP(w, r)
			return
		}
		buf, err := io.ReadAll(io.LimitReader(r.Body, n+1))
		if err != nil {
			return // the client went away
		}
		if int64(len(buf)) > n {
			reject(w, r, next)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(buf))
		r.ContentLength = int64(len(buf))
		next.ServeHTTP(w, r)
	}
}

// ServeOversizedManifest answers a manifest GET with a syntactically valid OCI
// manifest of exactly size bytes (pick size > 4 MiB), streamed, never held in
// memory. withLength sets Content-Length; without it the body is chunked, to
// test clients that cap the read rather than trust the header.
func ServeOversizedManifest(size int64, withLength bool) Action {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
		if withLength {
			w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		}
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodHead {
			return
		}
		const head, tail = `{"schemaVersion":2,"annotations":{"pad":"`, `"}}`
		pad := max(size-int64(len(head)+len(tail)), 0)
		body := io.MultiReader(
			bytes.NewReader([]byte(head)),
			io.LimitReader(repeat('a'), pad),
			bytes.NewReader([]byte(tail)))
		_, _ = io.Copy(w, body) // a client that stops reading ends the copy
	}
}

// repeat is an endless reader of one byte.
type repeat byte

func (b repeat) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// CorruptBody forwards the request and flips every bit of the response body
// byte at offset at (0-based), keeping the length: a blob whose digest no
// longer matches. A body shorter than at+1 bytes is sent unchanged.
func CorruptBody(at int64) Action {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		next.ServeHTTP(&corruptWriter{ResponseWriter: w, at: at}, r)
	}
}

type corruptWriter struct {
	http.ResponseWriter
	at, off int64
}

func (c *corruptWriter) Write(p []byte) (int, error) {
	if i := c.at - c.off; i >= 0 && i < int64(len(p)) {
		q := append([]byte(nil), p...) // never modify the caller's buffer
		q[i] ^= 0xff
		p = q
	}
	n, err := c.ResponseWriter.Write(p)
	c.off += int64(n)
	return n, err
}

// errDropped stops the registry's copy once a cut response has its bytes.
var errDropped = errors.New("faultproxy: connection dropped")
