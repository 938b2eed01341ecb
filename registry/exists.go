package registry

import (
	"context"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
)

// ManifestExists reports whether ref's repository holds the manifest or
// index ref names (HEAD). A 404 is false with no error; any other failure
// is an *Error. A HEAD is no pull where registries count pulls (Docker
// Hub), and its answer is no body: a publish asks it before anything else
// to stop at once when the manifest is already there.
func (c *Client) ManifestExists(ctx context.Context, ref name.Digest) (bool, error) {
	repo := ref.Context()
	hc, err := c.client(ctx, repo, pullScope(repo))
	if err != nil {
		return false, err
	}
	resp, err := c.do(ctx, hc, repo, request{op: "HEAD manifest", method: http.MethodHead,
		url: c.endpoint(repo, "manifests/"+ref.DigestStr()), header: http.Header{"Accept": {manifestAccept}},
		ok: []int{http.StatusOK, http.StatusNotFound}}, nil)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK, nil
}
