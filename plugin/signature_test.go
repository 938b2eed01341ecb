package plugin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/signature"
)

var (
	signedPkg = filepath.Join(fixtures, "packages", "signed", "zarf-package-flavored-amd64-0.2.0-upstream.tar")
	signedKey = filepath.Join(fixtures, "packages", "signed", "cosign.pub")
)

// otherKey writes a cosign public key that did not sign anything here.
func otherKey(t *testing.T) string {
	t.Helper()
	_, pub, err := signature.GenerateKeyPair([]byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "other.pub")
	if err := os.WriteFile(p, pub, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPullVerifiesSignaturesAsZarf pins issue 10's table: Zarf v0.84's
// outcome for the signed fixture with no key, the right key and a wrong
// key, and for an unsigned package given a key; --verify=never skips.
func TestPullVerifiesSignaturesAsZarf(t *testing.T) {
	reg := testregistry.Start(t)
	cfg := emptyConfig(t)
	mustSucceed(t, runCLI(t, cfg, "publish", signedPkg, "oci://"+reg.Host+"/signed", "-q"))
	mustSucceed(t, runCLI(t, cfg, "publish", demoAmd64, "oci://"+reg.Host+"/plain", "-q"))
	signed := "oci://" + reg.Host + "/signed/flavored:0.2.0-upstream"
	unsigned := "oci://" + reg.Host + "/plain/demo:1.0.0"
	pull := func(ref string, extra ...string) cliResult {
		return runCLI(t, cfg, append([]string{"pull", ref, "-a", "amd64", "-o", t.TempDir()}, extra...)...)
	}
	if r := mustSucceed(t, pull(signed)); !strings.Contains(r.stderr, "WARNING: package signature not verified; continuing") || !strings.Contains(r.stderr, "--key") {
		t.Errorf("no key: stderr %q", r.stderr)
	}
	if r := mustSucceed(t, pull(signed, "--key", signedKey)); !strings.Contains(r.stderr, "Verified OK") {
		t.Errorf("right key: stderr %q", r.stderr)
	}
	mustFail(t, pull(signed, "--key", otherKey(t)), "signature verification failed")
	mustFail(t, pull(unsigned, "--key", signedKey), "verification material was provided but the package is not signed")
	mustFail(t, pull(unsigned, "--verify=always"), "signature verification failed")
	if r := mustSucceed(t, pull(signed, "--verify=never")); strings.Contains(r.stderr, "signature") {
		t.Errorf("--verify=never: stderr %q", r.stderr)
	}
	t.Run("inspect", func(t *testing.T) {
		mustFail(t, runCLI(t, cfg, "inspect", signed, "-a", "amd64", "--key", otherKey(t)), "signature verification failed")
		mustFail(t, runCLI(t, cfg, "inspect", signedPkg, "--key", otherKey(t)), "signature verification failed")
		r := mustSucceed(t, runCLI(t, cfg, "inspect", signedPkg, "--key", signedKey))
		if !strings.Contains(r.stderr, "Verified OK") {
			t.Errorf("inspect of the file: stderr %q", r.stderr)
		}
	})
}

// TestVerifyCommand: docker zarf verify checks the signature and the
// checksums of a package on disk or in a registry, and refuses tampering.
func TestVerifyCommand(t *testing.T) {
	reg := testregistry.Start(t)
	cfg := emptyConfig(t)
	mustSucceed(t, runCLI(t, cfg, "publish", signedPkg, "oci://"+reg.Host+"/signed", "-q"))
	signed := "oci://" + reg.Host + "/signed/flavored:0.2.0-upstream"
	for _, src := range []string{signedPkg, signed} {
		r := mustSucceed(t, runCLI(t, cfg, "verify", src, "-a", "amd64", "--key", signedKey))
		if !strings.HasPrefix(r.stdout, "Verified OK\n") {
			t.Errorf("verify %s printed %q", src, r.stdout)
		}
		mustFail(t, runCLI(t, cfg, "verify", src, "-a", "amd64", "--key", otherKey(t)), "signature verification failed")
	}
	mustFail(t, runCLI(t, cfg, "verify", signedPkg), "verify needs --key")
	mustFail(t, runCLI(t, cfg, "verify", demoAmd64, "--key", signedKey), "not signed")

	// A changed zarf.yaml: the package's own checksums still pass (zarf.yaml
	// is outside them), the signature does not.
	dir := t.TempDir()
	unpackFixture(t, signedPkg, dir)
	yaml := filepath.Join(dir, "zarf.yaml")
	b, err := os.ReadFile(yaml)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(yaml, []byte(strings.Replace(string(b), "flavored", "flav0red", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	mustFail(t, runCLI(t, cfg, "verify", dir, "--key", signedKey), "signature verification failed")
	// A changed component under a valid signature: the checksum fails.
	unpackFixture(t, signedPkg, dir) // restores zarf.yaml
	comps, _ := filepath.Glob(filepath.Join(dir, "components", "*.tar"))
	if len(comps) == 0 {
		t.Fatal("no component in the fixture")
	}
	if err := os.WriteFile(comps[0], []byte("tampered"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustFail(t, runCLI(t, cfg, "verify", dir, "--key", signedKey), "checksum")
}

// TestPublishSigns: publish --signing-key signs an unsigned package, and
// re-signs a signed one, as it goes up; what it signed verifies with the
// new key only, and the package file is left as it was.
func TestPublishSigns(t *testing.T) {
	reg := testregistry.Start(t)
	cfg := emptyConfig(t)
	priv, pub, err := signature.GenerateKeyPair([]byte("s3cret-pass"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keyFile, pubFile := filepath.Join(dir, "cosign.key"), filepath.Join(dir, "cosign.pub")
	if err := os.WriteFile(keyFile, priv, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pubFile, pub, 0o644); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(signedPkg)
	if err != nil {
		t.Fatal(err)
	}
	mustFail(t, runCLI(t, cfg, "publish", demoAmd64, "oci://"+reg.Host+"/x", "--signing-key", keyFile, "--signing-key-pass", "wrong"), "--signing-key")
	for _, tc := range []struct{ name, pkg, ref string }{
		{"unsigned", demoAmd64, "/s1/demo:1.0.0"},
		{"re-signed", signedPkg, "/s2/flavored:0.2.0-upstream"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := "oci://" + reg.Host + strings.SplitN(tc.ref, "/", 3)[0] + "/" + strings.SplitN(tc.ref, "/", 3)[1]
			r := runCLI(t, cfg, "publish", tc.pkg, ns, "--signing-key", keyFile, "--signing-key-pass", "s3cret-pass")
			mustSucceed(t, r)
			if strings.Contains(r.stdout+r.stderr, "s3cret-pass") {
				t.Fatal("the key's password was printed")
			}
			ref := "oci://" + reg.Host + tc.ref
			mustSucceed(t, runCLI(t, cfg, "verify", ref, "-a", "amd64", "--key", pubFile))
			if p := mustSucceed(t, runCLI(t, cfg, "pull", ref, "-a", "amd64", "-o", t.TempDir(), "--key", pubFile)); !strings.Contains(p.stderr, "Verified OK") {
				t.Errorf("pull --key: stderr %q", p.stderr)
			}
			mustFail(t, runCLI(t, cfg, "verify", ref, "-a", "amd64", "--key", signedKey), "signature verification failed")
		})
	}
	after, err := os.ReadFile(signedPkg)
	if err != nil || string(after) != string(before) {
		t.Fatal("publish --signing-key changed the package file")
	}
}
