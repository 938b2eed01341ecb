package registry

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

const (
	testUser = "alice"
	testPass = "pa55-w0rd-sekrit"
)

// TestAuth pushes and pulls with basic and bearer auth, and checks the
// structured error of bad or missing credentials.
func TestAuth(t *testing.T) {
	for _, mode := range []struct {
		name string
		opt  testregistry.Option
	}{
		{"basic", testregistry.WithBasicAuth(testUser, testPass)},
		{"bearer", testregistry.WithBearerAuth(testUser, testPass, 0)},
	} {
		reg := testregistry.Start(t, mode.opt)
		t.Run(mode.name+" good credentials", func(t *testing.T) {
			c := newTestClient(Options{Keychain: keychain{testUser, testPass}, ChunkSize: 40 << 10})
			repo := mustRepo(t, reg, "auth/ok")
			b := newBlob(t, 100<<10)
			if err := c.PushBlob(testCtx(t), repo, b.desc, b.stream(), nil); err != nil {
				t.Fatalf("PushBlob: %v", err)
			}
			if got := fetchBytes(t, c, repo, b.desc); !bytes.Equal(got, b.data) {
				t.Fatal("fetched bytes differ")
			}
		})
		for _, kc := range []struct {
			name string
			kc   keychain
		}{{"wrong password", keychain{testUser, "nope"}}, {"anonymous", keychain{}}} {
			t.Run(mode.name+" "+kc.name, func(t *testing.T) {
				c := newTestClient(Options{Keychain: kc.kc})
				b := newBlob(t, 10)
				err := c.PushBlob(testCtx(t), mustRepo(t, reg, "auth/denied"), b.desc, b.stream(), nil)
				var e *Error
				if !errors.As(err, &e) || e.StatusCode != http.StatusUnauthorized || e.Host != reg.Host {
					t.Fatalf("error %v, want *Error with status 401", err)
				}
				if strings.Contains(err.Error(), testPass) {
					t.Error("error message shows the password")
				}
			})
		}
	}
}

// tokenRecorder records, in front of a bearer registry, every token request
// URL and every bearer token the client sent.
type tokenRecorder struct {
	mu     sync.Mutex
	scopes []string
	tokens map[string]bool
}

func (tr *tokenRecorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tr.mu.Lock()
		if r.URL.Path == "/token" {
			tr.scopes = append(tr.scopes, r.URL.Query()["scope"]...)
		}
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			tr.tokens[tok] = true
		}
		tr.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

// TestBearerScopesAndExpiry: a push asks for pull,push up front, and a
// chunked upload survives tokens expiring between chunks. The registry
// expires every token after each PATCH (no timing involved), so each next
// request meets a 401 and a refresh.
func TestBearerScopesAndExpiry(t *testing.T) {
	tr := &tokenRecorder{tokens: map[string]bool{}}
	p := faultproxy.New(1)
	reg := testregistry.Start(t, testregistry.WithHandler(tr.wrap), testregistry.WithHandler(p.Middleware),
		testregistry.WithBearerAuth(testUser, testPass, 0))
	c := newTestClient(Options{Keychain: keychain{testUser, testPass}, ChunkSize: 32 << 10})
	repo := mustRepo(t, reg, "auth/expiry")
	b := newBlob(t, 160<<10)
	p.Set(faultproxy.Scenario{Match: faultproxy.UploadPatch, Action: faultproxy.AfterResponse(func(*http.Request) { reg.ExpireTokens() })})
	if err := c.PushBlob(testCtx(t), repo, b.desc, b.stream(), nil); err != nil {
		t.Fatalf("PushBlob with expiring tokens: %v", err)
	}
	p.Clear()
	if got := fetchBytes(t, c, repo, b.desc); !bytes.Equal(got, b.data) {
		t.Fatal("fetched bytes differ")
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if len(tr.scopes) < 2 || tr.scopes[0] != "repository:auth/expiry:pull,push" {
		t.Errorf("token scopes %q; want the first to be repository:auth/expiry:pull,push", tr.scopes)
	}
	if len(tr.tokens) < 3 {
		t.Errorf("only %d tokens used: the expiry was not exercised", len(tr.tokens))
	}
}

// TestDebugRedaction runs a push and a pull with Debug on against a bearer
// registry and checks that neither the password nor any token is printed,
// while requests and responses are.
func TestDebugRedaction(t *testing.T) {
	tr := &tokenRecorder{tokens: map[string]bool{}}
	reg := testregistry.Start(t, testregistry.WithHandler(tr.wrap), testregistry.WithBearerAuth(testUser, testPass, 0))
	var out syncBuffer
	c := newTestClient(Options{Keychain: keychain{testUser, testPass}, Debug: &out, UserAgent: "docker-zarf/test"})
	repo := mustRepo(t, reg, "debug/redact")
	pushImage(t, c, repo, "1.0.0", newBlob(t, 1000))
	if _, _, err := c.Resolve(testCtx(t), repo.Tag("1.0.0")); err != nil {
		t.Fatal(err)
	}
	log := out.String()
	for _, want := range []string{"> [1] GET ", "/token?", "< [", " PUT ", "Authorization: REDACTED", "User-Agent: docker-zarf/test"} {
		if !strings.Contains(log, want) {
			t.Errorf("debug output lacks %q", want)
		}
	}
	if strings.Contains(log, testPass) {
		t.Error("debug output shows the password")
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if len(tr.tokens) == 0 {
		t.Fatal("no token recorded")
	}
	for tok := range tr.tokens {
		if strings.Contains(log, tok) {
			t.Errorf("debug output shows token %q", tok)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a trace.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
