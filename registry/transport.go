package registry

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

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

// base returns the round tripper every request for registry goes through,
// below authentication, outermost first: the user agent, the plain HTTP
// rewrite (PlainHTTP only), the replay guard, debug tracing, the watchdog
// (response and stall timeouts), the scheme guard (no http:// unless
// allowed) and the HTTP transport of each request's host. It is built once
// per registry.
func (c *Client) base(registry string) (http.RoundTripper, error) {
	c.mu.Lock()
	e := c.bases[registry]
	if e == nil {
		e = &baseEntry{}
		c.bases[registry] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.rt, e.err = c.newBase(registry) })
	return e.rt, e.err
}

func (c *Client) newBase(registry string) (http.RoundTripper, error) {
	var rt http.RoundTripper = &hostRouter{c: c, registry: registry}
	if c.opts.Transport != nil {
		rt = c.opts.Transport
	}
	rt = &schemeGuard{inner: rt, registry: registry, plain: c.opts.PlainHTTP}
	rt = &watchdog{inner: rt, headers: c.responseTimeout(), stall: c.stallTimeout()}
	if c.debug != nil {
		rt = &debugTransport{inner: rt, log: c.debug}
	}
	rt = &replayGuard{inner: rt}
	if c.opts.PlainHTTP {
		rt = &plainHTTP{inner: rt, host: registry}
	}
	return transport.NewUserAgent(rt, c.opts.UserAgent), nil
}

// plainHTTP sends every request for the registry host over http, the ping
// included: go-containerregistry would try https first even for a registry
// marked insecure. Other hosts (a token realm) keep the scheme they gave.
type plainHTTP struct {
	inner http.RoundTripper
	host  string
}

func (p *plainHTTP) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "https" || !sameHost(req.URL, p.host) {
		return p.inner.RoundTrip(req)
	}
	// Work on a copy: the caller's request must not change under it. The
	// response names the copy, so the ping records that http was used.
	r := req.Clone(req.Context())
	r.URL.Scheme = "http"
	return p.inner.RoundTrip(r)
}

// tlsKey names one HTTP transport: a host and whether it skips
// verification.
type tlsKey struct {
	host     string
	insecure bool
}

// transportEntry caches the HTTP transport of one tlsKey.
type transportEntry struct {
	once sync.Once
	rt   *http.Transport
	err  error
}

// hostRouter sends each request through the HTTP transport of its own host,
// so TLS settings follow the host that is dialled: a token realm or a
// redirect to blob storage gets its own certs.d and full verification,
// never the CA, client certificate or InsecureSkipTLSVerify meant for the
// registry.
type hostRouter struct {
	c        *Client
	registry string
}

func (h *hostRouter) RoundTrip(req *http.Request) (*http.Response, error) {
	insecure := h.c.opts.InsecureSkipTLSVerify && sameHost(req.URL, h.registry)
	t, err := h.c.httpTransport(req.URL.Host, insecure)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	return t.RoundTrip(req)
}

// httpTransport returns the shared HTTP transport of host, built once, so
// that every registry whose requests reach host shares its connections.
func (c *Client) httpTransport(host string, insecure bool) (*http.Transport, error) {
	k := tlsKey{host, insecure}
	c.mu.Lock()
	e := c.transports[k]
	if e == nil {
		e = &transportEntry{}
		c.transports[k] = e
	}
	c.mu.Unlock()
	e.once.Do(func() {
		cfg, err := tlsConfig(host, c.opts.CertsDirs, insecure)
		if err != nil {
			e.err = err
			return
		}
		e.rt = tunedTransport(cfg)
	})
	return e.rt, e.err
}

// sameHost reports whether u addresses host[:port], a default port
// written or not.
func sameHost(u *url.URL, host string) bool {
	return canonicalHost(u.Host, u.Scheme) == canonicalHost(host, u.Scheme)
}

func canonicalHost(host, scheme string) string {
	host = strings.ToLower(host)
	for s, port := range map[string]string{"https": ":443", "http": ":80"} {
		if s == scheme {
			host = strings.TrimSuffix(host, port)
		}
	}
	return host
}

// closeBody closes req's body, as a RoundTripper must even when it fails
// before sending.
func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
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
func tlsConfig(host string, certsDirs []string, insecure bool) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: insecure}
	dirs := certsDirs
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
