package faultproxy_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// bearerSetup starts distribution (no auth of its own) behind a counter and
// BearerAuth for bob:pw; leaked counts how many requests reached the
// registry still carrying an Authorization header.
func bearerSetup(t *testing.T) (*testregistry.Registry, *faultproxy.Counter, *atomic.Int32) {
	t.Helper()
	var c faultproxy.Counter
	var leaked atomic.Int32
	reg := testregistry.Start(t,
		testregistry.WithHandler(c.Middleware),
		testregistry.WithHandler(faultproxy.NewBearerAuth("bob", "pw").Middleware),
		testregistry.WithHandler(func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") != "" {
					leaked.Add(1)
				}
				next.ServeHTTP(w, r)
			})
		}))
	return reg, &c, &leaked
}

// TestBearerAuthWithGGCR: a real client logs in through the challenge, the
// token request and a Bearer token, pushes and pulls; the registry never
// sees the Authorization header; an anonymous client is refused.
func TestBearerAuthWithGGCR(t *testing.T) {
	reg, c, leaked := bearerSetup(t)
	img, err := random.Image(1024, 2)
	if err != nil {
		t.Fatal(err)
	}
	r := ref(t, reg, "ns/app:1.0")
	auth := remote.WithAuth(&authn.Basic{Username: "bob", Password: "pw"})
	if err := remote.Write(r, img, auth, remote.WithContext(context.Background())); err != nil {
		t.Fatalf("push with credentials: %v", err)
	}
	if _, err := remote.Image(r, auth); err != nil {
		t.Fatalf("pull with credentials: %v", err)
	}
	got := c.Counts()
	if got[faultproxy.KindToken] < 1 || got[faultproxy.KindUnauthorized] < 1 || got[faultproxy.KindManifestPut] != 1 || got[faultproxy.KindBlobHead] < 3 {
		t.Fatalf("counts %v: want a challenge, a token, one manifest PUT and a HEAD per blob", got)
	}
	if leaked.Load() != 0 {
		t.Fatalf("%d requests reached the registry with their Authorization header", leaked.Load())
	}
	if _, err := remote.Image(r); err == nil || !strings.Contains(err.Error(), "UNAUTHORIZED") {
		t.Fatalf("anonymous pull: %v, want UNAUTHORIZED", err)
	}
}

// TestBearerAuthScopes: a token covers exactly the scopes it was issued
// for, and each challenge names the scope to ask for.
func TestBearerAuthScopes(t *testing.T) {
	reg, _, _ := bearerSetup(t)
	token := func(scope, user string) (int, string) {
		resp, body, err := do(t, reg, "GET", "/token?service=faultproxy&scope="+scope, nil, map[string]string{"Authorization": basic(user, "pw")})
		if err != nil {
			t.Fatal(err)
		}
		var tok struct{ Token string }
		_ = json.Unmarshal(body, &tok)
		return resp.StatusCode, tok.Token
	}
	if code, _ := token("repository:ns/app:pull", "eve"); code != http.StatusUnauthorized {
		t.Fatalf("token for wrong credentials: %d, want 401", code)
	}
	_, pull := token("repository:ns/app:pull", "bob")
	_, push := token("repository:ns/app:pull,push", "bob")
	for _, tt := range []struct {
		name, method, path, token string
		status                    int
		challenge                 string
	}{
		{"ping without token", "GET", "/v2/", "", 401, `Bearer realm="http://` + reg.Host + `/token",service="faultproxy"`},
		{"ping with any token", "GET", "/v2/", pull, 200, ""},
		{"no token", "HEAD", "/v2/ns/app/manifests/1.0", "", 401, `scope="repository:ns/app:pull"`},
		{"forged token", "HEAD", "/v2/ns/app/manifests/1.0", "forged", 401, `scope="repository:ns/app:pull"`},
		{"pull token reads", "GET", "/v2/ns/app/tags/list", pull, 404, ""},
		{"pull token cannot push", "POST", "/v2/ns/app/blobs/uploads/", pull, 401, `scope="repository:ns/app:pull,push",error="insufficient_scope"`},
		{"pull token, other repository", "GET", "/v2/ns/other/tags/list", pull, 401, `repository:ns/other:pull"`},
		{"push token uploads", "POST", "/v2/ns/app/blobs/uploads/", push, 202, ""},
		{"mount needs the source", "POST", "/v2/ns/app/blobs/uploads/?mount=sha256:aa&from=ns/src", push, 401, `scope="repository:ns/app:pull,push repository:ns/src:pull"`},
	} {
		hdr := map[string]string{}
		if tt.token != "" {
			hdr["Authorization"] = "Bearer " + tt.token
		}
		resp, _, err := do(t, reg, tt.method, tt.path, nil, hdr)
		if err != nil {
			t.Fatal(err)
		}
		ch := resp.Header.Get("WWW-Authenticate")
		if resp.StatusCode != tt.status || !strings.Contains(ch, tt.challenge) {
			t.Errorf("%s: %d %q, want %d containing %q", tt.name, resp.StatusCode, ch, tt.status, tt.challenge)
		}
	}
}

func basic(user, pass string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(user, pass)
	return req.Header.Get("Authorization")
}
