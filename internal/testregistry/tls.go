package testregistry

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// pki is the certificate material of one TLS registry.
type pki struct {
	caPEM                       []byte
	server                      tls.Certificate
	clientCAs                   *x509.CertPool // nil: no client certificate required
	clientCertPEM, clientKeyPEM []byte
}

// issuer is a CA able to sign leaves.
type issuer struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

// newPKI generates a server CA and leaf, and with mtls a client CA and leaf.
// ECDSA P-256 keeps generation to about a millisecond.
func newPKI(mtls bool) (*pki, error) {
	ca, err := newCA("testregistry CA")
	if err != nil {
		return nil, err
	}
	certPEM, keyPEM, err := ca.leaf("127.0.0.1", x509.ExtKeyUsageServerAuth)
	if err != nil {
		return nil, err
	}
	server, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("loading server key pair: %w", err)
	}
	p := &pki{caPEM: ca.pem, server: server}
	if !mtls {
		return p, nil
	}
	cca, err := newCA("testregistry client CA")
	if err != nil {
		return nil, err
	}
	if p.clientCertPEM, p.clientKeyPEM, err = cca.leaf("testregistry client", x509.ExtKeyUsageClientAuth); err != nil {
		return nil, err
	}
	p.clientCAs = x509.NewCertPool()
	p.clientCAs.AddCert(cca.cert)
	return p, nil
}

func (p *pki) serverConfig() *tls.Config {
	c := &tls.Config{Certificates: []tls.Certificate{p.server}, MinVersion: tls.VersionTLS12}
	if p.clientCAs != nil {
		c.ClientCAs = p.clientCAs
		c.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return c
}

func newCA(cn string) (*issuer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating CA key: %w", err)
	}
	tmpl := template(cn)
	tmpl.IsCA = true
	tmpl.BasicConstraintsValid = true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("creating CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parsing CA certificate: %w", err)
	}
	return &issuer{cert: cert, key: key, pem: pemBlock("CERTIFICATE", der)}, nil
}

// leaf signs a certificate for 127.0.0.1, ::1 and localhost with usage.
func (ca *issuer) leaf(cn string, usage x509.ExtKeyUsage) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generating leaf key: %w", err)
	}
	tmpl := template(cn)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{usage}
	tmpl.DNSNames = []string{"localhost"}
	tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, nil, fmt.Errorf("creating leaf certificate: %w", err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding leaf key: %w", err)
	}
	return pemBlock("CERTIFICATE", der), pemBlock("PRIVATE KEY", kder), nil
}

func template(cn string) *x509.Certificate {
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"docker-zarf tests"}},
		// Backdated so a skewed clock in CI does not make it "not yet valid".
		NotBefore: time.Now().Add(-time.Hour),
		NotAfter:  time.Now().Add(24 * time.Hour),
	}
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// WriteCertsDir writes a Docker certs.d tree for this registry under root:
// root/HOST:PORT/ca.crt, plus client.cert and client.key with WithClientCA.
// It returns the host directory. It is an error without WithTLS.
func (r *Registry) WriteCertsDir(root string) (string, error) {
	return r.writeCertsDirFor(root, r.Host)
}

// WriteCertsDirLocalhost is [Registry.WriteCertsDir] for "localhost:PORT",
// for tests that address the registry as localhost.
func (r *Registry) WriteCertsDirLocalhost(root string) (string, error) {
	_, port, _ := net.SplitHostPort(r.Host)
	return r.writeCertsDirFor(root, net.JoinHostPort("localhost", port))
}

func (r *Registry) writeCertsDirFor(root, host string) (string, error) {
	if r.CAPEM == nil {
		return "", fmt.Errorf("writing certs.d for %s: registry has no TLS", host)
	}
	dir := filepath.Join(root, host)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("writing certs.d for %s: %w", host, err)
	}
	files := map[string][]byte{"ca.crt": r.CAPEM}
	if r.ClientCertPEM != nil {
		files["client.cert"], files["client.key"] = r.ClientCertPEM, r.ClientKeyPEM
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return "", fmt.Errorf("writing certs.d for %s: %w", host, err)
		}
	}
	return dir, nil
}
