package plugin

import (
	"path/filepath"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

// TestTLSTrust: HTTPS is verified by default; a registry with a private CA
// is trusted once its CA is in $DOCKER_CONFIG/certs.d/HOST/ca.crt, as the
// Docker engine does; --insecure-skip-tls-verify works only when asked; and
// an untrusted certificate says how to fix it.
func TestTLSTrust(t *testing.T) {
	reg := testregistry.Start(t, testregistry.WithTLS())
	target := "oci://" + reg.Host + "/tls"

	untrusted := emptyConfig(t)
	mustFail(t, runCLI(t, untrusted, "publish", flavored, target),
		"is not trusted (x509: certificate signed by unknown authority): put its CA in ~/.docker/certs.d/"+reg.Host+"/ca.crt")
	mustSucceed(t, runCLI(t, untrusted, "publish", flavored, target, "--insecure-skip-tls-verify", "-q"))

	trusted := emptyConfig(t)
	if _, err := reg.WriteCertsDir(filepath.Join(trusted, "certs.d")); err != nil {
		t.Fatal(err)
	}
	mustSucceed(t, runCLI(t, trusted, "publish", demoAmd64, target, "-q"))
	mustSucceed(t, runCLI(t, trusted, "inspect", "oci://"+reg.Host+"/tls/demo:1.0.0", "-a", "amd64"))
}

// TestMutualTLS: a registry that requires a client certificate accepts the
// client.cert/client.key pair from certs.d.
func TestMutualTLS(t *testing.T) {
	reg := testregistry.Start(t, testregistry.WithClientCA())
	cfg := emptyConfig(t)
	r := runCLI(t, cfg, "publish", flavored, "oci://"+reg.Host+"/mtls", "--insecure-skip-tls-verify")
	if r.err == nil {
		t.Fatal("publish without a client certificate succeeded")
	}
	if _, err := reg.WriteCertsDir(filepath.Join(cfg, "certs.d")); err != nil {
		t.Fatal(err)
	}
	mustSucceed(t, runCLI(t, cfg, "publish", flavored, "oci://"+reg.Host+"/mtls", "-q"))
}
