package testregistry

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// tokenPath is where the token server answers, on the registry's own host.
const tokenPath = "/token"

type bearerConfig struct {
	user, pass string
	ttl        time.Duration
}

// grant is what one issued token allows, until expires.
type grant struct {
	expires time.Time
	scopes  map[string][]string // "repository:ns/name" or "registry:catalog" → actions
}

// tokenServer implements the Docker token protocol with opaque random tokens.
type tokenServer struct {
	cfg    bearerConfig
	mu     sync.Mutex
	tokens map[string]grant
}

func newTokenServer(cfg bearerConfig) *tokenServer {
	return &tokenServer{cfg: cfg, tokens: map[string]grant{}}
}

// wrap serves /token itself and guards everything else with bearer tokens.
func (s *tokenServer) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == tokenPath {
			s.serveToken(w, r)
			return
		}
		need := required(r)
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		valid, covered := s.check(tok, need)
		if covered {
			next.ServeHTTP(w, r)
			return
		}
		s.challenge(w, r, need, tok != "", valid)
	})
}

// serveToken answers GET /token?service=…&scope=… for valid Basic credentials.
func (s *tokenServer) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		// 404 makes clients fall back from the OAuth2 POST flow to GET.
		http.NotFound(w, r)
		return
	}
	u, p, ok := r.BasicAuth()
	if !ok || !equal(u, s.cfg.user) || !equal(p, s.cfg.pass) {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf("Basic realm=%q", realm))
		writeError(w, http.StatusUnauthorized, "UNAUTHORIZED", "incorrect username or password")
		return
	}
	g := grant{expires: time.Now().Add(s.cfg.ttl), scopes: map[string][]string{}}
	for _, v := range r.URL.Query()["scope"] {
		for _, sc := range strings.Fields(v) {
			res, actions, ok := parseScope(sc)
			if ok {
				g.scopes[res] = mergeActions(g.scopes[res], actions)
			}
		}
	}
	tok := randomString(24)
	s.mu.Lock()
	s.tokens[tok] = g
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"token":        tok,
		"access_token": tok,
		"expires_in":   int(s.cfg.ttl.Round(time.Second) / time.Second),
		"issued_at":    time.Now().UTC().Format(time.RFC3339),
	})
}

// ExpireTokens makes every token issued so far expired, as if its ttl had
// run out: the next request carrying one gets a 401 invalid_token challenge.
// Tests of token refresh call it at the moment they choose instead of
// sleeping past a short ttl, which a loaded machine makes flaky. It does
// nothing without WithBearerAuth.
func (r *Registry) ExpireTokens() {
	if r.tokens == nil {
		return
	}
	s := r.tokens
	s.mu.Lock()
	defer s.mu.Unlock()
	for tok, g := range s.tokens {
		g.expires = time.Time{}
		s.tokens[tok] = g
	}
}

// access is one resource and the actions a request needs on it.
type access struct {
	resource string // "repository:ns/name", "registry:catalog"; "" for the /v2/ ping
	actions  []string
}

// check reports whether tok is known and unexpired (valid), and whether it
// also covers every access.
func (s *tokenServer) check(tok string, need []access) (valid, covered bool) {
	if tok == "" {
		return false, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.tokens[tok]
	if !ok {
		return false, false
	}
	if time.Now().After(g.expires) {
		delete(s.tokens, tok)
		return false, false
	}
	for _, a := range need {
		if a.resource == "" {
			continue // any valid token may ping /v2/
		}
		have := g.scopes[a.resource]
		for _, act := range a.actions {
			if !slices.Contains(have, act) && !slices.Contains(have, "*") {
				return true, false
			}
		}
	}
	return true, true
}

// challenge sends the 401 that tells the client which scope to ask for.
func (s *tokenServer) challenge(w http.ResponseWriter, r *http.Request, need []access, hadToken, valid bool) {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	// The realm uses the Host the client dialled, so it is always same-host.
	h := fmt.Sprintf(`Bearer realm="%s://%s%s",service="%s"`, scheme, r.Host, tokenPath, realm)
	var scopes []string
	for _, a := range need {
		if a.resource != "" {
			scopes = append(scopes, a.resource+":"+strings.Join(a.actions, ","))
		}
	}
	if len(scopes) > 0 {
		h += fmt.Sprintf(`,scope="%s"`, strings.Join(scopes, " "))
	}
	switch {
	case valid:
		h += `,error="insufficient_scope"`
	case hadToken:
		h += `,error="invalid_token"`
	}
	w.Header().Set("WWW-Authenticate", h)
	writeError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
}

// required maps a request to the accesses distribution's token auth demands:
// GET/HEAD pull; POST/PUT/PATCH pull+push; DELETE delete; a cross-repository
// mount also needs pull on the source.
func required(r *http.Request) []access {
	p := strings.TrimPrefix(r.URL.Path, "/v2/")
	if p == r.URL.Path || p == "" {
		return []access{{}} // /v2/ ping or a non-registry path: any valid token
	}
	if p == "_catalog" {
		return []access{{resource: "registry:catalog", actions: []string{"*"}}}
	}
	name := repoName(p)
	if name == "" {
		return []access{{}}
	}
	res := "repository:" + name
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		return []access{{res, []string{"pull"}}}
	case http.MethodDelete:
		return []access{{res, []string{"delete"}}}
	}
	need := []access{{res, []string{"pull", "push"}}}
	if from := r.URL.Query().Get("from"); from != "" && r.URL.Query().Get("mount") != "" {
		need = append(need, access{"repository:" + from, []string{"pull"}})
	}
	return need
}

// repoName extracts NAME from "NAME/(manifests|blobs|tags|referrers)/…".
func repoName(p string) string {
	parts := strings.Split(p, "/")
	for i := len(parts) - 2; i > 0; i-- {
		switch parts[i] {
		case "manifests", "blobs", "tags", "referrers":
			return strings.Join(parts[:i], "/")
		}
	}
	return ""
}

// parseScope splits "repository:ns/name:pull,push" into the resource and actions.
func parseScope(sc string) (string, []string, bool) {
	i := strings.LastIndex(sc, ":")
	if i <= 0 || !strings.Contains(sc[:i], ":") {
		return "", nil, false
	}
	return sc[:i], strings.Split(sc[i+1:], ","), true
}

func mergeActions(have, add []string) []string {
	for _, a := range add {
		if a != "" && !slices.Contains(have, a) {
			have = append(have, a)
		}
	}
	return have
}
