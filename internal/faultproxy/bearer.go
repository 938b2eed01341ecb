package faultproxy

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// TokenPath is where [BearerAuth] serves tokens, on the proxy's own host.
const TokenPath = "/token"

// BearerAuth puts Docker token auth in front of a registry that has none,
// as Docker Hub, GHCR or ECR answer: a request without a token covering its
// repository and action gets 401 with a Bearer challenge naming the scope;
// GET TokenPath with Basic User:Pass issues an opaque token for exactly the
// scopes asked; the request then goes to the registry without its
// Authorization header. It is an honest stand-in for the ping and token round
// trips of a real registry (with [Latency] each costs one delay), not a
// security boundary: tokens never expire.
//
// Use [NewBearerAuth]; the zero value refuses every token request.
type BearerAuth struct {
	user, pass string
	mu         sync.Mutex
	tokens     map[string]map[string]bool // token → "repository:NAME:ACTION" granted
}

// NewBearerAuth issues tokens for Basic credentials user:pass.
func NewBearerAuth(user, pass string) *BearerAuth {
	return &BearerAuth{user: user, pass: pass, tokens: map[string]map[string]bool{}}
}

// Middleware serves TokenPath and guards every other request.
func (b *BearerAuth) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if Token(r) {
			b.serveToken(w, r)
			return
		}
		need := needs(r)
		tok, hasTok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		known, covered := b.check(tok, need)
		if !hasTok || !covered {
			b.challenge(w, r, need, known)
			return
		}
		r.Header.Del("Authorization")
		next.ServeHTTP(w, r)
	})
}

// needs lists the grants r needs, "repository:NAME:ACTION", as distribution's
// token auth demands them: GET/HEAD pull, DELETE delete, other methods pull
// and push, and a cross-repository mount pull on its source. A ping needs
// only a valid token.
func needs(r *http.Request) []string {
	rt := parse(r.URL.Path)
	if rt.repo == "" {
		return nil
	}
	res := "repository:" + rt.repo + ":"
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		return []string{res + "pull"}
	case http.MethodDelete:
		return []string{res + "delete"}
	}
	need := []string{res + "pull", res + "push"}
	if from := r.URL.Query().Get("from"); from != "" && r.URL.Query().Get("mount") != "" {
		need = append(need, "repository:"+from+":pull")
	}
	return need
}

// check reports whether tok was issued here and whether it grants all of need.
func (b *BearerAuth) check(tok string, need []string) (known, covered bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	granted, known := b.tokens[tok]
	if !known {
		return false, false
	}
	for _, n := range need {
		if !granted[n] {
			return true, false
		}
	}
	return true, true
}

// challenge answers 401 with the scope the request needs, grouped per
// repository as "repository:NAME:pull,push".
func (b *BearerAuth) challenge(w http.ResponseWriter, r *http.Request, need []string, known bool) {
	h := fmt.Sprintf(`Bearer realm="http://%s%s",service="faultproxy"`, r.Host, TokenPath)
	var scopes []string
	for _, n := range need {
		i := strings.LastIndex(n, ":")
		if k := len(scopes) - 1; k >= 0 && strings.HasPrefix(scopes[k], n[:i+1]) {
			scopes[k] += "," + n[i+1:]
			continue
		}
		scopes = append(scopes, n)
	}
	if len(scopes) > 0 {
		h += fmt.Sprintf(`,scope="%s"`, strings.Join(scopes, " "))
	}
	if known {
		h += `,error="insufficient_scope"`
	}
	w.Header().Set("WWW-Authenticate", h)
	Error(http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")(w, r, nil)
}

// serveToken answers GET TokenPath?service=…&scope=… for the right Basic
// credentials; any other method gets 404, so clients fall back from the
// OAuth2 POST flow to GET as they do with Docker Hub's token server.
func (b *BearerAuth) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	u, p, ok := r.BasicAuth()
	if !ok || b.user == "" || subtle.ConstantTimeCompare([]byte(u+":"+p), []byte(b.user+":"+b.pass)) != 1 {
		w.Header().Set("WWW-Authenticate", `Basic realm="faultproxy"`)
		Error(http.StatusUnauthorized, "UNAUTHORIZED", "incorrect username or password")(w, r, nil)
		return
	}
	granted := map[string]bool{}
	for _, v := range r.URL.Query()["scope"] {
		for _, sc := range strings.Fields(v) {
			i := strings.LastIndex(sc, ":")
			if i <= 0 {
				continue
			}
			for _, act := range strings.Split(sc[i+1:], ",") {
				granted[sc[:i+1]+act] = true
			}
		}
	}
	buf := make([]byte, 16)
	_, _ = rand.Read(buf)
	tok := hex.EncodeToString(buf)
	b.mu.Lock()
	if b.tokens == nil {
		b.tokens = map[string]map[string]bool{}
	}
	b.tokens[tok] = granted
	b.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"token": tok, "access_token": tok, "expires_in": 3600})
}
