package registry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"

	"github.com/google/go-containerregistry/pkg/name"
)

// request is one registry call that can be rebuilt for a retry: no body, or
// a small in-memory one (a manifest).
type request struct {
	op     string
	method string
	url    string
	header http.Header
	body   []byte // nil: no body
	ok     []int  // statuses that are not an error
}

// endpoint is the URL of path under repo's /v2/ tree. The scheme is only a
// first guess: go-containerregistry's transport rewrites it to what the ping
// found (https, or http for PlainHTTP and loopback registries).
func (c *Client) endpoint(repo name.Repository, path string) string {
	scheme := "https"
	if c.opts.PlainHTTP {
		scheme = "http"
	}
	return fmt.Sprintf("%s://%s/v2/%s/%s", scheme, repo.RegistryStr(), repo.RepositoryStr(), path)
}

// do sends r, retrying it on its own within rt's budget (nil: a budget of
// its own), and returns the response with its body open. The caller closes
// it. Only for requests that are safe to repeat.
func (c *Client) do(ctx context.Context, hc *http.Client, repo name.Repository, r request, rt *retrier) (*http.Response, error) {
	if rt == nil {
		rt = c.retrier(r.op)
	}
	var resp *http.Response
	err := rt.run(ctx, func() error {
		var err error
		resp, err = c.send(ctx, hc, repo, r)
		return err
	})
	return resp, err
}

// send sends r once. A status outside r.ok becomes an *Error carrying the
// registry's error code, and its body is closed.
func (c *Client) send(ctx context.Context, hc *http.Client, repo name.Repository, r request) (*http.Response, error) {
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body) // sets GetBody: replayable after a token refresh
	}
	req, err := http.NewRequestWithContext(ctx, r.method, r.url, body)
	if err != nil {
		return nil, newError(r.op, repo, err)
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, newError(r.op, repo, cleanURLError(err))
	}
	if slices.Contains(r.ok, resp.StatusCode) {
		return resp, nil
	}
	defer resp.Body.Close()
	return nil, statusError(r.op, repo, resp)
}

// cleanURLError drops the URL that net/http puts in its errors, or redacts
// it: a redirect to a presigned URL carries a signature in its query.
func cleanURLError(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	return fmt.Errorf("%s %s: %w", ue.Op, redactURLString(ue.URL), ue.Err)
}

// drain reads a little of a response body before closing it, so that the
// connection can be reused.
func drain(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	resp.Body.Close()
}

// resolveLocation turns a Location header (often relative, with query
// parameters such as distribution's _state that must be kept) into an
// absolute URL.
func resolveLocation(resp *http.Response) (string, error) {
	loc := resp.Header.Get("Location")
	if loc == "" {
		return "", errors.New("registry sent no Location header")
	}
	u, err := resp.Request.URL.Parse(loc)
	if err != nil {
		return "", fmt.Errorf("bad Location header: %w", err)
	}
	return u.String(), nil
}
