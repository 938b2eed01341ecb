package registry

import (
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
)

// Options configure a Client. The zero value is a working default: anonymous,
// HTTPS with the system roots plus Docker's certs.d, 5 retries, one streaming
// PATCH per blob, no debug output.
type Options struct {
	// Keychain resolves credentials per registry. Default (nil): anonymous.
	Keychain authn.Keychain
	// PlainHTTP talks http:// to the registry hosts of this client, never
	// trying https. It never extends to another host (a token realm, a
	// redirect to blob storage): those stay on https. Default: https only,
	// for every host, loopback and private addresses included; anything
	// that would use http:// fails with an error matching ErrPlainHTTP.
	PlainHTTP bool
	// InsecureSkipTLSVerify accepts any certificate from the registry hosts
	// of this client; other hosts (a token realm, blob storage) are still
	// verified. Default: verify.
	InsecureSkipTLSVerify bool
	// CertsDirs are searched for a host[:port] folder holding ca.crt / *.crt
	// CAs (added to the system roots) and client.cert + client.key pairs for
	// mutual TLS, as the Docker engine does. Default (nil): /etc/docker/certs.d
	// and $DOCKER_CONFIG/certs.d (or ~/.docker/certs.d). An empty non-nil
	// slice searches nothing.
	CertsDirs []string
	// Retries is how many times a failure that may pass (408, 429, 5xx, a
	// dropped or reset connection) is retried, with exponential backoff and
	// jitter, honouring Retry-After: every request that is safe to repeat
	// (ping, token, HEAD, GET, upload POST, commit PUT) retries on its own,
	// and a cut upload or download resumes, its budget renewed by progress.
	// N > 0: N retries (N+1 tries). Default (0): DefaultRetries. NoRetry
	// (any negative value): one try, no retry. A command-line --retries N
	// maps 0 to NoRetry and passes any other N as is.
	Retries int
	// MaxRetryWait caps the total time one call (a blob transfer, a
	// manifest read, ...) spends waiting between retries without making
	// progress; the error says when the cap stopped them. Default (0):
	// DefaultMaxRetryWait.
	MaxRetryWait time.Duration
	// ChunkSize, when > 0, uploads blobs in PATCHes of this many bytes, each
	// with Content-Length and Content-Range, resuming from the registry's
	// offset after a failure. Default (0): one streaming PATCH per blob.
	ChunkSize int64
	// ResponseTimeout bounds the wait for a response's headers once the
	// request is sent. Default (0): 2 minutes, which leaves room for the
	// commit of a large blob. Negative: no limit.
	ResponseTimeout time.Duration
	// StallTimeout bounds the time a request or response body may go
	// without moving a byte (a registry that stops reading an upload or
	// sending a download); a slow transfer that keeps moving is never cut.
	// Default (0): 60 s. Negative: no limit. Either limit fails the request
	// with a *StallError.
	StallTimeout time.Duration
	// UserAgent is sent before go-containerregistry's own, e.g.
	// "docker-zarf/1.2.3". Default: go-containerregistry's alone.
	UserAgent string
	// Transport is the base round tripper, used as is (no TLS settings,
	// certs.d or tuning applied; the plain HTTP refusal and the timeouts
	// still are). Default (nil): a tuned clone of http.DefaultTransport per
	// host reached, with that host's TLS settings.
	Transport http.RoundTripper
	// NoSync leaves flushing a fetched blob to disk to the caller: Fetch
	// renames it into place without an fsync. For callers that sync once at
	// the end, or that re-verify what they read back, a per-blob fsync only
	// costs time (hundreds of small blobs pay one disk flush each).
	// Default (false): Fetch fsyncs each blob before the rename.
	NoSync bool
	// Debug receives one line per HTTP request and response, with headers;
	// credentials and tokens are REDACTED and bodies never printed.
	// Default (nil): off.
	Debug io.Writer
}

// Client talks to OCI registries. It is safe for concurrent use; it caches
// one base transport per registry host and one authenticated transport per
// registry and scope set, so parallel transfers share connections and tokens.
type Client struct {
	opts         Options
	backoff      backoff
	putMax       int64 // largest blob sent in the commit PUT; tests lower it
	tagsPageSize int   // the n of a tag list request; 0 leaves the registry's default
	debug        *debugLog

	bufs sync.Pool // *[]byte of ioBufferSize, for downloads

	mu         sync.Mutex
	bases      map[string]*baseEntry      // registry host -> base transport
	transports map[tlsKey]*transportEntry // host reached + TLS mode -> HTTP transport
	auths      map[string]*authEntry      // registry + scopes -> authenticated transport
	granted    map[string][]string        // registry -> the scope set Authorize asked for
}

// New returns a Client with opts.
func New(opts Options) *Client {
	c := &Client{
		opts:       opts,
		backoff:    newBackoff(opts),
		putMax:     monolithicMax,
		bases:      map[string]*baseEntry{},
		transports: map[tlsKey]*transportEntry{},
		auths:      map[string]*authEntry{},
		granted:    map[string][]string{},
	}
	if opts.Debug != nil {
		c.debug = &debugLog{w: opts.Debug}
		c.backoff.log = c.debug
	}
	return c
}
