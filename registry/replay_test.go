package registry

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

// resend is what go-containerregistry's bearer transport does on a 401:
// send the very same request down a second time.
type resend struct{ inner http.RoundTripper }

func (r resend) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.inner.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	return r.inner.RoundTrip(req)
}

// wire reads every request body to the end, as a transport sends it.
type wire struct{ bodies []string }

func (w *wire) RoundTrip(req *http.Request) (*http.Response, error) {
	b, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	w.bodies = append(w.bodies, string(b))
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: req}, nil
}

// TestReplayLeavesRequestsAlone: a body with GetBody goes out whole on the
// second pass, a streamed one fails with errBodyReplay instead of going out
// empty, and no layer changes the request it was given (the old guard
// swapped req.Body in place).
func TestReplayLeavesRequestsAlone(t *testing.T) {
	for _, tt := range []struct {
		name    string
		body    func() io.Reader
		wantErr error
		want    []string
	}{
		{"manifest (GetBody)", func() io.Reader { return strings.NewReader("manifest") }, nil, []string{"manifest", "manifest"}},
		{"streamed blob", func() io.Reader { return io.NopCloser(strings.NewReader("blob")) }, errBodyReplay, []string{"blob"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := &wire{}
			rt := &trackBodies{inner: resend{inner: &replayGuard{inner: w}}}
			req, err := http.NewRequest(http.MethodPut, "https://r.example/v2/x/manifests/1", tt.body())
			if err != nil {
				t.Fatal(err)
			}
			body := req.Body
			_, err = rt.RoundTrip(req)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if strings.Join(w.bodies, "|") != strings.Join(tt.want, "|") {
				t.Errorf("bodies sent %q, want %q", w.bodies, tt.want)
			}
			if req.Body != body {
				t.Error("the request's Body was replaced")
			}
		})
	}
}

// TestManifestPutReplayedAfterExpiry: a manifest PUT whose token expired is
// sent again, whole, after the refresh.
func TestManifestPutReplayedAfterExpiry(t *testing.T) {
	reg := testregistry.Start(t, testregistry.WithBearerAuth(testUser, testPass, 0))
	c := newTestClient(Options{Keychain: keychain{testUser, testPass}})
	repo := mustRepo(t, reg, "replay/manifest")
	raw, _ := pushImage(t, c, repo, "1.0.0", newBlob(t, 100))
	reg.Reset()
	reg.ExpireTokens()
	if err := c.PutManifest(testCtx(t), repo.Tag("1.0.1"), "application/vnd.oci.image.manifest.v1+json", raw); err != nil {
		t.Fatalf("PutManifest after expiry: %v", err)
	}
	var puts []testregistry.RequestLog
	for _, l := range reg.Requests() {
		if l.Method == http.MethodPut {
			puts = append(puts, l)
		}
	}
	if len(puts) != 2 || puts[0].Status != http.StatusUnauthorized || puts[1].Status != http.StatusCreated || puts[1].BytesIn != int64(len(raw)) {
		t.Fatalf("PUTs %+v, want a 401 then a 201 with the whole manifest (%d bytes)", puts, len(raw))
	}
	_, got, err := c.Resolve(testCtx(t), repo.Tag("1.0.1"))
	if err != nil || !bytes.Equal(got, raw) {
		t.Fatalf("Resolve: %v", err)
	}
}
