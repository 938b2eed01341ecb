package registry

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

// TestNoPlainHTTPWithoutOption: a plain HTTP registry on a loopback address
// is refused, with an error matching ErrPlainHTTP on one line, before any
// request (and so any credential) leaves the process. go-containerregistry
// used to fall back to http for loopback and private addresses.
func TestNoPlainHTTPWithoutOption(t *testing.T) {
	reg := testregistry.Start(t, testregistry.WithBasicAuth(testUser, testPass))
	_, port, _ := net.SplitHostPort(reg.Host)
	for _, host := range []string{reg.Host, "localhost:" + port} {
		t.Run(host, func(t *testing.T) {
			reg.Reset()
			c := newTLSTestClient(Options{Keychain: keychain{testUser, testPass}})
			repo, err := name.NewRepository(host + "/plain/refused")
			if err != nil {
				t.Fatal(err)
			}
			b := newBlob(t, 1000)
			err = c.PushBlob(testCtx(t), repo, b.desc, b.stream(), nil)
			t.Logf("error: %v", err)
			if !errors.Is(err, ErrPlainHTTP) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v, want one line matching ErrPlainHTTP", err)
			}
			if !strings.Contains(err.Error(), host+": it answers plain HTTP only") {
				t.Errorf("error %q does not name the host and the reason", err)
			}
			if n := len(reg.Requests()); n != 0 {
				t.Errorf("the registry saw %d plain HTTP requests, want 0", n)
			}
		})
	}
	t.Run("PlainHTTP set", func(t *testing.T) {
		c := newTestClient(Options{Keychain: keychain{testUser, testPass}})
		b := newBlob(t, 1000)
		if err := c.PushBlob(testCtx(t), mustRepo(t, reg, "plain/allowed"), b.desc, b.stream(), nil); err != nil {
			t.Fatal(err)
		}
	})
}

// TestSlowTLSIsNotRetriedOverHTTP reproduces the issue: one port that
// speaks TLS (slowly: the first handshake waits 700 ms, more than
// go-containerregistry's 300 ms fallback delay) and plain HTTP, the CA in
// certs.d. Before, the client raced an http ping, won it, and pushed with
// Basic credentials in clear text. Now no plain HTTP connection is made.
func TestSlowTLSIsNotRetriedOverHTTP(t *testing.T) {
	secure := testregistry.Start(t, testregistry.WithTLS(), testregistry.WithBasicAuth(testUser, testPass))
	plain := testregistry.Start(t, testregistry.WithBasicAuth(testUser, testPass))
	mux := startSniffer(t, secure.Host, plain.Host, 700*time.Millisecond)
	certs := t.TempDir()
	if err := os.MkdirAll(filepath.Join(certs, mux.host), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(certs, mux.host, "ca.crt"), secure.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	c := newTLSTestClient(Options{Keychain: keychain{testUser, testPass}, CertsDirs: []string{certs}})
	repo, err := name.NewRepository(mux.host + "/slow/tls")
	if err != nil {
		t.Fatal(err)
	}
	b := newBlob(t, 1000)
	if err := c.PushBlob(testCtx(t), repo, b.desc, b.stream(), nil); err != nil {
		t.Fatalf("PushBlob over slow TLS: %v", err)
	}
	if n := mux.plainConns.Load(); n != 0 {
		t.Errorf("%d plain HTTP connections (%d requests with credentials in clear text), want 0", n, withAuth(plain.Requests()))
	}
	if withAuth(secure.Requests()) == 0 {
		t.Error("the push did not reach the TLS registry")
	}
}

func withAuth(log []testregistry.RequestLog) int {
	n := 0
	for _, l := range log {
		if l.AuthScheme != "" {
			n++
		}
	}
	return n
}

// sniffer is one loopback port that forwards TLS connections to one
// address (the first after a delay) and anything else to another.
type sniffer struct {
	host       string
	plainConns atomic.Int64
}

func startSniffer(t *testing.T, tlsAddr, plainAddr string, firstTLSDelay time.Duration) *sniffer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sniffer{host: ln.Addr().String()}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		conns   []net.Conn
		delayed atomic.Bool
	)
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	track := func(c net.Conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			track(conn)
			wg.Add(1)
			go func() {
				defer wg.Done()
				br := bufio.NewReader(conn)
				first, err := br.Peek(1)
				if err != nil {
					return
				}
				to := plainAddr
				if first[0] == 0x16 { // a TLS handshake record
					to = tlsAddr
					if !delayed.Swap(true) {
						time.Sleep(firstTLSDelay)
					}
				} else {
					s.plainConns.Add(1)
				}
				up, err := net.Dial("tcp", to)
				if err != nil {
					return
				}
				track(up)
				go func() { _, _ = io.Copy(up, br); up.Close() }()
				_, _ = io.Copy(conn, up)
				conn.Close()
			}()
		}
	}()
	return s
}

