package plugin

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

const (
	secretUser = "secret-user"
	secretPass = "pa55-w0rd-never-printed"
)

// tokenTap records every token the token server hands out, so the test can
// look for them in what the commands printed.
type tokenTap struct {
	mu     sync.Mutex
	tokens []string
}

func (tt *tokenTap) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/token" {
			next.ServeHTTP(w, r)
			return
		}
		rec := &bodyTee{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		var body struct {
			Token       string `json:"token"`
			AccessToken string `json:"access_token"`
		}
		if json.Unmarshal(rec.buf.Bytes(), &body) == nil {
			tt.mu.Lock()
			tt.tokens = append(tt.tokens, body.Token, body.AccessToken)
			tt.mu.Unlock()
		}
	})
}

func (tt *tokenTap) issued() []string {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	var out []string
	for _, tok := range tt.tokens {
		if tok != "" {
			out = append(out, tok)
		}
	}
	return out
}

// bodyTee copies a response body as it is written.
type bodyTee struct {
	http.ResponseWriter
	buf bytes.Buffer
}

func (b *bodyTee) Write(p []byte) (int, error) {
	b.buf.Write(p)
	return b.ResponseWriter.Write(p)
}

// credentialRE finds the value of an Authorization header in the trace.
var credentialRE = regexp.MustCompile(`(?im)^\s*(?:proxy-)?authorization:\s*(.*?)\s*$`)

// leaks lists every secret found in out.
func leaks(out string, tokens []string) []string {
	secrets := append([]string{secretPass, base64.StdEncoding.EncodeToString([]byte(secretUser + ":" + secretPass))}, tokens...)
	var found []string
	for _, s := range secrets {
		if strings.Contains(out, s) {
			found = append(found, s)
		}
	}
	for _, m := range credentialRE.FindAllStringSubmatch(out, -1) {
		if v := strings.TrimPrefix(strings.TrimPrefix(m[1], "Bearer "), "Basic "); v != "REDACTED" {
			found = append(found, m[0])
		}
	}
	return found
}

// TestDebugNeverPrintsSecrets runs every command with debug on against a
// token-authenticated and a basic-authenticated registry and searches all
// output for the password, the base64 credentials and every issued token.
func TestDebugNeverPrintsSecrets(t *testing.T) {
	src := faultPackage(t, 21)
	for _, auth := range []string{"bearer", "basic"} {
		t.Run(auth, func(t *testing.T) {
			tap := &tokenTap{}
			opt := testregistry.WithBasicAuth(secretUser, secretPass)
			if auth == "bearer" {
				opt = testregistry.WithBearerAuth(secretUser, secretPass, 0)
			}
			reg := testregistry.Start(t, testregistry.WithHandler(tap.wrap), opt)
			cfg := authConfigFor(t, reg.Host, secretUser, secretPass)
			// docker -D exports DEBUG=1 to the plugin (cli/debug.Enable).
			t.Setenv("DEBUG", "1")
			ref := "oci://" + reg.Host + "/ns/" + faultPkgName + ":0.0.1"
			runs := [][]string{
				{"publish", src, "oci://" + reg.Host + "/ns", "--plain-http"},
				{"pull", ref, "--plain-http", "-a", "amd64", "-o", t.TempDir(), "--no-cache"},
				{"inspect", ref, "--plain-http", "-a", "amd64"},
				{"ls", "oci://" + reg.Host + "/ns/" + faultPkgName, "--plain-http"},
				{"publish", ref, "oci://" + reg.Host + "/copy", "--plain-http", "-a", "amd64"},
			}
			for _, args := range runs {
				r := mustSucceed(t, runCLI(t, cfg, args...))
				out := r.stdout + r.stderr
				if !strings.Contains(out, "Authorization: ") {
					t.Fatalf("%s printed no debug trace with credentials to check:\n%s", args[0], out)
				}
				if found := leaks(out, tap.issued()); len(found) > 0 {
					t.Fatalf("%s leaked %q", args[0], found)
				}
			}
			if auth == "bearer" && len(tap.issued()) == 0 {
				t.Fatal("no token was issued; the bearer check proved nothing")
			}
		})
	}
}

// TestDebugFlagOfTheBinary runs the real binary with docker's global -D.
func TestDebugFlagOfTheBinary(t *testing.T) {
	tap := &tokenTap{}
	reg := testregistry.Start(t, testregistry.WithHandler(tap.wrap), testregistry.WithBearerAuth(secretUser, secretPass, 0))
	cfg := authConfigFor(t, reg.Host, secretUser, secretPass)
	r := runBinaryWith(t, cfg, "-D", "publish", faultPackage(t, 22), "oci://"+reg.Host+"/ns", "--plain-http")
	if r.code != 0 {
		t.Fatalf("publish -D: exit %d: %s", r.code, r.stderr)
	}
	out := r.stdout + r.stderr
	if !strings.Contains(out, "Authorization: ") || len(tap.issued()) == 0 {
		t.Fatalf("-D printed no trace with credentials, or no token was issued:\n%s", out)
	}
	if found := leaks(out, tap.issued()); len(found) > 0 {
		t.Fatalf("-D leaked %q", found)
	}
}
