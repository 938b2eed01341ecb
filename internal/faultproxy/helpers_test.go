package faultproxy_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// setup starts distribution behind a fresh proxy with no scenarios.
func setup(t *testing.T) (*faultproxy.Proxy, *testregistry.Registry) {
	t.Helper()
	p := faultproxy.New(1)
	return p, testregistry.Start(t, testregistry.WithHandler(p.Middleware))
}

func ref(t *testing.T, reg *testregistry.Registry, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(reg.Host + "/" + s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// pushImage pushes a random image with layers of size bytes; no retries so a
// fault shows up as the error.
func pushImage(t *testing.T, reg *testregistry.Registry, refStr string, size int64) (v1.Image, error) {
	t.Helper()
	img, err := random.Image(size, 1)
	if err != nil {
		t.Fatal(err)
	}
	return img, remote.Write(ref(t, reg, refStr), img, remote.WithContext(context.Background()),
		remote.WithRetryBackoff(remote.Backoff{Steps: 1}))
}

// do sends one request; body "" means none. It returns the status, the
// headers and the body read so far, and the read error.
func do(t *testing.T, reg *testregistry.Registry, method, url string, body io.Reader, hdr map[string]string) (*http.Response, []byte, error) {
	t.Helper()
	if !strings.HasPrefix(url, "http") {
		url = reg.URL + url
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := reg.Client().Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// startUpload opens an upload session and returns its absolute location.
func startUpload(t *testing.T, reg *testregistry.Registry, repo string) string {
	t.Helper()
	resp, _, err := do(t, reg, "POST", "/v2/"+repo+"/blobs/uploads/", nil, nil)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("upload start: %v %v", resp, err)
	}
	return abs(reg, resp.Header.Get("Location"))
}

// abs resolves a Location header against the registry.
func abs(reg *testregistry.Registry, loc string) string {
	if strings.HasPrefix(loc, "/") {
		return reg.URL + loc
	}
	return loc
}

func digestOf(b []byte) string { return fmt.Sprintf("sha256:%x", sha256.Sum256(b)) }

func withQuery(loc, q string) string {
	if strings.Contains(loc, "?") {
		return loc + "&" + q
	}
	return loc + "?" + q
}

// noLength hides a reader's length so the request is sent chunked.
type noLength struct{ io.Reader }

func payload(n int) []byte { return bytes.Repeat([]byte("0123456789abcdef"), n/16+1)[:n] }
