package registry

import (
	"context"
	"net/http"
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

// client returns the HTTP client for repo's registry authenticated with
// scopes. The first call per registry and scope set pings /v2/ and, for a
// bearer registry, fetches a token; go-containerregistry's transport then
// refreshes it on a 401 challenge.
func (c *Client) client(ctx context.Context, repo name.Repository, scopes ...string) (*http.Client, error) {
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