// TestNoDowngrade: a redirect or an upload Location may not lead from https
// to http, and PlainHTTP for the registry does not extend to another host.
func TestNoDowngrade(t *testing.T) {
	var hits atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(other.Close)
	p := faultproxy.New(1)
	secure := testregistry.Start(t, testregistry.WithTLS(), testregistry.WithHandler(p.Middleware))
	plain := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	certs := t.TempDir()
	if _, err := secure.WriteCertsDir(certs); err != nil {
		t.Fatal(err)
	}
	redirect := func(to string) faultproxy.Action {
		return faultproxy.Respond(http.StatusTemporaryRedirect, http.Header{"Location": {to}}, "")
	}
	tests := []struct {
		name  string
		reg   *testregistry.Registry
		plain bool
		fault faultproxy.Scenario
		push  bool
	}{
		{"blob redirect to http on another host", secure, false,
			faultproxy.Scenario{Match: faultproxy.BlobGet, Action: redirect(other.URL + "/blob")}, false},
		{"blob redirect to http on the registry host", secure, false,
			faultproxy.Scenario{Match: faultproxy.BlobGet, Action: redirect("http://" + secure.Host + "/v2/x/blobs/sha256:00")}, false},
		{"upload Location on another host over http", secure, false,
			faultproxy.Scenario{Match: faultproxy.UploadStart, Action: faultproxy.Respond(http.StatusAccepted,
				http.Header{"Location": {other.URL + "/v2/x/blobs/uploads/1"}, "Range": {"0-0"}}, "")}, true},
		{"PlainHTTP: blob redirect to http on another host", plain, true,
			faultproxy.Scenario{Match: faultproxy.BlobGet, Action: redirect(other.URL + "/blob")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits.Store(0)
			c := newTLSTestClient(Options{PlainHTTP: tt.plain, CertsDirs: []string{certs}})
			repo := mustRepo(t, tt.reg, "no/downgrade")
			b := newBlob(t, monolithicMax+1) // over putMax: POST, PATCH, PUT
			p.Clear()
			if !tt.push {
				if err := c.PushBlob(testCtx(t), repo, b.desc, b.stream(), nil); err != nil {
					t.Fatal(err)
				}
			}
			p.Set(tt.fault)
			var err error
			if tt.push {
				err = c.PushBlob(testCtx(t), repo, b.desc, b.stream(), nil)
			} else {
				err = c.Fetch(testCtx(t), repo, b.desc, filepath.Join(t.TempDir(), "blob"), nil)
			}
			t.Logf("error: %v", err)
			if !errors.Is(err, ErrPlainHTTP) {
				t.Errorf("error %v, want one matching ErrPlainHTTP", err)
			}
			if n := hits.Load(); n != 0 {
				t.Errorf("the http host got %d requests, want 0", n)
			}
		})
	}
}

// rewriteRealm moves the token realm of a bearer registry from 127.0.0.1 to
// localhost: the same server, another host as far as the client can tell.
func rewriteRealm(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&realmWriter{ResponseWriter: w}, r)
	})
}

type realmWriter struct{ http.ResponseWriter }

func (w *realmWriter) WriteHeader(code int) {
	if v := w.Header().Get("WWW-Authenticate"); v != "" {
		w.Header().Set("WWW-Authenticate", strings.Replace(v, "://127.0.0.1:", "://localhost:", 1))
	}
	w.ResponseWriter.WriteHeader(code)
}

