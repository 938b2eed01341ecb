package testregistry_test

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func TestTLS(t *testing.T) {
	for _, impl := range implementations {
		t.Run(impl.name, func(t *testing.T) {
			reg := impl.start(t, testregistry.WithTLS())
			if !strings.HasPrefix(reg.URL, "https://127.0.0.1:") || len(reg.CAPEM) == 0 {
				t.Fatalf("URL %q, CA %d bytes", reg.URL, len(reg.CAPEM))
			}
			if _, _, err := push(t, reg, "secure/app", remote.WithTransport(reg.Transport())); err != nil {
				t.Fatalf("push trusting the CA: %v", err)
			}
			if _, _, err := push(t, reg, "secure/app"); err == nil || !strings.Contains(err.Error(), "certificate") {
				t.Fatalf("push without the CA: %v, want a certificate error", err)
			}
			// localhost is in the certificate too.
			local := strings.Replace(reg.URL, "127.0.0.1", "localhost", 1)
			resp, err := reg.Client().Get(local + "/v2/")
			if err != nil {
				t.Fatalf("GET via localhost: %v", err)
			}
			resp.Body.Close()
		})
	}
}

func TestBearerOverTLS(t *testing.T) {
	reg := testregistry.Start(t, testregistry.WithTLS(), testregistry.WithBearerAuth("u", "p", 0))
	_, _, err := push(t, reg, "secure/app", remote.WithTransport(reg.Transport()),
		remote.WithAuth(&authn.Basic{Username: "u", Password: "p"}))
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	for _, l := range reg.Requests() {
		if l.Path == "/token" && l.Status == http.StatusOK {
			return
		}
	}
	t.Fatal("no token issued")
}

func TestClientCA(t *testing.T) {
	reg := testregistry.Start(t, testregistry.WithClientCA())
	if _, _, err := push(t, reg, "mtls/app", remote.WithTransport(reg.Transport())); err != nil {
		t.Fatalf("push with client certificate: %v", err)
	}
	noCert := reg.Transport()
	noCert.TLSClientConfig.Certificates = nil
	if _, err := (&http.Client{Transport: noCert}).Get(reg.URL + "/v2/"); err == nil {
		t.Fatal("GET without a client certificate succeeded")
	}
}

func TestWriteCertsDir(t *testing.T) {
	t.Run("plain registry", func(t *testing.T) {
		if _, err := testregistry.Start(t).WriteCertsDir(t.TempDir()); err == nil {
			t.Fatal("no error for a registry without TLS")
		}
	})
	t.Run("mtls", func(t *testing.T) {
		reg := testregistry.Start(t, testregistry.WithClientCA())
		root := t.TempDir()
		dir, err := reg.WriteCertsDir(root)
		if err != nil || dir != filepath.Join(root, reg.Host) {
			t.Fatalf("dir %q: %v", dir, err)
		}
		ca, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(ca) {
			t.Fatal("ca.crt is not PEM")
		}
		cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "client.cert"), filepath.Join(dir, "client.key"))
		if err != nil {
			t.Fatal(err)
		}
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}}}}
		resp, err := c.Get(reg.URL + "/v2/")
		if err != nil {
			t.Fatalf("GET with certs.d material: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if dir, err := reg.WriteCertsDirLocalhost(root); err != nil || !strings.HasPrefix(filepath.Base(dir), "localhost:") {
			t.Fatalf("localhost dir %q: %v", dir, err)
		}
	})
}
