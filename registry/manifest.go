package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// maxManifestSize caps every manifest and index read or written, as
// distribution does: a larger one fails clearly instead of being buffered.
const maxManifestSize = 4 << 20

// manifestAccept lists the manifest types Resolve and Manifest accept.
var manifestAccept = strings.Join([]string{
	string(types.OCIImageIndex),
	string(types.OCIManifestSchema1),
	string(types.DockerManifestList),
	string(types.DockerManifestSchema2),
	// Zarf once pushed OCI artifact manifests where a registry took them.
	"application/vnd.oci.artifact.manifest.v1+json",
}, ", ")

// Resolve reads the manifest or index ref names (by tag or digest). It
// verifies the bytes against the requested digest, or else against the
// Docker-Content-Digest header when the registry sends one, and refuses
// anything over 4 MiB. The descriptor has the media type, size and digest.
func (c *Client) Resolve(ctx context.Context, ref name.Reference) (v1.Descriptor, []byte, error) {
	var want *v1.Hash
	if d, ok := ref.(name.Digest); ok {
		h, err := v1.NewHash(d.DigestStr())
		if err != nil {
			return v1.Descriptor{}, nil, newError("GET manifest", ref.Context(), err)
		}
		want = &h
	}
	return c.getManifest(ctx, ref.Context(), ref.Identifier(), want, 0)
}

// Manifest reads the manifest or index d names by digest, verified against
// d's digest and (when non-zero) size, and capped at 4 MiB.
func (c *Client) Manifest(ctx context.Context, repo name.Repository, d v1.Descriptor) ([]byte, error) {
	_, b, err := c.getManifest(ctx, repo, d.Digest.String(), &d.Digest, d.Size)
	return b, err
}

func (c *Client) getManifest(ctx context.Context, repo name.Repository, id string, want *v1.Hash, size int64) (v1.Descriptor, []byte, error) {
	const op = "GET manifest"
	if size > maxManifestSize {
		return v1.Descriptor{}, nil, newError(op, repo, ErrManifestTooLarge)
	}
	hc, err := c.client(ctx, repo, pullScope(repo))
	if err != nil {
		return v1.Descriptor{}, nil, err
	}
	r := request{op: op, method: http.MethodGet, url: c.endpoint(repo, "manifests/"+id),
		header: http.Header{"Accept": {manifestAccept}}, ok: []int{http.StatusOK}}
	var desc v1.Descriptor
	var body []byte
	err = c.retrier(op).run(ctx, func() error {
		resp, err := c.send(ctx, hc, repo, r)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		desc, body, err = readManifest(op, repo, resp, want, size)
		return err
	})
	return desc, body, err
}

// readManifest reads at most 4 MiB + 1 byte of a manifest response and
// checks it.
func readManifest(op string, repo name.Repository, resp *http.Response, want *v1.Hash, size int64) (v1.Descriptor, []byte, error) {
	if resp.ContentLength > maxManifestSize {
		return v1.Descriptor{}, nil, newError(op, repo, ErrManifestTooLarge)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxManifestSize+1))
	if err != nil {
		return v1.Descriptor{}, nil, newError(op, repo, err)
	}
	if len(body) > maxManifestSize {
		return v1.Descriptor{}, nil, newError(op, repo, ErrManifestTooLarge)
	}
	got, err := verifyManifest(op, repo, body, want, resp.Header.Get("Docker-Content-Digest"))
	if err != nil {
		return v1.Descriptor{}, nil, err
	}
	if size > 0 && int64(len(body)) != size {
		return v1.Descriptor{}, nil, digestError(op, repo, "manifest %s is %d bytes, want %d", got, len(body), size)
	}
	mt := mediaType(resp.Header.Get("Content-Type"), body)
	return v1.Descriptor{MediaType: mt, Size: int64(len(body)), Digest: got}, body, nil
}

// verifyManifest checks body against the requested digest, else against the
// registry's Docker-Content-Digest header, and returns its digest.
func verifyManifest(op string, repo name.Repository, body []byte, want *v1.Hash, header string) (v1.Hash, error) {
	if want == nil && header != "" {
		if h, err := v1.NewHash(header); err == nil {
			want = &h
		}
	}
	if want == nil {
		h, _, err := v1.SHA256(bytes.NewReader(body))
		return h, err
	}
	got, ok, err := digestOf(body, *want)
	if err != nil {
		return v1.Hash{}, newError(op, repo, err)
	}
	if !ok {
		return v1.Hash{}, digestError(op, repo, "manifest is %s, want %s", got, want)
	}
	return got, nil
}

// mediaType is the Content-Type without parameters, or, when a registry
// sends none or a generic one, the mediaType field of the JSON.
func mediaType(contentType string, body []byte) types.MediaType {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt != "" && mt != "application/json" && mt != "text/plain" && mt != "application/octet-stream" {
		return types.MediaType(mt)
	}
	var probe struct {
		MediaType string `json:"mediaType"`
	}
	_ = json.Unmarshal(body, &probe) // a body without the field leaves ""
	return types.MediaType(probe.MediaType)
}

// PutManifest uploads body under ref (a tag, or a digest that body must
// match) with Content-Type mediaType. Bodies over 4 MiB are refused before
// sending.
func (c *Client) PutManifest(ctx context.Context, ref name.Reference, mediaType string, body []byte) error {
	const op = opPutManifest
	repo := ref.Context()
	if len(body) > maxManifestSize {
		return newError(op, repo, ErrManifestTooLarge)
	}
	if d, ok := ref.(name.Digest); ok {
		want, err := v1.NewHash(d.DigestStr())
		if err != nil {
			return newError(op, repo, err)
		}
		if _, err := verifyManifest(op, repo, body, &want, ""); err != nil {
			return err
		}
	}
	hc, err := c.client(ctx, repo, pushScope(repo))
	if err != nil {
		return err
	}
	resp, err := c.do(ctx, hc, repo, request{op: op, method: http.MethodPut,
		url:    c.endpoint(repo, "manifests/"+ref.Identifier()),
		header: http.Header{"Content-Type": {mediaType}}, body: body,
		ok: []int{http.StatusOK, http.StatusCreated, http.StatusAccepted, http.StatusNoContent}}, nil)
	if err != nil {
		return err
	}
	drain(resp)
	return nil
}
