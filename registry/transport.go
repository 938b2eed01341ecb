package registry

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Transport tuning. The idle pool lets every parallel transfer keep its own
// HTTP/1.1 connection alive between requests. Connection buffers: measured
// on loopback (1 GB up and down, no registry in the way) 4 KiB, 64 KiB,
// 256 KiB and 1 MiB all ran at 1.1-1.6 GB/s up and 2-4 GB/s down, within
// noise of each other and far above any registry; 256 KiB keeps syscalls
// few at half a MiB per connection. Downloads copy through ioBufferSize.
const (
	ioBufferSize   = 1 << 20
	connBufferSize = 256 << 10
	maxIdlePerHost = 32
)

// baseEntry caches the base transport of one registry host.
type baseEntry struct {
	once sync.Once
	rt   http.RoundTripper
	err  error
}

// base returns the round tripper every request to host goes through, below
// authentication: the HTTP transport (TLS for host), debug tracing, the
// replay guard and the user agent. It is built once per host.
func (c *Client) base(host string) (http.RoundTripper, error) {
	c.mu.Lock()
	e := c.bases[host]
	if e == nil {
		e = &baseEntry{}
		c.bases[host] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.rt, e.err = c.newBase(host) })
	return e.rt, e.err
}

func (c *Client) newBase(host string) (http.RoundTripper, error) {
	rt := c.opts.Transport
	if rt == nil {
		cfg, err := tlsConfig(host, c.opts)
		if err != nil {
			return nil, err
		}
		rt = tunedTransport(cfg)
	}
	if c.debug != nil {
		rt = &debugTransport{inner: rt, log: c.debug}
	}
	if c.opts.PlainHTTP {
		rt = &plainHTTP{inner: rt, host: host}
	}
	return transport.NewUserAgent(&replayGuard{inner: rt}, c.opts.UserAgent), nil
}

// plainHTTP sends every request for the registry host over http, the ping
// included: go-containerregistry would try https first even for a registry
// marked insecure. Other hosts (a token realm) keep the scheme they gave.
type plainHTTP struct {
	inner http.RoundTripper
	host  string
}

func (p *plainHTTP) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "https" || req.URL.Host != p.host {
		return p.inner.RoundTrip(req)
	}
	// Work on a copy: the caller's request must not change under it. The
	// response names the copy, so the ping records that http was used.
	r := req.Clone(req.Context())
	r.URL.Scheme = "http"
	return p.inner.RoundTrip(r)
}

// tunedTransport clones http.DefaultTransport (proxy from the environment,
// dial and TLS handshake timeouts) and speaks HTTP/1.1 only: HTTP/2 would
// multiplex every parallel blob on one TCP connection behind small flow
// control windows, which is slower for large uploads than one connection
// per transfer.
func tunedTransport(cfg *tls.Config) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = cfg
	t.ForceAttemptHTTP2 = false
	t.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	var p http.Protocols
	p.SetHTTP1(true)
	t.Protocols = &p
	t.MaxIdleConns = 0 // no global cap; the per-host cap below applies
	t.MaxIdleConnsPerHost = maxIdlePerHost
	t.WriteBufferSize = connBufferSize
	t.ReadBufferSize = connBufferSize
	return t
}

// tlsConfig is the client TLS configuration for host[:port]: system roots
// plus the CAs of its certs.d folders, and their client key pairs.
func tlsConfig(host string, opts Options) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: opts.InsecureSkipTLSVerify}
	dirs := opts.CertsDirs
	if dirs == nil {
		dirs = defaultCertsDirs()
	}
	for _, d := range dirs {
		if err := loadCertsDir(cfg, filepath.Join(d, host)); err != nil {
			return nil, fmt.Errorf("loading certificates for %s: %w", host, err)
		}
	}
	return cfg, nil
}

// defaultCertsDirs are the Docker engine's and the Docker CLI's folders.
func defaultCertsDirs() []string {
	dirs := []string{"/etc/docker/certs.d"}
	if cfg := os.Getenv("DOCKER_CONFIG"); cfg != "" {
		return append(dirs, filepath.Join(cfg, "certs.d"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".docker", "certs.d"))
	}
	return dirs
}

// loadCertsDir reads one certs.d/<host> folder the way the Docker engine
// does: every *.crt is a CA, every *.cert needs its *.key (and the reverse).
// A missing folder is not an error.
func loadCertsDir(cfg *tls.Config, dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	has := map[string]bool{}
	for _, e := range entries {
		has[e.Name()] = true
	}
	for _, e := range entries {
		if err := loadCertFile(cfg, dir, e.Name(), has); err != nil {
			return err
		}
	}
	return nil
}

func loadCertFile(cfg *tls.Config, dir, f string, has map[string]bool) error {
	switch {
	case strings.HasSuffix(f, ".crt"):
		return addCA(cfg, filepath.Join(dir, f))
	case strings.HasSuffix(f, ".cert"):
		key := strings.TrimSuffix(f, ".cert") + ".key"
		if !has[key] {
			return fmt.Errorf("missing key %s for client certificate %s in %s (CA certificates must use the extension .crt)", key, f, dir)
		}
		pair, err := tls.LoadX509KeyPair(filepath.Join(dir, f), filepath.Join(dir, key))
		if err != nil {
			return err
		}
		cfg.Certificates = append(cfg.Certificates, pair)
	case strings.HasSuffix(f, ".key"):
		if cert := strings.TrimSuffix(f, ".key") + ".cert"; !has[cert] {
			return fmt.Errorf("missing client certificate %s for key %s in %s", cert, f, dir)
		}
	}
	return nil
}

func addCA(cfg *tls.Config, path string) error {
	pem, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if cfg.RootCAs == nil {
		if cfg.RootCAs, err = x509.SystemCertPool(); err != nil {
			cfg.RootCAs = x509.NewCertPool()
		}
	}
	if !cfg.RootCAs.AppendCertsFromPEM(pem) {
		return fmt.Errorf("no PEM certificate in %s", path)
	}
	return nil
}

// errBodyReplay is returned when a request whose body was already (partly)
// sent must go out again, as go-containerregistry's bearer transport does
// after refreshing an expired token. A streamed blob cannot be rewound here;
// the upload loop treats this as transient and resumes from its source.
var errBodyReplay = errors.New("request body already sent and cannot be replayed")

// replayGuard sits below authentication. A request seen a second time with
// a consumed body gets a fresh body from GetBody (manifests), or fails with
// errBodyReplay (blob data) instead of sending a truncated body.
type replayGuard struct{ inner http.RoundTripper }

func (g *replayGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return g.inner.RoundTrip(req)
	}
	if gb, ok := req.Body.(*guardedBody); !ok || gb.used.Load() {
		if ok { // second pass
			if req.GetBody == nil {
				return nil, errBodyReplay
			}
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req.Body = body
		}
		req.Body = &guardedBody{ReadCloser: req.Body}
	}
	return g.inner.RoundTrip(req)
}

// guardedBody records that a request body has been read or closed.
type guardedBody struct {
	io.ReadCloser
	used atomic.Bool
}

func (b *guardedBody) Read(p []byte) (int, error) {
	b.used.Store(true)
	return b.ReadCloser.Read(p)
}

func (b *guardedBody) Close() error {
	b.used.Store(true)
	return b.ReadCloser.Close()
}
