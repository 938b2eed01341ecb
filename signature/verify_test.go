package signature

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestVerifyZarfSignedFixture: what Zarf signed, docker-zarf verifies.
func TestVerifyZarfSignedFixture(t *testing.T) {
	res, err := Verify(signedFixture(t), fixtureKey(t))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if res.Legacy {
		t.Error("a bundle signature was reported as legacy")
	}
}

// TestVerifyRefuses covers every way a signed package must be refused, with
// the wording Zarf uses.
func TestVerifyRefuses(t *testing.T) {
	fx := signedFixture(t)
	cases := []struct {
		name string
		pkg  func(Package) Package
		key  *PublicKey
		want []string // substrings of the error
	}{
		{"wrong key", keep, loadPub(t, "zarf-test-cosign.pub"), []string{"invalid signature"}},
		{"zarf.yaml changed", func(p Package) Package {
			p.ZarfYAML = bytes.Replace(p.ZarfYAML, []byte("version: 0.2.0"), []byte("version: 0.2.1"), 1)
			return p
		}, fixtureKey(t), []string{"invalid signature"}},
		{"zarf.yaml gained a byte", func(p Package) Package {
			p.ZarfYAML = append(bytes.Clone(p.ZarfYAML), '\n')
			return p
		}, fixtureKey(t), []string{"invalid signature"}},
		{"signature changed", func(p Package) Package {
			p.Bundle = editBundle(t, p.Bundle, func(ms map[string]any) { ms["signature"] = flipLast(t, ms["signature"].(string)) })
			return p
		}, fixtureKey(t), []string{"failed to verify signature"}},
		{"digest changed", func(p Package) Package {
			p.Bundle = editBundle(t, p.Bundle, func(ms map[string]any) {
				d := ms["messageDigest"].(map[string]any)
				d["digest"] = flipLast(t, d["digest"].(string))
			})
			return p
		}, fixtureKey(t), []string{"artifact digest does not match message digest"}},
		{"bundle not JSON", func(p Package) Package { p.Bundle = []byte("MEUCIQ…"); return p }, fixtureKey(t),
			[]string{"error checking bundle signature: loading bundle:"}},
		{"signed but no signature file", func(p Package) Package { p.Bundle = nil; return p }, fixtureKey(t),
			[]string{"signature not found: neither bundle nor legacy signature exists"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Verify(c.pkg(fx), c.key)
			if err == nil {
				t.Fatal("verified")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if errors.Is(err, ErrNoVerificationMaterial) {
				t.Errorf("error %q would be tolerated by --verify=if-possible", err)
			}
		})
	}
}

// TestVerifyNothingToVerify: the outcomes that mean "no verification
// material", and the one that looks alike but is always fatal.
func TestVerifyNothingToVerify(t *testing.T) {
	unsigned := Package{ZarfYAML: readTestdata(t, "unsigned-zarf.yaml")}
	cases := []struct {
		name     string
		pkg      Package
		key      *PublicKey
		want     string
		tolerate bool
	}{
		{"unsigned, no key", unsigned, nil, "package is not signed - verification cannot be performed: no verification material available", true},
		{"unsigned, key", unsigned, fixtureKey(t), "verification material was provided but the package is not signed", false},
		{"signed, no key", signedFixture(t), nil, "package was signed with a key; provide --key to verify: no verification material available", true},
		{"signed legacy, no key", legacyPackage(t, zarfTestKey(t)), nil, "package is signed but no verification material was provided (--key): no verification material available", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Verify(c.pkg, c.key)
			if err == nil || err.Error() != c.want {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if errors.Is(err, ErrNoVerificationMaterial) != c.tolerate {
				t.Errorf("errors.Is(ErrNoVerificationMaterial) = %v", !c.tolerate)
			}
		})
	}
	if _, err := Verify(unsigned, fixtureKey(t)); !errors.Is(err, ErrNotSigned) {
		t.Errorf("unsigned with key: %v is not ErrNotSigned", err)
	}
}

// legacyPackage is a package signed the pre-v0.71 way: zarf.yaml without
// build.signed and a zarf.yaml.sig holding the base64 signature that cosign
// sign-blob prints.
func legacyPackage(t testing.TB, key *PrivateKey) Package {
	t.Helper()
	y := bytes.Replace(readTestdata(t, "unsigned-zarf.yaml"), []byte("  signed: false\n"), nil, 1)
	sig, err := key.sv.SignMessage(bytes.NewReader(y))
	if err != nil {
		t.Fatal(err)
	}
	return Package{ZarfYAML: y, Legacy: []byte(base64.StdEncoding.EncodeToString(sig))}
}

// TestVerifyZarfLegacySignature: a zarf.yaml.sig that Zarf's own code wrote
// (cosign sign-blob without a bundle) verifies, and only with its key.
func TestVerifyZarfLegacySignature(t *testing.T) {
	p := Package{ZarfYAML: readTestdata(t, "legacy-zarf.yaml"), Legacy: readTestdata(t, "legacy-zarf.yaml.sig")}
	res, err := Verify(p, loadPub(t, "zarf-test-cosign.pub"))
	if err != nil || !res.Legacy {
		t.Fatalf("Verify = %+v, %v", res, err)
	}
	if _, err := Verify(p, fixtureKey(t)); err == nil || !strings.Contains(err.Error(), "invalid signature") {
		t.Errorf("wrong key: %v", err)
	}
}

func TestVerifyLegacy(t *testing.T) {
	key := zarfTestKey(t)
	p := legacyPackage(t, key)
	pub := loadPub(t, "zarf-test-cosign.pub")
	res, err := Verify(p, pub)
	if err != nil || !res.Legacy {
		t.Fatalf("Verify = %+v, %v; want legacy, nil", res, err)
	}
	raw, _ := base64.StdEncoding.DecodeString(string(p.Legacy))
	if _, err := Verify(Package{ZarfYAML: p.ZarfYAML, Legacy: raw}, pub); err != nil {
		t.Errorf("a raw (not base64) signature, which cosign accepts: %v", err)
	}
	if _, err := Verify(p, fixtureKey(t)); err == nil || !strings.Contains(err.Error(), "invalid signature") {
		t.Errorf("wrong key: %v", err)
	}
	changed := p
	changed.ZarfYAML = bytes.Replace(p.ZarfYAML, []byte("0.2.0"), []byte("0.2.1"), 1)
	if _, err := Verify(changed, pub); err == nil {
		t.Error("a changed zarf.yaml verified against the legacy signature")
	}
	// A bundle that is present wins over the legacy signature, as in Zarf.
	withBundle := signedFixture(t)
	withBundle.Legacy = p.Legacy
	if res, err := Verify(withBundle, fixtureKey(t)); err != nil || res.Legacy {
		t.Errorf("bundle and legacy: %+v, %v", res, err)
	}
}

func TestIsSigned(t *testing.T) {
	unsigned := readTestdata(t, "unsigned-zarf.yaml")
	noField := bytes.Replace(unsigned, []byte("  signed: false\n"), nil, 1)
	cases := []struct {
		name string
		pkg  Package
		want bool
	}{
		{"signed: true", signedFixture(t), true},
		{"signed: false", Package{ZarfYAML: unsigned}, false},
		{"signed: false beats a legacy file", Package{ZarfYAML: unsigned, Legacy: []byte("x")}, false},
		{"no field, legacy file", Package{ZarfYAML: noField, Legacy: []byte("x")}, true},
		{"no field, bundle only", Package{ZarfYAML: noField, Bundle: []byte("{}")}, false},
		{"no field, nothing", Package{ZarfYAML: noField}, false},
	}
	for _, c := range cases {
		got, err := IsSigned(c.pkg)
		if err != nil || got != c.want {
			t.Errorf("%s: IsSigned = %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	if _, err := IsSigned(Package{ZarfYAML: []byte("kind: [")}); err == nil {
		t.Error("broken zarf.yaml: no error")
	}
}

// TestFixtureBundleShape pins what Zarf's bundle holds: a v0.3 bundle with a
// messageSignature (no DSSE, no tlog, no certificate) whose digest is the
// sha256 of zarf.yaml, and cosign's hint of the key.
func TestFixtureBundleShape(t *testing.T) {
	fx := signedFixture(t)
	var b struct {
		MediaType            string
		VerificationMaterial struct{ PublicKey struct{ Hint string } }
		MessageSignature     struct {
			MessageDigest struct{ Algorithm, Digest string }
		}
	}
	if err := json.Unmarshal(fx.Bundle, &b); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(fx.ZarfYAML)
	pub, err := LoadPublicKey(readTestdata(t, "cosign.pub"))
	if err != nil {
		t.Fatal(err)
	}
	pk, err := pub.v.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	hint, err := keyHint(pk)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{b.MediaType, b.MessageSignature.MessageDigest.Algorithm, b.MessageSignature.MessageDigest.Digest, b.VerificationMaterial.PublicKey.Hint}
	want := []string{BundleMediaType, "SHA2_256", base64.StdEncoding.EncodeToString(sum[:]), hint}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("got %q, want %q", got[i], want[i])
		}
	}
	if paths := jsonPaths(t, fx.Bundle); strings.Join(paths, " ") != strings.Join(wantBundlePaths, " ") {
		t.Errorf("fixture bundle fields %v, want %v", paths, wantBundlePaths)
	}
}

func keep(p Package) Package { return p }

// editBundle rewrites the messageSignature of a bundle's JSON.
func editBundle(t testing.TB, b []byte, edit func(map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	edit(m["messageSignature"].(map[string]any))
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// flipLast changes the last byte of a base64 value.
func flipLast(t testing.TB, s string) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)-1] ^= 1
	return base64.StdEncoding.EncodeToString(raw)
}
