package signature

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"testing"
)

// wantBundlePaths are the JSON fields of the bundle Zarf wrote.
var wantBundlePaths = []string{
	"mediaType",
	"messageSignature.messageDigest.algorithm",
	"messageSignature.messageDigest.digest",
	"messageSignature.signature",
	"verificationMaterial.publicKey.hint",
}

// TestSignLikeZarf signs the unsigned fixture and compares with what Zarf
// made of it: the same zarf.yaml bytes, a bundle of the same shape, and the
// bundle verifies with the signing key's public half only.
func TestSignLikeZarf(t *testing.T) {
	key := zarfTestKey(t)
	s, err := Sign(readTestdata(t, "unsigned-zarf.yaml"), key)
	if err != nil {
		t.Fatal(err)
	}
	if want := readTestdata(t, "signed-zarf.yaml"); !bytes.Equal(s.ZarfYAML, want) {
		t.Errorf("zarf.yaml after signing:\n%s\nZarf wrote:\n%s", s.ZarfYAML, want)
	}
	if paths := jsonPaths(t, s.Bundle); strings.Join(paths, " ") != strings.Join(wantBundlePaths, " ") {
		t.Errorf("bundle fields %v, want %v", paths, wantBundlePaths)
	}
	var b struct {
		MediaType        string
		MessageSignature struct{ MessageDigest struct{ Algorithm string } }
	}
	if err := json.Unmarshal(s.Bundle, &b); err != nil {
		t.Fatal(err)
	}
	if b.MediaType != BundleMediaType || b.MessageSignature.MessageDigest.Algorithm != "SHA2_256" {
		t.Errorf("bundle %s", s.Bundle)
	}
	p := Package{ZarfYAML: s.ZarfYAML, Bundle: s.Bundle}
	if _, err := Verify(p, loadPub(t, "zarf-test-cosign.pub")); err != nil {
		t.Errorf("own signature: %v", err)
	}
	if _, err := Verify(p, fixtureKey(t)); err == nil || !strings.Contains(err.Error(), "invalid signature") {
		t.Errorf("other key: %v", err)
	}
}

// TestResignKeepsZarfYAML: re-signing a signed package changes only the
// bundle, and the old signature no longer matters.
func TestResignKeepsZarfYAML(t *testing.T) {
	fx := signedFixture(t)
	s, err := Sign(fx.ZarfYAML, zarfTestKey(t))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s.ZarfYAML, fx.ZarfYAML) {
		t.Errorf("re-signing changed zarf.yaml:\n%s", s.ZarfYAML)
	}
	if _, err := Verify(Package{ZarfYAML: s.ZarfYAML, Bundle: s.Bundle}, loadPub(t, "zarf-test-cosign.pub")); err != nil {
		t.Error(err)
	}
}

// TestGeneratedKeyRoundTrip: a key made by GenerateKeyPair loads with its
// password, not with another, and signs what its public key verifies.
func TestGeneratedKeyRoundTrip(t *testing.T) {
	priv, pubPEM, err := GenerateKeyPair([]byte("s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(priv, []byte("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n")) {
		t.Errorf("private key PEM:\n%s", priv)
	}
	if _, err := LoadPrivateKey(priv, []byte("wrong")); err == nil || !strings.Contains(err.Error(), "decrypt") {
		t.Errorf("wrong password: %v", err)
	}
	key, err := LoadPrivateKey(priv, []byte("s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := key.PublicKeyPEM(); err != nil || !bytes.Equal(got, pubPEM) {
		t.Errorf("PublicKeyPEM = %s, %v; want %s", got, err, pubPEM)
	}
	pub, err := LoadPublicKey(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Sign(readTestdata(t, "unsigned-zarf.yaml"), key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(Package{ZarfYAML: s.ZarfYAML, Bundle: s.Bundle}, pub); err != nil {
		t.Error(err)
	}
}

// TestLoadZarfCosignKey: the encrypted key that cosign generate-key-pair
// wrote for Zarf's tests decrypts, and its public half is the one cosign
// wrote beside it.
func TestLoadZarfCosignKey(t *testing.T) {
	key := zarfTestKey(t)
	got, err := key.PublicKeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	if want := readTestdata(t, "zarf-test-cosign.pub"); !bytes.Equal(got, want) {
		t.Errorf("public key\n%s\nwant\n%s", got, want)
	}
}

func TestLoadKeyErrors(t *testing.T) {
	if _, err := LoadPrivateKey([]byte("not pem"), nil); err == nil || err.Error() != "invalid pem block" {
		t.Errorf("not PEM: %v", err)
	}
	if _, err := LoadPrivateKey(readTestdata(t, "cosign.pub"), nil); err == nil || err.Error() != "unsupported pem type: PUBLIC KEY" {
		t.Errorf("public key as private: %v", err)
	}
	if _, err := LoadPublicKey([]byte("not pem")); err == nil {
		t.Error("LoadPublicKey(not pem): no error")
	}
}

// jsonPaths lists the leaf paths of a JSON object, sorted.
func jsonPaths(t testing.TB, b []byte) []string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(string, any)
	walk = func(prefix string, v any) {
		obj, ok := v.(map[string]any)
		if !ok {
			out = append(out, prefix)
			return
		}
		for k, c := range obj {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			walk(p, c)
		}
	}
	walk("", m)
	sort.Strings(out)
	return out
}
