package registry

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// redacted replaces every secret in the debug trace.
const redacted = "REDACTED"

// debugLog serialises trace records from parallel transfers; each request
// carries a sequence number so its response line can be matched.
type debugLog struct {
	mu  sync.Mutex
	w   io.Writer
	seq atomic.Int64
}

func (l *debugLog) print(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = io.WriteString(l.w, s)
}

// debugTransport traces every request on the wire (pings and token requests
// included, since it sits below authentication). It never reads bodies: the
// token endpoint's response body holds the token.
type debugTransport struct {
	inner http.RoundTripper
	log   *debugLog
}

func (d *debugTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	id := d.log.seq.Add(1)
	var b strings.Builder
	fmt.Fprintf(&b, "> [%d] %s %s", id, req.Method, redactURL(req.URL))
	if req.ContentLength > 0 {
		fmt.Fprintf(&b, " (%d bytes)", req.ContentLength)
	}
	b.WriteString("\n")
	writeHeaders(&b, req.Header)
	d.log.print(b.String())

	start := time.Now()
	resp, err := d.inner.RoundTrip(req)
	took := time.Since(start).Round(time.Millisecond)
	b.Reset()
	if err != nil {
		fmt.Fprintf(&b, "< [%d] error: %v (%s)\n", id, err, took)
		d.log.print(b.String())
		return resp, err
	}
	size := "?"
	if resp.ContentLength >= 0 {
		size = fmt.Sprint(resp.ContentLength)
	}
	fmt.Fprintf(&b, "< [%d] %d (%s bytes, %s)\n", id, resp.StatusCode, size, took)
	writeHeaders(&b, resp.Header)
	d.log.print(b.String())
	return resp, nil
}

// writeHeaders prints headers sorted, one per line, secrets redacted.
func writeHeaders(b *strings.Builder, h http.Header) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(b, "    %s: %s\n", k, redactHeader(k, v))
		}
	}
}

func redactHeader(name, value string) string {
	switch ln := strings.ToLower(name); {
	case ln == "www-authenticate":
		return value // realm, service and scope: no secret, and useful
	case ln == "location" || ln == "link" || ln == "content-location":
		return redactURLString(value)
	case sensitive(ln):
		return redacted
	}
	return value
}

// sensitive tells header and query parameter names that may carry a
// credential: Authorization, Cookie, tokens, signatures of presigned URLs.
func sensitive(name string) bool {
	name = strings.ToLower(name)
	for _, s := range []string{"auth", "cookie", "token", "secret", "password", "key", "sig", "credential", "session", "code"} {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

// redactURL prints u with its password and any token-ish query value
// replaced.
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.User != nil {
		c.User = url.User(redacted)
	}
	q := c.Query()
	changed := false
	for k := range q {
		if sensitive(k) {
			q[k] = []string{redacted}
			changed = true
		}
	}
	if changed {
		c.RawQuery = q.Encode()
	}
	return c.String()
}

// redactURLString redacts a URL found in a header or error; a value that
// does not parse is hidden whole.
func redactURLString(s string) string {
	// A Link header wraps the URL in <...>; keep the decoration.
	if i, j := strings.Index(s, "<"), strings.Index(s, ">"); i >= 0 && j > i {
		return s[:i+1] + redactURLString(s[i+1:j]) + s[j:]
	}
	u, err := url.Parse(s)
	if err != nil {
		return redacted
	}
	return redactURL(u)
}
