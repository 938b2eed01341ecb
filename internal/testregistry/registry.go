package testregistry

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"
	"github.com/olareg/olareg"
	olaconfig "github.com/olareg/olareg/config"
	"github.com/sirupsen/logrus"

	// The storage and auth drivers register themselves by name, exactly as
	// distribution's cmd/registry wires them.
	_ "github.com/distribution/distribution/v3/registry/auth/htpasswd"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"
)

// Registry is a running test registry. It is closed by t.Cleanup.
type Registry struct {
	// URL is the base URL, "http://127.0.0.1:PORT" or "https://127.0.0.1:PORT".
	URL string
	// Host is "127.0.0.1:PORT", the registry part of a reference.
	Host string
	// CAPEM is the PEM of the CA that signed the server certificate; nil without TLS.
	CAPEM []byte
	// ClientCertPEM and ClientKeyPEM are a client certificate accepted by a
	// registry started WithClientCA; nil otherwise.
	ClientCertPEM, ClientKeyPEM []byte

	log    *requestLog
	tokens *tokenServer // nil without WithBearerAuth
}

// quietOnce silences distribution's logrus output once per test binary: it
// logs through the logrus standard logger, which is process-wide.
var quietOnce sync.Once

func quiet() {
	quietOnce.Do(func() {
		logrus.SetLevel(logrus.PanicLevel)
		logrus.SetOutput(io.Discard)
	})
}

// Start runs distribution v3 in-process with the filesystem driver rooted in
// t.TempDir() (deletes enabled, upload purging off) and serves it on
// 127.0.0.1 with the given options.
func Start(t testing.TB, opts ...Option) *Registry {
	t.Helper()
	quiet()
	c := newConfig(opts)
	dir := t.TempDir()
	dc := &configuration.Configuration{
		Storage: configuration.Storage{
			"filesystem":  configuration.Parameters{"rootdirectory": filepath.Join(dir, "storage")},
			"delete":      configuration.Parameters{"enabled": true},
			"maintenance": configuration.Parameters{"uploadpurging": map[any]any{"enabled": false}},
		},
	}
	// The HMAC key of upload _state parameters; set so none is generated with a warning.
	dc.HTTP.Secret = randomString(16)
	if c.basic {
		path, err := writeHtpasswd(dir, c.basicUser, c.basicPass)
		if err != nil {
			t.Fatalf("testregistry: %v", err)
		}
		dc.Auth = configuration.Auth{"htpasswd": configuration.Parameters{"realm": realm, "path": path}}
	}
	ctx, cancel := context.WithCancel(context.Background())
	app := handlers.NewApp(ctx, dc)
	t.Cleanup(func() {
		_ = app.Shutdown()
		cancel()
	})
	return serve(t, c, app)
}

// StartOlareg runs olareg in-process and serves it on 127.0.0.1 with the
// given options. Its store is in memory unless [WithDiskStore] is given:
// olareg v0.1.2's directory store has a data race (an unlocked "repo
// exists" flag) that `go test -race` reports when a client pushes layers in
// parallel to a new repository. Basic auth, when asked for, is a front
// handler because olareg has none of its own.
func StartOlareg(t testing.TB, opts ...Option) *Registry {
	t.Helper()
	c := newConfig(opts)
	yes := true
	store := olaconfig.StoreMem
	if c.disk {
		store = olaconfig.StoreDir
	}
	srv := olareg.New(olaconfig.Config{
		Storage: olaconfig.ConfigStorage{
			StoreType: store,
			RootDir:   t.TempDir(),
			GC:        olaconfig.ConfigGC{Frequency: -1}, // no background GC racing the test
		},
		API: olaconfig.ConfigAPI{DeleteEnabled: &yes},
	})
	t.Cleanup(func() { _ = srv.Close() })
	var h http.Handler = srv
	if c.basic {
		h = basicFront(c.basicUser, c.basicPass, h)
	}
	return serve(t, c, h)
}

