package faultproxy_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// errorCode returns the HTTP status and first OCI error code of a ggcr error.
func errorCode(err error) (int, string) {
	var te *transport.Error
	if !errors.As(err, &te) {
		return 0, ""
	}
	if len(te.Errors) == 0 {
		return te.StatusCode, ""
	}
	return te.StatusCode, string(te.Errors[0].Code)
}

func TestBodyLimit(t *testing.T) {
	const limit = 8 << 10
	tests := []struct {
		name    string
		size    int
		chunked bool
		want    int
	}{
		{"declared over", limit + 1, false, http.StatusRequestEntityTooLarge},
		{"chunked over", limit + 1, true, http.StatusRequestEntityTooLarge},
		{"declared at limit", limit, false, http.StatusAccepted},
		{"chunked under", limit - 1, true, http.StatusAccepted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, reg := setup(t)
			p.Set(faultproxy.BodyLimit(limit))
			loc := startUpload(t, reg, "ns/big")
			var body io.Reader = bytes.NewReader(payload(tt.size))
			if tt.chunked {
				body = noLength{body}
			}
			resp, _, err := do(t, reg, "PATCH", loc, body, nil)
			if err != nil || resp.StatusCode != tt.want {
				t.Fatalf("PATCH %d bytes: %v %v", tt.size, resp, err)
			}
			if tt.want == http.StatusAccepted && resp.Header.Get("Range") != fmt.Sprintf("0-%d", tt.size-1) {
				t.Fatalf("registry stored Range %q", resp.Header.Get("Range"))
			}
		})
	}
}

func TestChunkLimit(t *testing.T) {
	const limit = 4 << 10
	tests := []struct {
		name  string
		size  int
		chunk bool // send Content-Range
		want  int
	}{
		{"chunk over", limit + 1, true, http.StatusRequestedRangeNotSatisfiable},
		{"chunk at limit", limit, true, http.StatusAccepted},
		{"stream over", 3 * limit, false, http.StatusAccepted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, reg := setup(t)
			p.Set(faultproxy.ChunkLimit(limit))
			loc := startUpload(t, reg, "ns/ghcr")
			hdr := map[string]string{"Content-Type": "application/octet-stream"}
			if tt.chunk {
				hdr["Content-Range"] = fmt.Sprintf("0-%d", tt.size-1)
			}
			resp, body, err := do(t, reg, "PATCH", loc, bytes.NewReader(payload(tt.size)), hdr)
			if err != nil || resp.StatusCode != tt.want {
				t.Fatalf("PATCH: %v %v %s", resp, err, body)
			}
		})
	}
}

func TestManifestInvalid(t *testing.T) {
	p, reg := setup(t)
	p.Set(faultproxy.ManifestInvalid())
	_, err := pushImage(t, reg, "ns/m:v1", 1024)
	if status, code := errorCode(err); status != 400 || code != "MANIFEST_INVALID" {
		t.Fatalf("push: %v", err)
	}
	p.Clear()
	if _, err := pushImage(t, reg, "ns/m:v1", 1024); err != nil {
		t.Fatalf("push after Clear: %v", err)
	}
}

func TestIndexRejected(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusUnsupportedMediaType} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			p, reg := setup(t)
			p.Set(faultproxy.IndexRejected(status))
			if _, err := pushImage(t, reg, "ns/i:image", 1024); err != nil {
				t.Fatalf("image manifest refused: %v", err)
			}
			idx, err := random.Index(512, 1, 2)
			if err != nil {
				t.Fatal(err)
			}
			err = remote.WriteIndex(ref(t, reg, "ns/i:index"), idx, remote.WithRetryBackoff(remote.Backoff{Steps: 1}))
			if got, _ := errorCode(err); got != status {
				t.Fatalf("index push: %v, want %d", err, status)
			}
			if p.Fired(faultproxy.NameIndexRejected) != 1 {
				t.Fatalf("fired %d times", p.Fired(faultproxy.NameIndexRejected))
			}
		})
	}
}

func TestMissingRepository(t *testing.T) {
	p, reg := setup(t)
	p.Set(faultproxy.MissingRepository("ns/absent"))
	_, err := pushImage(t, reg, "ns/absent:v1", 1024)
	if status, code := errorCode(err); status != 404 || code != "NAME_UNKNOWN" {
		t.Fatalf("push to missing repo: %v", err)
	}
	if _, err := pushImage(t, reg, "ns/present:v1", 1024); err != nil {
		t.Fatalf("push to another repo: %v", err)
	}
}
