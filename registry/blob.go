package registry

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// BlobExists reports whether repo holds the blob d (HEAD). A 404 is false
// with no error; any other failure is an *Error.
func (c *Client) BlobExists(ctx context.Context, repo name.Repository, d v1.Descriptor) (bool, error) {
	hc, err := c.client(ctx, repo, pullScope(repo))
	if err != nil {
		return false, err
	}
	return c.blobExists(ctx, hc, repo, d)
}

func (c *Client) blobExists(ctx context.Context, hc *http.Client, repo name.Repository, d v1.Descriptor) (bool, error) {
	resp, err := c.do(ctx, hc, repo, request{op: "HEAD blob", method: http.MethodHead,
		url: c.endpoint(repo, "blobs/"+d.Digest.String()), ok: []int{http.StatusOK, http.StatusNotFound}}, nil)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK, nil
}

// MountBlob asks the registry to link blob d from repository from into dst
// without uploading it. It returns false with no error when the registry
// declines (202: mounting unsupported, not allowed, or the blob missing in
// from), after cancelling the upload session that answer opened; and false
// when the two repositories are on different registries.
func (c *Client) MountBlob(ctx context.Context, dst, from name.Repository, d v1.Descriptor) (bool, error) {
	if dst.RegistryStr() != from.RegistryStr() {
		return false, nil
	}
	if dst.RepositoryStr() == from.RepositoryStr() {
		return c.BlobExists(ctx, dst, d)
	}
	hc, err := c.client(ctx, dst, pushScope(dst), pullScope(from))
	if err != nil {
		return false, err
	}
	q := url.Values{"mount": {d.Digest.String()}, "from": {from.RepositoryStr()}}
	resp, err := c.do(ctx, hc, dst, request{op: opMount, method: http.MethodPost,
		url: c.endpoint(dst, "blobs/uploads/?"+q.Encode()), ok: []int{http.StatusCreated, http.StatusAccepted}}, nil)
	if err != nil {
		return false, err
	}
	drain(resp)
	if resp.StatusCode == http.StatusCreated {
		return true, nil
	}
	c.cancelUpload(ctx, hc, dst, resp)
	return false, nil
}

// cancelUpload deletes an upload session, best effort: an abandoned one
// only costs the registry until its own purge.
func (c *Client) cancelUpload(ctx context.Context, hc *http.Client, repo name.Repository, resp *http.Response) {
	loc, err := resolveLocation(resp)
	if err != nil {
		return
	}
	if resp, err := c.send(ctx, hc, repo, request{op: "cancel upload", method: http.MethodDelete, url: loc,
		ok: []int{http.StatusOK, http.StatusAccepted, http.StatusNoContent}}); err == nil {
		drain(resp)
	}
}

// getBlob sends a blob GET from offset, retried on its own within rt, and
// returns the raw body and the offset served (0 when the registry ignored
// the Range).
func (c *Client) getBlob(ctx context.Context, hc *http.Client, repo name.Repository, d v1.Descriptor, offset int64, rt *retrier) (io.ReadCloser, int64, error) {
	const op = opFetch
	r := request{op: op, method: http.MethodGet, url: c.endpoint(repo, "blobs/"+d.Digest.String()),
		ok: []int{http.StatusOK, http.StatusPartialContent}}
	if offset > 0 {
		r.header = http.Header{"Range": {fmt.Sprintf("bytes=%d-", offset)}}
	}
	resp, err := c.do(ctx, hc, repo, r, rt)
	if err != nil {
		return nil, 0, err
	}
	if resp.StatusCode == http.StatusOK {
		return resp.Body, 0, nil
	}
	served, err := rangeStart(resp.Header.Get("Content-Range"))
	if err != nil || served != offset {
		resp.Body.Close()
		return nil, 0, newError(op, repo, fmt.Errorf("registry served %q for Range bytes=%d-", resp.Header.Get("Content-Range"), offset))
	}
	return resp.Body, served, nil
}

// rangeStart reads the first byte position of "bytes START-END/TOTAL".
func rangeStart(cr string) (int64, error) {
	s, ok := strings.CutPrefix(cr, "bytes ")
	if !ok {
		return 0, fmt.Errorf("bad Content-Range %q", cr)
	}
	start, _, _ := strings.Cut(s, "-")
	return strconv.ParseInt(strings.TrimSpace(start), 10, 64)
}
