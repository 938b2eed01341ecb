package registry

import (
	"crypto/tls"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

// TestTLS reaches HTTPS registries with a CA from certs.d, a client
// certificate from certs.d (mutual TLS), or verification off; and fails,
// quickly and without retries, when the CA or client certificate is
// missing.
func TestTLS(t *testing.T) {
	plain := testregistry.Start(t, testregistry.WithTLS())
	mtls := testregistry.Start(t, testregistry.WithClientCA())
	dirFor := func(t *testing.T, reg *testregistry.Registry) []string {
		root := t.TempDir()
		if _, err := reg.WriteCertsDir(root); err != nil {
			t.Fatal(err)
		}
		return []string{filepath.Join(t.TempDir(), "absent"), root}
	}
	tests := []struct {
		name    string
		reg     *testregistry.Registry
		opts    func(t *testing.T) Options
		wantErr string
	}{
		{"CA from certs.d", plain, func(t *testing.T) Options { return Options{CertsDirs: dirFor(t, plain)} }, ""},
		{"no CA", plain, func(*testing.T) Options { return Options{} }, "certificate"},
		{"verification off", plain, func(*testing.T) Options { return Options{InsecureSkipTLSVerify: true} }, ""},
		{"client certificate from certs.d", mtls, func(t *testing.T) Options { return Options{CertsDirs: dirFor(t, mtls)} }, ""},
		{"no client certificate", mtls, func(t *testing.T) Options {
			root := dirFor(t, mtls)[1]
			for _, f := range []string{"client.cert", "client.key"} {
				if err := os.Remove(filepath.Join(root, mtls.Host, f)); err != nil {
					t.Fatal(err)
				}
			}
			return Options{CertsDirs: []string{root}}
		}, "certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTLSTestClient(tt.opts(t))
			c.backoff.base, c.backoff.max = time.Second, time.Second // a retry would show
			b := newBlob(t, 1000)
			start := time.Now()
			err := c.PushBlob(testCtx(t), mustRepo(t, tt.reg, "tls/blob"), b.desc, b.stream(), nil)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("PushBlob: %v", err)
				}
				return
			}
			t.Logf("error: %v", err)
			var e *Error
			if !errors.As(err, &e) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want an *Error about %q", err, tt.wantErr)
			}
			// The http ping go-containerregistry tries on loopback is
			// refused; that refusal must not hide the TLS problem.
			if errors.Is(err, ErrPlainHTTP) || strings.Contains(err.Error(), "plain HTTP") {
				t.Errorf("error %v blames plain HTTP", err)
			}
			if took := time.Since(start); took > 900*time.Millisecond {
				t.Errorf("failure took %s: a TLS error was retried", took)
			}
		})
	}
}

// TestCertsDirPairs checks Docker's rules: every .cert needs its .key and
// the reverse; a .crt must hold a certificate.
func TestCertsDirPairs(t *testing.T) {
	reg := testregistry.Start(t, testregistry.WithClientCA())
	tests := []struct {
		name    string
		files   map[string][]byte
		wantErr string
		certs   int
	}{
		{"pair", map[string][]byte{"client.cert": reg.ClientCertPEM, "client.key": reg.ClientKeyPEM, "ca.crt": reg.CAPEM}, "", 1},
		{"cert without key", map[string][]byte{"client.cert": reg.ClientCertPEM}, "missing key client.key", 0},
		{"key without cert", map[string][]byte{"client.key": reg.ClientKeyPEM}, "missing client certificate client.cert", 0},
		{"garbage CA", map[string][]byte{"ca.crt": []byte("nope")}, "no PEM certificate", 0},
		{"unrelated files ignored", map[string][]byte{"README": []byte("hi")}, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "example.com:5000")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for f, b := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			cfg, err := tlsConfig("example.com:5000", []string{root}, false)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(cfg.Certificates) != tt.certs || cfg.MinVersion != tls.VersionTLS12 {
				t.Errorf("%d client certificates, want %d", len(cfg.Certificates), tt.certs)
			}
		})
	}
}

// TestDefaultCertsDirs follows DOCKER_CONFIG.
func TestDefaultCertsDirs(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", "/x/docker")
	got := defaultCertsDirs()
	if len(got) != 2 || got[0] != "/etc/docker/certs.d" || got[1] != "/x/docker/certs.d" {
		t.Errorf("defaultCertsDirs() = %q", got)
	}
}
