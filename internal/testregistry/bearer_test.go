package testregistry_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

func TestBearerAuthWithGGCR(t *testing.T) {
	for _, impl := range implementations {
		t.Run(impl.name, func(t *testing.T) {
			reg := impl.start(t, testregistry.WithBearerAuth("bob", "pw", time.Minute))
			if _, _, err := push(t, reg, "ns/app", remote.WithAuth(authn.Anonymous)); statusOf(err) != http.StatusUnauthorized {
				t.Fatalf("anonymous push: %v, want 401", err)
			}
			if _, _, err := push(t, reg, "ns/app", remote.WithAuth(&authn.Basic{Username: "bob", Password: "bad"})); statusOf(err) != http.StatusUnauthorized {
				t.Fatalf("wrong password push: %v, want 401", err)
			}
			reg.Reset()
			_, ref, err := push(t, reg, "ns/app", remote.WithAuth(&authn.Basic{Username: "bob", Password: "pw"}))
			if err != nil {
				t.Fatalf("push: %v", err)
			}
			var tokens, bearer int
			for _, l := range reg.Requests() {
				if l.Path == "/token" && l.Status == http.StatusOK {
					tokens++
					if !strings.Contains(l.Query, "push") {
						t.Errorf("push token request without push scope: %s", l.Query)
					}
				}
				if l.AuthScheme == "Bearer" && l.Status < 400 {
					bearer++
				}
			}
			if tokens == 0 || bearer == 0 {
				t.Fatalf("tokens=%d bearer requests=%d: token flow not used", tokens, bearer)
			}
			if _, err := remote.Head(ref, remote.WithAuth(&authn.Basic{Username: "bob", Password: "pw"})); err != nil {
				t.Fatalf("head: %v", err)
			}
		})
	}
}

// fetchToken asks the token server directly for scope.
func fetchToken(t *testing.T, reg *testregistry.Registry, scope, user, pass string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, reg.URL+"/token?service=testregistry&scope="+scope, nil)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := reg.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Token     string `json:"token"`
		ExpiresIn int    `json:"expires_in"`
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Token == "" || body.ExpiresIn != 60 {
			t.Fatalf("token body %+v: %v", body, err)
		}
	}
	return resp.StatusCode, body.Token
}

func TestBearerScopes(t *testing.T) {
	reg := testregistry.Start(t, testregistry.WithBearerAuth("bob", "pw", 0))
	if _, _, err := push(t, reg, "ns/app", remote.WithAuth(&authn.Basic{Username: "bob", Password: "pw"})); err != nil {
		t.Fatal(err)
	}
	if code, _ := fetchToken(t, reg, "repository:ns/app:pull", "", ""); code != http.StatusUnauthorized {
		t.Fatalf("anonymous token request: %d, want 401", code)
	}
	_, pullTok := fetchToken(t, reg, "repository:ns/app:pull", "bob", "pw")
	_, pushTok := fetchToken(t, reg, "repository:ns/app:pull,push", "bob", "pw")
	tests := []struct {
		name, method, path, token string
		want                      int
		challenge                 string // substring of WWW-Authenticate
	}{
		{"no token", "GET", "/v2/ns/app/manifests/v1", "", 401, `scope="repository:ns/app:pull"`},
		{"unknown token", "GET", "/v2/ns/app/manifests/v1", "forged", 401, `error="invalid_token"`},
		{"pull token reads", "GET", "/v2/ns/app/manifests/v1", pullTok, 200, ""},
		{"pull token cannot push", "POST", "/v2/ns/app/blobs/uploads/", pullTok, 401, `scope="repository:ns/app:pull,push",error="insufficient_scope"`},
		{"pull token other repo", "GET", "/v2/ns/other/tags/list", pullTok, 401, `repository:ns/other:pull`},
		{"push token uploads", "POST", "/v2/ns/app/blobs/uploads/", pushTok, 202, ""},
		{"mount needs pull on source", "POST", "/v2/ns/app/blobs/uploads/?mount=sha256:00&from=ns/src", pushTok, 401, `repository:ns/src:pull`},
		{"ping with any token", "GET", "/v2/", pullTok, 200, ""},
		{"ping without token", "GET", "/v2/", "", 401, `realm="` + reg.URL + `/token",service="testregistry"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, reg.URL+tt.path, nil)
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			resp, err := reg.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
			}
			if got := resp.Header.Get("WWW-Authenticate"); !strings.Contains(got, tt.challenge) {
				t.Fatalf("challenge %q lacks %q", got, tt.challenge)
			}
		})
	}
}

// TestBearerExpiredTokenIsRefreshed: a token that expires between two
// requests of one transport is refreshed once. The expiry is triggered with
// ExpireTokens, not by sleeping past a short ttl: a 300 ms ttl used to run
// out inside go-containerregistry's own PATCH on a loaded machine.
func TestBearerExpiredTokenIsRefreshed(t *testing.T) {
	reg := testregistry.Start(t, testregistry.WithBearerAuth("bob", "pw", 0))
	auth := &authn.Basic{Username: "bob", Password: "pw"}
	_, ref, err := push(t, reg, "ns/app", remote.WithAuth(auth))
	if err != nil {
		t.Fatal(err)
	}
	// One ggcr bearer transport reused across the expiry, as a long push would.
	scope := ref.Context().Scope(transport.PullScope)
	tr, err := transport.NewWithContext(context.Background(), ref.Context().Registry, auth, http.DefaultTransport, []string{scope})
	if err != nil {
		t.Fatal(err)
	}
	get := func() {
		t.Helper()
		if _, err := remote.Get(ref, remote.WithTransport(tr)); err != nil {
			t.Fatalf("get: %v", err)
		}
	}
	get()
	reg.Reset()
	reg.ExpireTokens()
	get()
	var seq []string
	for _, l := range reg.Requests() {
		seq = append(seq, fmt.Sprintf("%s %s %d", l.Method, l.Path, l.Status))
	}
	want := []string{
		"GET /v2/ns/app/manifests/v1 401",
		"GET /token 200",
		"GET /v2/ns/app/manifests/v1 200",
	}
	if strings.Join(seq, "\n") != strings.Join(want, "\n") {
		t.Fatalf("requests after expiry:\n%s\nwant:\n%s", strings.Join(seq, "\n"), strings.Join(want, "\n"))
	}
}
