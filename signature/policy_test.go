package signature

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestPolicyTable is issue 10's table (and Zarf's LoadFromDir) for each
// --verify mode: what a pull does with every kind of package and key.
func TestPolicyTable(t *testing.T) {
	signed := signedFixture(t)
	unsigned := Package{ZarfYAML: readTestdata(t, "unsigned-zarf.yaml")}
	tampered := signed
	tampered.ZarfYAML = bytes.Replace(signed.ZarfYAML, []byte("0.2.0"), []byte("6.6.6"), 1)
	right, wrong := fixtureKey(t), loadPub(t, "zarf-test-cosign.pub")

	const (
		ok   = "Verified OK"
		warn = "warn"
		fail = "fail"
		skip = "skip"
	)
	cases := []struct {
		pkg     string
		p       Package
		key     *PublicKey
		always  string
		ifPoss  string
		message string // in the warning or the error
	}{
		{"signed", signed, nil, fail, warn, "package was signed with a key; provide --key to verify"},
		{"signed", signed, right, ok, ok, ""},
		{"signed", signed, wrong, fail, fail, "signature verification failed: failed to verify signature: could not verify message: invalid signature"},
		{"tampered", tampered, right, fail, fail, "signature verification failed: failed to verify signature: could not verify message: invalid signature"},
		{"tampered", tampered, nil, fail, warn, "provide --key to verify"},
		{"unsigned", unsigned, nil, fail, warn, "package is not signed"},
		{"unsigned", unsigned, right, fail, fail, "signature verification failed: verification material was provided but the package is not signed"},
	}
	for _, c := range cases {
		name := c.pkg + ", no key"
		if c.key == right {
			name = c.pkg + ", right key"
		} else if c.key == wrong {
			name = c.pkg + ", wrong key"
		}
		t.Run(name, func(t *testing.T) {
			for _, pc := range []struct {
				p    Policy
				want string
			}{{Always, c.always}, {IfPossible, c.ifPoss}, {"", c.ifPoss}, {Never, skip}} {
				o := pc.p.Check(c.p, c.key)
				if got := kind(o); got != pc.want {
					t.Errorf("--verify=%s: %s (%+v), want %s", pc.p, got, o, pc.want)
					continue
				}
				text := o.WarningText()
				if o.Err != nil {
					text = o.Err.Error()
				}
				if pc.want == warn && !strings.HasPrefix(text, "package signature not verified; continuing: ") {
					t.Errorf("--verify=%s: warning %q", pc.p, text)
				}
				if pc.want == fail && !strings.HasPrefix(text, "signature verification failed: ") {
					t.Errorf("--verify=%s: error %q", pc.p, text)
				}
				if pc.want == warn || pc.want == fail && pc.p == IfPossible {
					if !strings.Contains(text, c.message) {
						t.Errorf("--verify=%s: %q does not say %q", pc.p, text, c.message)
					}
				}
			}
		})
	}
}

func kind(o Outcome) string {
	switch {
	case o.Err != nil:
		return "fail"
	case o.Warning != nil:
		return "warn"
	case o.Verified:
		return "Verified OK"
	}
	return "skip"
}

func TestPolicyLegacyOutcome(t *testing.T) {
	o := IfPossible.Check(legacyPackage(t, zarfTestKey(t)), loadPub(t, "zarf-test-cosign.pub"))
	if !o.Verified || !o.Legacy || o.Err != nil || o.Warning != nil {
		t.Errorf("legacy: %+v", o)
	}
	if o := IfPossible.Check(signedFixture(t), fixtureKey(t)); o.Legacy {
		t.Errorf("bundle reported as legacy: %+v", o)
	}
}

func TestPolicyDecideKeepsCause(t *testing.T) {
	o := Always.Decide(ErrNotSigned)
	if !errors.Is(o.Err, ErrNotSigned) || o.Err.Error() != "signature verification failed: verification material was provided but the package is not signed" {
		t.Errorf("Always.Decide(ErrNotSigned) = %+v", o)
	}
	o = Always.Decide(ErrSignatureNotFound)
	if !errors.Is(o.Err, ErrSignatureNotFound) {
		t.Errorf("Always.Decide(ErrSignatureNotFound) = %+v", o)
	}
}

func TestParsePolicy(t *testing.T) {
	cases := []struct {
		in   string
		want Policy
		err  bool
	}{
		{"always", Always, false},
		{"if-possible", IfPossible, false},
		{"never", Never, false},
		{"true", Always, false},
		{"false", IfPossible, false},
		{"", "", true},
		{"sometimes", "", true},
		{"Always", "", true},
	}
	for _, c := range cases {
		got, err := ParsePolicy(c.in)
		if got != c.want || (err != nil) != c.err {
			t.Errorf("ParsePolicy(%q) = %q, %v", c.in, got, err)
		}
	}
	_, err := ParsePolicy("sometimes")
	if want := `invalid --verify value "sometimes" (must be never, if-possible, or always)`; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
	p := DefaultPolicy
	if err := p.Set("never"); err != nil || p != Never || p.String() != "never" || p.Type() != "verifyMode" {
		t.Errorf("Set(never): %v, %q", err, p)
	}
	if err := p.Set("bogus"); err == nil || p != Never {
		t.Errorf("Set(bogus): %v, %q", err, p)
	}
}