// TestRealmOnAnotherHost: a token realm on another host is reached with
// that host's own TLS settings: neither InsecureSkipTLSVerify nor the
// certs.d CA of the registry apply to it, and PlainHTTP does not let it use
// http.
func TestRealmOnAnotherHost(t *testing.T) {
	secure := testregistry.Start(t, testregistry.WithTLS(), testregistry.WithHandler(rewriteRealm),
		testregistry.WithBearerAuth(testUser, testPass, 0))
	plain := testregistry.Start(t, testregistry.WithHandler(rewriteRealm), testregistry.WithBearerAuth(testUser, testPass, 0))
	registryOnly, both := t.TempDir(), t.TempDir()
	for _, d := range []string{registryOnly, both} {
		if _, err := secure.WriteCertsDir(d); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := secure.WriteCertsDirLocalhost(both); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		reg     *testregistry.Registry
		opts    Options
		wantErr func(error) bool
	}{
		{"registry CA only", secure, Options{CertsDirs: []string{registryOnly}}, isCertError},
		{"InsecureSkipTLSVerify", secure, Options{InsecureSkipTLSVerify: true}, isCertError},
		{"CA for both hosts", secure, Options{CertsDirs: []string{both}}, nil},
		{"PlainHTTP, realm over http", plain, Options{PlainHTTP: true}, func(err error) bool { return errors.Is(err, ErrPlainHTTP) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.reg.Reset()
			tt.opts.Keychain = keychain{testUser, testPass}
			c := newTLSTestClient(tt.opts)
			b := newBlob(t, 1000)
			err := c.PushBlob(testCtx(t), mustRepo(t, tt.reg, "realm/other"), b.desc, b.stream(), nil)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("PushBlob: %v", err)
				}
				return
			}
			t.Logf("error: %v", err)
			if err == nil || !tt.wantErr(err) {
				t.Fatalf("error %v, want a refusal at the realm", err)
			}
			for _, l := range tt.reg.Requests() {
				if l.Path == "/token" {
					t.Errorf("the realm answered a token request: %+v", l)
				}
			}
		})
	}
}

func isCertError(err error) bool { return tlsCause(err) != nil }

// TestRedirectToAnotherHostIsVerified: a blob redirect to another host
// (blob storage) is verified with that host's own TLS settings, whatever
// InsecureSkipTLSVerify or certs.d say for the registry.
func TestRedirectToAnotherHostIsVerified(t *testing.T) {
	p := faultproxy.New(1)
	reg := testregistry.Start(t, testregistry.WithTLS(), testregistry.WithHandler(p.Middleware))
	registryOnly, both := t.TempDir(), t.TempDir()
	for _, d := range []string{registryOnly, both} {
		if _, err := reg.WriteCertsDir(d); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := reg.WriteCertsDirLocalhost(both); err != nil {
		t.Fatal(err)
	}
	repo := mustRepo(t, reg, "redirect/other")
	b := newBlob(t, 1000)
	if err := newTLSTestClient(Options{CertsDirs: []string{registryOnly}}).PushBlob(testCtx(t), repo, b.desc, b.stream(), nil); err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(reg.Host)
	// The same server under another name: only the first GET is redirected.
	p.Set(faultproxy.Scenario{Match: func(r *http.Request) bool { return faultproxy.BlobGet(r) && r.Host == reg.Host },
		Action: func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
			http.Redirect(w, r, "https://localhost:"+port+r.URL.Path, http.StatusTemporaryRedirect)
		}})
	for _, tt := range []struct {
		name    string
		opts    Options
		wantErr bool
	}{
		{"InsecureSkipTLSVerify", Options{InsecureSkipTLSVerify: true}, true},
		{"registry CA only", Options{CertsDirs: []string{registryOnly}}, true},
		{"CA for both hosts", Options{CertsDirs: []string{both}}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := newTLSTestClient(tt.opts).Fetch(testCtx(t), repo, b.desc, filepath.Join(t.TempDir(), "blob"), nil)
			t.Logf("error: %v", err)
			if tt.wantErr != (err != nil) || (err != nil && !isCertError(err)) {
				t.Fatalf("error %v, want a certificate error: %v", err, tt.wantErr)
			}
		})
	}
}
