package testregistry

import (
	"net/http"
	"time"
)

// Option configures a test registry started by [Start] or [StartOlareg].
type Option func(*config)

// config collects the options; the zero value is a plain-HTTP, anonymous registry.
type config struct {
	basicUser, basicPass string
	basic                bool

	bearer *bearerConfig

	tls      bool
	clientCA bool

	wrappers []func(http.Handler) http.Handler

	disk bool
}

func newConfig(opts []Option) *config {
	c := &config{}
	for _, o := range opts {
		o(c)
	}
	return c
}

// WithBasicAuth requires HTTP basic credentials user:pass on every /v2/
// request. For [Start] it is distribution's htpasswd access controller
// (a bcrypt htpasswd file in t.TempDir()); olareg has no auth, so
// [StartOlareg] puts an equivalent basic-auth front in front of it.
// Default: no authentication.
func WithBasicAuth(user, pass string) Option {
	return func(c *config) {
		c.basic = true
		c.basicUser, c.basicPass = user, pass
	}
}

// WithBearerAuth puts a Docker token server at /token on the registry's own
// host:port (ggcr rejects realms on another loopback address) and answers
// every /v2/ request without a valid, unexpired token covering the requested
// repository and action with a 401 Bearer challenge. Tokens are issued for
// Basic credentials user:pass only, carry exactly the scopes requested, and
// expire after ttl (ttl <= 0 means 60 s, the protocol's default).
// Default: no authentication.
func WithBearerAuth(user, pass string, ttl time.Duration) Option {
	return func(c *config) {
		if ttl <= 0 {
			ttl = 60 * time.Second
		}
		c.bearer = &bearerConfig{user: user, pass: pass, ttl: ttl}
	}
}

// WithTLS serves HTTPS with a leaf certificate for 127.0.0.1, ::1 and
// localhost signed by a CA generated for this registry; the CA is in
// [Registry.CAPEM]. Default: plain HTTP.
func WithTLS() Option {
	return func(c *config) { c.tls = true }
}

// WithClientCA implies [WithTLS] and also requires a client certificate
// signed by a second generated CA (mutual TLS). A valid client certificate
// and key are in [Registry.ClientCertPEM] and [Registry.ClientKeyPEM].
// Default: no client certificate required.
func WithClientCA() Option {
	return func(c *config) { c.tls, c.clientCA = true, true }
}

// WithHandler wraps the registry (and its auth front) in wrap, for example a
// faultproxy middleware. Several WithHandler options nest in order: the first
// given is the outermost. Default: none.
func WithHandler(wrap func(http.Handler) http.Handler) Option {
	return func(c *config) { c.wrappers = append(c.wrappers, wrap) }
}

// WithDiskStore makes [StartOlareg] keep blobs in a directory under
// t.TempDir() instead of memory, for large blobs; avoid it in tests run with
// -race (see StartOlareg). [Start] always uses disk. Default: memory.
func WithDiskStore() Option {
	return func(c *config) { c.disk = true }
}
