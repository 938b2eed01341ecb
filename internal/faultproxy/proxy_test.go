package faultproxy

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// okHandler stands in for the registry in these selection-only tests; the
// faults themselves are tested against a real registry in faults_test.go.
func okHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
}

func status(h http.Handler, method, path string) int {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec.Code
}

func TestCountOrderAndSet(t *testing.T) {
	p := New(1)
	h := p.Middleware(okHandler())
	p.Set(
		Scenario{Name: "first", Match: Method(http.MethodGet), Count: 2, Action: Error(503, "UNKNOWN", "x")},
		Scenario{Name: "second", Count: 1, Action: Error(502, "UNKNOWN", "x")},
	)
	var got []int
	for range 5 {
		got = append(got, status(h, http.MethodGet, "/v2/"))
	}
	want := []int{503, 503, 502, 200, 200}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("statuses %v, want %v", got, want)
		}
	}
	if p.Fired("first") != 2 || p.Fired("second") != 1 {
		t.Fatalf("fired first=%d second=%d", p.Fired("first"), p.Fired("second"))
	}
	p.Set(Scenario{Name: "first", Count: 1, Action: Error(500, "UNKNOWN", "x")})
	if p.Fired("first") != 0 || status(h, "GET", "/v2/") != 500 {
		t.Fatal("Set did not replace the scenarios")
	}
	p.Add(Scenario{Action: Error(418, "UNKNOWN", "x")})
	if status(h, "GET", "/v2/") != 418 {
		t.Fatal("Add did not append")
	}
	p.Clear()
	if status(h, "GET", "/v2/") != 200 {
		t.Fatal("Clear left a scenario")
	}
}

func TestProbabilityIsSeeded(t *testing.T) {
	run := func(seed uint64) []int {
		p := New(seed)
		p.Set(Scenario{Probability: 0.3, Action: Error(503, "UNKNOWN", "x")})
		h := p.Middleware(okHandler())
		var codes []int
		for range 400 {
			codes = append(codes, status(h, "GET", "/v2/"))
		}
		return codes
	}
	a, b, c := run(7), run(7), run(8)
	fails, same, diff := 0, true, false
	for i := range a {
		if a[i] == 503 {
			fails++
		}
		same = same && a[i] == b[i]
		diff = diff || a[i] != c[i]
	}
	if fails < 80 || fails > 160 {
		t.Errorf("%d of 400 failed at p=0.3", fails)
	}
	if !same || !diff {
		t.Errorf("same seed reproduces: %v; other seed differs: %v", same, diff)
	}
}

func TestConcurrentSwitching(t *testing.T) {
	p := New(3)
	h := p.Middleware(okHandler())
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 200 {
				if i == 0 && j%10 == 0 {
					p.Set(ServerError(500, 3, nil))
				}
				status(h, "GET", "/v2/")
				_ = p.Fired(NameServerError)
			}
		})
	}
	wg.Wait()
}

func TestMatchers(t *testing.T) {
	tests := []struct {
		name, method, path, ctype string
		hdr                       map[string]string
		m                         Matcher
		want                      bool
	}{
		{"blob get", "GET", "/v2/a/b/blobs/sha256:ab", "", nil, BlobGet, true},
		{"blob get is not upload", "GET", "/v2/a/blobs/uploads/x", "", nil, BlobGet, false},
		{"blob head", "HEAD", "/v2/a/blobs/sha256:ab", "", nil, BlobHead, true},
		{"upload start", "POST", "/v2/ns/x/blobs/uploads/", "", nil, UploadStart, true},
		{"upload patch", "PATCH", "/v2/ns/x/blobs/uploads/123", "", nil, UploadPatch, true},
		{"upload put", "PUT", "/v2/ns/x/blobs/uploads/123", "", nil, UploadPut, true},
		{"manifest get", "GET", "/v2/ns/x/manifests/1.0", "", nil, ManifestGet, true},
		{"manifest head", "HEAD", "/v2/ns/x/manifests/1.0", "", nil, ManifestHead, true},
		{"manifest put", "PUT", "/v2/ns/x/manifests/1.0", "", nil, ManifestPut, true},
		{"index put", "PUT", "/v2/x/manifests/1", MediaTypeOCIIndex, nil, IndexPut, true},
		{"index put with params", "PUT", "/v2/x/manifests/1", MediaTypeDockerIndex + "; charset=utf-8", nil, IndexPut, true},
		{"image put is not index", "PUT", "/v2/x/manifests/1", "application/vnd.oci.image.manifest.v1+json", nil, IndexPut, false},
		{"repo nested", "GET", "/v2/a/b/c/manifests/1", "", nil, Repo("a/b/c"), true},
		{"repo upload", "POST", "/v2/a/b/blobs/uploads/", "", nil, Repo("a/b"), true},
		{"repo other", "GET", "/v2/a/b/c/manifests/1", "", nil, Repo("a/b"), false},
		{"ref tag", "GET", "/v2/a/manifests/1.0", "", nil, Ref("1.0"), true},
		{"ref blob", "GET", "/v2/a/blobs/sha256:1", "", nil, Ref("sha256:1"), true},
		{"ref tags list", "GET", "/v2/a/tags/list", "", nil, Ref("list"), false},
		{"chunk over", "PATCH", "/v2/a/blobs/uploads/1", "", map[string]string{"Content-Range": "0-10"}, ChunkOver(10), true},
		{"chunk at limit", "PATCH", "/v2/a/blobs/uploads/1", "", map[string]string{"Content-Range": "10-19"}, ChunkOver(10), false},
		{"chunk with bytes prefix", "PATCH", "/v2/a/blobs/uploads/1", "", map[string]string{"Content-Range": "bytes 0-99/100"}, ChunkOver(10), true},
		{"stream patch not a chunk", "PATCH", "/v2/a/blobs/uploads/1", "", nil, ChunkOver(0), false},
		{"all", "GET", "/v2/a/manifests/t", "", nil, All(ManifestGet, Repo("a"), Ref("t")), true},
		{"not", "GET", "/v2/a/manifests/t", "", nil, Not(ManifestGet), false},
		{"any", "DELETE", "/whatever", "", nil, Any, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.path, nil)
			if tt.ctype != "" {
				r.Header.Set("Content-Type", tt.ctype)
			}
			for k, v := range tt.hdr {
				r.Header.Set(k, v)
			}
			if got := tt.m(r); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}
