package registry

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// authEntry caches the authenticated client of one registry and scope set.
// sem is a one-slot lock that a waiter can leave when its context ends, so
// parallel transfers share one ping and one token exchange.
type authEntry struct {
	sem chan struct{}
	hc  *http.Client
}

// pullScope and pushScope are the token scopes of a repository. A push asks
// for pull and push up front: a pull-only token cached from an early HEAD
// broke pushes to Quay.
func pullScope(repo name.Repository) string {
	return "repository:" + repo.RepositoryStr() + ":pull"
}

func pushScope(repo name.Repository) string {
	return "repository:" + repo.RepositoryStr() + ":pull,push"
}

// Authorize pings repo's registry and fetches one token for everything a
// journey will do there: pull on repo, push too when push is set, and pull
// on each of mountFrom on the same registry (the sources of blob mounts).
// Every later request of this Client to that registry whose scopes that
// set covers goes with this token, instead of a ping and a token exchange
// for each new scope set (a HEAD's pull, a mount's push and pull, an
// upload's push). A later Authorize for the same registry widens the set.
// On failure nothing changes: later requests ask for their own scopes.
func (c *Client) Authorize(ctx context.Context, repo name.Repository, push bool, mountFrom ...name.Repository) error {
	scopes := []string{pullScope(repo)}
	if push {
		scopes[0] = pushScope(repo)
	}
	for _, from := range mountFrom {
		if from.RegistryStr() == repo.RegistryStr() && from.RepositoryStr() != repo.RepositoryStr() {
			scopes = append(scopes, pullScope(from))
		}
	}
	reg := repo.RegistryStr()
	c.mu.Lock()
	granted := c.granted[reg]
	c.mu.Unlock()
	if covers(granted, scopes) {
		return nil
	}
	scopes = union(granted, scopes)
	if _, err := c.client(ctx, repo, scopes...); err != nil {
		return err
	}
	c.mu.Lock()
	c.granted[reg] = scopes
	c.mu.Unlock()
	return nil
}

// client returns the HTTP client for repo's registry authenticated with
// scopes, or with the wider set Authorize asked for when it covers them.
// The first call per registry and scope set pings /v2/ and, for a bearer
// registry, fetches a token; go-containerregistry's transport then
// refreshes it on a 401 challenge.
func (c *Client) client(ctx context.Context, repo name.Repository, scopes ...string) (*http.Client, error) {
	c.mu.Lock()
	if wide := c.granted[repo.RegistryStr()]; covers(wide, scopes) {
		scopes = wide
	}
	c.mu.Unlock()
	key := repo.RegistryStr() + " " + strings.Join(scopes, " ")
	c.mu.Lock()
	e := c.auths[key]
	if e == nil {
		e = &authEntry{sem: make(chan struct{}, 1)}
		c.auths[key] = e
	}
	c.mu.Unlock()

	select {
	case e.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, newError("auth", repo, ctx.Err())
	}
	defer func() { <-e.sem }()
	if e.hc != nil {
		return e.hc, nil
	}
	rt, err := c.authenticate(ctx, repo, scopes)
	if err != nil {
		return nil, newError("auth", repo, err)
	}
	// No client timeout: a multi-GB PATCH may legitimately take hours;
	// the caller's context bounds every request instead.
	e.hc = &http.Client{
		Transport:     &trackBodies{inner: rt},
		CheckRedirect: checkRedirect(repo.RegistryStr(), c.opts.PlainHTTP),
	}
	return e.hc, nil
}

func (c *Client) authenticate(ctx context.Context, repo name.Repository, scopes []string) (http.RoundTripper, error) {
	reg := repo.Registry
	if c.opts.PlainHTTP {
		var err error
		if reg, err = name.NewRegistry(reg.RegistryStr(), name.Insecure); err != nil {
			return nil, err
		}
	}
	kc := c.opts.Keychain
	if kc == nil {
		kc = authn.NewMultiKeychain() // resolves to anonymous
	}
	auth, err := authn.Resolve(ctx, kc, repo)
	if err != nil {
		return nil, err
	}
	base, err := c.base(reg.RegistryStr())
	if err != nil {
		return nil, err
	}
	var rt http.RoundTripper
	err = c.backoff.retry(ctx, func() error {
		rt, err = transport.NewWithContext(ctx, reg, auth, base, scopes)
		if err != nil {
			return explainPing(reg.RegistryStr(), err)
		}
		return nil
	})
	return rt, err
}

// covers tells whether the scopes have grant every action of want.
func covers(have, want []string) bool {
	if len(have) == 0 {
		return false
	}
	for _, w := range want {
		res, actions := splitScope(w)
		if !slices.ContainsFunc(have, func(h string) bool {
			hres, hactions := splitScope(h)
			return hres == res && allIn(actions, hactions)
		}) {
			return false
		}
	}
	return true
}

// union adds the scopes of more to have, merging the actions of one
// resource into one scope.
func union(have, more []string) []string {
	var order []string
	actions := map[string][]string{}
	for _, s := range append(slices.Clone(have), more...) {
		res, acts := splitScope(s)
		if _, ok := actions[res]; !ok {
			order = append(order, res)
		}
		for _, a := range acts {
			if !slices.Contains(actions[res], a) {
				actions[res] = append(actions[res], a)
			}
		}
	}
	out := make([]string, 0, len(order))
	for _, res := range order {
		out = append(out, res+":"+strings.Join(actions[res], ","))
	}
	return out
}

// splitScope cuts "repository:NAME:ACTIONS" into its resource and actions.
func splitScope(s string) (string, []string) {
	i := strings.LastIndex(s, ":")
	if i < 0 {
		return s, nil
	}
	return s[:i], strings.Split(s[i+1:], ",")
}

func allIn(want, have []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}