// serve builds the handler chain (see the package doc) and starts httptest.
func serve(t testing.TB, c *config, h http.Handler) *Registry {
	t.Helper()
	if c.basic && c.bearer != nil {
		t.Fatal("testregistry: WithBasicAuth and WithBearerAuth are exclusive")
	}
	r := &Registry{log: newRequestLog()}
	if c.bearer != nil {
		r.tokens = newTokenServer(*c.bearer)
		h = r.tokens.wrap(h)
	}
	for i := len(c.wrappers) - 1; i >= 0; i-- {
		h = c.wrappers[i](h)
	}
	srv := httptest.NewUnstartedServer(r.log.middleware(h))
	// TLS handshake failures are expected in tests of the failure path.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if c.tls {
		pki, err := newPKI(c.clientCA)
		if err != nil {
			t.Fatalf("testregistry: generating certificates: %v", err)
		}
		srv.TLS = pki.serverConfig()
		r.CAPEM, r.ClientCertPEM, r.ClientKeyPEM = pki.caPEM, pki.clientCertPEM, pki.clientKeyPEM
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	r.Host = strings.TrimPrefix(strings.TrimPrefix(srv.URL, "https://"), "http://")
	if !c.tls {
		plainHosts.Store(r.Host, true)
		t.Cleanup(func() { plainHosts.Delete(r.Host) })
	}
	return r
}

// plainHosts holds the host:port of every plain-HTTP registry this test
// binary runs. docker-zarf talks plain HTTP only when told to, so a test
// runner passes --plain-http for these, as a user would.
var plainHosts sync.Map

// IsPlainHTTP tells whether host is a running plain-HTTP test registry.
func IsPlainHTTP(host string) bool {
	_, ok := plainHosts.Load(host)
	return ok
}

// Transport returns a new transport that trusts the registry's CA and, with
// WithClientCA, presents the client certificate. For plain HTTP it is a clone
// of http.DefaultTransport.
func (r *Registry) Transport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if r.CAPEM == nil {
		return tr
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(r.CAPEM)
	tc := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if r.ClientCertPEM != nil {
		if cert, err := tls.X509KeyPair(r.ClientCertPEM, r.ClientKeyPEM); err == nil {
			tc.Certificates = []tls.Certificate{cert}
		}
	}
	tr.TLSClientConfig = tc
	return tr
}

// Client returns an HTTP client using [Registry.Transport], with a 30 s timeout.
func (r *Registry) Client() *http.Client {
	return &http.Client{Transport: r.Transport(), Timeout: 30 * time.Second}
}

// Requests returns a copy of the request log in completion order. It first
// waits (up to 2 s) for requests still being handled, because a client can
// read the last byte of a response before the server-side handler returns.
func (r *Registry) Requests() []RequestLog { return r.log.snapshot(2 * time.Second) }

// Reset empties the request log. It first waits (up to 2 s) for handlers
// still running, so that a request the client already gave up on (an
// aborted upload) is not logged after the Reset as if it came later.
func (r *Registry) Reset() {
	r.log.snapshot(2 * time.Second)
	r.log.reset()
}

// BlobBytesOut is the sum of response body bytes sent for blob GETs
// (GET /v2/<name>/blobs/<digest>) since the last Reset.
func (r *Registry) BlobBytesOut() int64 {
	var n int64
	for _, l := range r.Requests() {
		if l.IsBlobGet() {
			n += l.BytesOut
		}
	}
	return n
}

// BlobBytesIn is the sum of request body bytes received by blob upload
// requests (POST/PATCH/PUT under /v2/<name>/blobs/uploads/) since the last Reset.
func (r *Registry) BlobBytesIn() int64 {
	var n int64
	for _, l := range r.Requests() {
		if l.IsBlobUpload() {
			n += l.BytesIn
		}
	}
	return n
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}
