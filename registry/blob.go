package registry

import (
	"context"
	"errors"
	"fmt"
	"hash"
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
		url: c.endpoint(repo, "blobs/"+d.Digest.String()), ok: []int{http.StatusOK, http.StatusNotFound}})
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
		url: c.endpoint(dst, "blobs/uploads/?"+q.Encode()), ok: []int{http.StatusCreated, http.StatusAccepted}})
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

// OpenBlob streams blob d from offset (Range: bytes=offset-). It returns
// the offset actually served: 0 when the registry ignored the Range. When
// the stream starts at 0, its size and digest are verified and a mismatch
// is returned (instead of io.EOF) as an error wrapping ErrDigestMismatch;
// from a later offset only the size is checked. The caller closes the
// reader. A refused Range is an *Error wrapping ErrRangeNotSatisfiable.
func (c *Client) OpenBlob(ctx context.Context, repo name.Repository, d v1.Descriptor, offset int64) (io.ReadCloser, int64, error) {
	const op = "GET blob"
	if offset < 0 || offset > d.Size {
		return nil, 0, newError(op, repo, fmt.Errorf("offset %d outside blob %s of %d bytes", offset, d.Digest, d.Size))
	}
	if offset == d.Size && offset > 0 {
		// Nothing left to read; registries answer such a Range with 416.
		return io.NopCloser(strings.NewReader("")), offset, nil
	}
	hc, err := c.client(ctx, repo, pullScope(repo))
	if err != nil {
		return nil, 0, err
	}
	return c.openBlob(ctx, hc, repo, d, offset)
}

func (c *Client) openBlob(ctx context.Context, hc *http.Client, repo name.Repository, d v1.Descriptor, offset int64) (io.ReadCloser, int64, error) {
	var body io.ReadCloser
	var served int64
	err := c.backoff.retry(ctx, func() error {
		var err error
		body, served, err = c.getBlob(ctx, hc, repo, d, offset)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	v := &verifier{rc: body, op: "GET blob", repo: repo, want: d.Digest, remain: d.Size - served}
	if served == 0 {
		if v.h, err = newHasher(d.Digest.Algorithm); err != nil {
			body.Close()
			return nil, 0, newError("GET blob", repo, err)
		}
	}
	return v, served, nil
}

// getBlob sends one blob GET from offset and returns the raw body and the
// offset served.
func (c *Client) getBlob(ctx context.Context, hc *http.Client, repo name.Repository, d v1.Descriptor, offset int64) (io.ReadCloser, int64, error) {
	const op = "GET blob"
	r := request{op: op, method: http.MethodGet, url: c.endpoint(repo, "blobs/"+d.Digest.String()),
		ok: []int{http.StatusOK, http.StatusPartialContent}}
	if offset > 0 {
		r.header = http.Header{"Range": {fmt.Sprintf("bytes=%d-", offset)}}
	}
	resp, err := c.send(ctx, hc, repo, r)
	var e *Error
	if errors.As(err, &e) && e.StatusCode == http.StatusRequestedRangeNotSatisfiable {
		e.Err = fmt.Errorf("%w: %w", ErrRangeNotSatisfiable, e.Err)
	}
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

// verifier checks a blob stream: never more than the expected bytes, exactly
// that many at EOF, and the digest when h is set.
type verifier struct {
	rc     io.ReadCloser
	op     string
	repo   name.Repository
	want   v1.Hash
	h      hash.Hash // nil: size check only
	remain int64
}

func (v *verifier) Read(p []byte) (int, error) {
	n, err := v.rc.Read(p)
	v.remain -= int64(n)
	if v.h != nil {
		v.h.Write(p[:n])
	}
	if v.remain < 0 {
		return n, digestError(v.op, v.repo, "blob %s is longer than its descriptor says", v.want)
	}
	if err == io.EOF {
		if v.remain != 0 {
			// A stream cut short is a transport failure, resumable.
			return n, newError(v.op, v.repo, fmt.Errorf("blob %s ended %d bytes short: %w", v.want, v.remain, io.ErrUnexpectedEOF))
		}
		if v.h != nil {
			if got := sumOf(v.want.Algorithm, v.h); got != v.want {
				return n, digestError(v.op, v.repo, "blob %s has digest %s", v.want, got)
			}
		}
	}
	return n, err
}

func (v *verifier) Close() error { return v.rc.Close() }
