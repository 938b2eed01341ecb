package registry

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// ErrPlainHTTP is matched (errors.Is) by every refusal to talk http://: a
// registry that only answers plain HTTP, a redirect or upload Location that
// would leave https, a token realm on http. Options.PlainHTTP allows http
// for the registry host only; nothing else ever gets it.
var ErrPlainHTTP = errors.New("plain HTTP is not enabled")

// PlainHTTPError is a refusal to talk plain HTTP to Host.
type PlainHTTPError struct {
	Host string // host[:port] that would have been reached over http
	Why  string // "it answers plain HTTP only", "redirect from https to http", ...
}

func (e *PlainHTTPError) Error() string {
	return fmt.Sprintf("%s: %s; refusing to talk plain HTTP (not enabled)", e.Host, e.Why)
}

// Is makes errors.Is(err, ErrPlainHTTP) true.
func (e *PlainHTTPError) Is(target error) bool { return target == ErrPlainHTTP }

// schemeGuard is the lowest layer above the HTTP transport: an http://
// request goes out only with PlainHTTP and only to the registry host.
// go-containerregistry pings loopback and private registries over http as
// well as https (and would keep http if it answered first); credentials
// would then travel in clear text. Nothing above can get around this check.
type schemeGuard struct {
	inner    http.RoundTripper
	registry string
	plain    bool
}

func (g *schemeGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" && !allowHTTP(req.URL, g.registry, g.plain) {
		closeBody(req)
		return nil, &PlainHTTPError{Host: req.URL.Host, Why: "request over http"}
	}
	return g.inner.RoundTrip(req)
}

func allowHTTP(u *url.URL, registry string, plain bool) bool {
	return plain && sameHost(u, registry)
}

// checkRedirect is the redirect policy of an authenticated client: net/http's
// limit of 10, and no step from https to http unless schemeGuard would let
// the request through anyway (PlainHTTP, registry host). The guard refuses
// it too; this names the redirect in the error.
func checkRedirect(registry string, plain bool) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		prev := via[len(via)-1].URL
		if prev.Scheme == "https" && req.URL.Scheme == "http" && !allowHTTP(req.URL, registry, plain) {
			return &PlainHTTPError{Host: req.URL.Host, Why: "redirect from https to http"}
		}
		return nil
	}
}

// explainPing turns the error of go-containerregistry's /v2/ ping into the
// one the user needs. A server that speaks HTTP to a TLS client is a plain
// HTTP registry: say so with ErrPlainHTTP. A ping that failed over https
// AND over http (which schemeGuard refused) is reported by its https error
// alone: the refusal is not the problem when TLS failed.
func explainPing(host string, err error) error {
	// net/http does not export this error; its text has been stable since Go 1.12.
	if strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
		// The ping's, or the token realm's on another host.
		var ue *url.Error
		if errors.As(err, &ue) {
			if u, perr := url.Parse(ue.URL); perr == nil && u.Host != "" {
				host = u.Host
			}
		}
		return &PlainHTTPError{Host: host, Why: "it answers plain HTTP only"}
	}
	if !errors.Is(err, ErrPlainHTTP) {
		return err
	}
	// The ping's joined error lists https first; As walks it in order.
	var te *transport.Error
	if errors.As(err, &te) {
		return te
	}
	var ue *url.Error
	if errors.As(err, &ue) && !errors.Is(ue, ErrPlainHTTP) {
		return ue
	}
	return err
}
