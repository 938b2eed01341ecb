package faultproxy_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
)

// TestCutLargeBodies: every other upload body over the limit is cut after
// half its declared length (the registry keeps that half), smaller ones
// pass; the byte counters see exactly what the proxy read and wrote.
func TestCutLargeBodies(t *testing.T) {
	p, reg := setup(t)
	p.Set(faultproxy.CutLargeBodies(1000)...)
	data := payload(4000)
	hdr := map[string]string{"Content-Type": "application/octet-stream"}
	in0 := p.BytesIn()
	var cut, whole int
	for range 4 {
		loc := startUpload(t, reg, "ns/cut")
		resp, _, err := do(t, reg, "PATCH", loc, bytes.NewReader(data), hdr)
		switch {
		case err != nil:
			cut++
			st, _, err := do(t, reg, "GET", loc, nil, nil)
			if err != nil || st.Header.Get("Range") != "0-1999" {
				t.Fatalf("after a cut the session holds %q (%v), want 0-1999", st.Header.Get("Range"), err)
			}
		case resp.StatusCode == http.StatusAccepted:
			whole++
		default:
			t.Fatalf("PATCH: %s", resp.Status)
		}
	}
	if cut != 2 || whole != 2 || p.Fired(faultproxy.NameCutUpload) != 2 {
		t.Errorf("%d cut, %d whole, fired %d; want 2, 2, 2", cut, whole, p.Fired(faultproxy.NameCutUpload))
	}
	if got := p.BytesIn() - in0; got != 2*2000+2*4000 {
		t.Errorf("BytesIn %d, want %d", got, 2*2000+2*4000)
	}
	// A small body is never cut.
	loc := startUpload(t, reg, "ns/cut")
	if resp, _, err := do(t, reg, "PATCH", loc, bytes.NewReader(data[:500]), hdr); err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("small PATCH: %v %v", resp, err)
	}
}

// TestCutLargeDownloads: every other blob GET over the limit is cut after
// half its Content-Length; BytesOut counts the half.
func TestCutLargeDownloads(t *testing.T) {
	p, reg := setup(t)
	img, err := pushImage(t, reg, "ns/get:v1", 4000)
	if err != nil {
		t.Fatal(err)
	}
	layers, _ := img.Layers()
	d, _ := layers[0].Digest()
	size, _ := layers[0].Size()
	p.Set(faultproxy.CutLargeBodies(1000)...)
	out0 := p.BytesOut()
	var cut int
	for range 4 {
		resp, body, err := do(t, reg, "GET", "/v2/ns/get/blobs/"+d.String(), nil, nil)
		if err != nil {
			cut++
			if int64(len(body)) != size/2 || resp.Header.Get("Content-Length") != strconv.FormatInt(size, 10) {
				t.Errorf("cut after %d bytes, want %d", len(body), size/2)
			}
		}
	}
	if cut != 2 {
		t.Errorf("%d of 4 downloads cut, want 2", cut)
	}
	if got, want := p.BytesOut()-out0, 2*(size/2)+2*size; got != want {
		t.Errorf("BytesOut %d, want %d", got, want)
	}
}

// TestRateRecipesFollowTheSeed: ServerErrorRate and RateLimitRate fire on a
// seeded fraction of the requests spread through a run, the same ones for
// the same seed and others for another seed.
func TestRateRecipesFollowTheSeed(t *testing.T) {
	pattern := func(seed uint64, s faultproxy.Scenario) string {
		p := faultproxy.New(seed)
		p.Set(s)
		h := p.Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
		var b []byte
		for range 200 {
			w := &recorder{header: http.Header{}}
			h.ServeHTTP(w, &http.Request{Method: "GET", URL: mustURL(t, "/v2/ns/x/manifests/v1"), Header: http.Header{}})
			b = append(b, "01"[min(w.status/100, 1)]) // '1' for an error answer
		}
		return string(b)
	}
	for _, s := range []faultproxy.Scenario{faultproxy.ServerErrorRate(503, 0.15, nil), faultproxy.RateLimitRate(0.15, nil)} {
		a, a2, b := pattern(1, s), pattern(1, s), pattern(2, s)
		n := bytes.Count([]byte(a), []byte("1"))
		if a != a2 || a == b || n < 10 || n > 60 || a[150:] == "00000000000000000000000000000000000000000000000000" {
			t.Errorf("%s: seed 1 %s, again %s, seed 2 %s", s.Name, a, a2, b)
		}
	}
}

type recorder struct {
	header http.Header
	status int
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(p []byte) (int, error) { return len(p), nil }
func (r *recorder) WriteHeader(code int)        { r.status = code }

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
