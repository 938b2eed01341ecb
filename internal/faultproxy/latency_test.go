package faultproxy

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// TestLatencyDelaysEveryRequest: each request waits D through the injected
// sleep before the registry sees it; a sleep cut short (the client gave up)
// never reaches the registry. No wall clock is involved.
func TestLatencyDelaysEveryRequest(t *testing.T) {
	var mu sync.Mutex
	var slept []time.Duration
	var fail error
	l := Latency{D: 50 * time.Millisecond, Sleep: func(_ context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		slept = append(slept, d)
		return fail
	}}
	reached := 0
	h := l.Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { reached++ }))
	for _, path := range []string{"/v2/", "/token", "/v2/ns/app/manifests/1.0", "/v2/ns/app/blobs/sha256:aa"} {
		status(h, http.MethodGet, path)
	}
	if len(slept) != 4 || reached != 4 {
		t.Fatalf("slept %v, reached the registry %d times; want 4 sleeps of 50ms and 4 requests", slept, reached)
	}
	for _, d := range slept {
		if d != 50*time.Millisecond {
			t.Fatalf("slept %v, want 50ms each", slept)
		}
	}
	fail = context.Canceled
	status(h, http.MethodGet, "/v2/")
	if reached != 4 {
		t.Fatal("a request whose delay was cut short reached the registry")
	}
	l.D = 0
	if status(l.Middleware(okHandler()), http.MethodGet, "/v2/") != http.StatusOK || len(slept) != 5 {
		t.Fatalf("D = 0 slept (%d sleeps, want 5 from before)", len(slept))
	}
}

// TestSleepCtxStopsWithTheContext: the default sleep returns at once, with
// the context's error, when the client is gone.
func TestSleepCtxStopsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleepCtx(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("sleepCtx on a cancelled context: %v", err)
	}
	if err := sleepCtx(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
}

func TestKind(t *testing.T) {
	for _, tt := range []struct{ method, target, want string }{
		{"GET", "/v2/", KindPing},
		{"GET", "/token?scope=repository:a:pull", KindToken},
		{"HEAD", "/v2/ns/app/manifests/1.0", KindManifestHead},
		{"GET", "/v2/ns/app/manifests/sha256:aa", KindManifestGet},
		{"PUT", "/v2/ns/app/manifests/1.0", KindManifestPut},
		{"HEAD", "/v2/ns/app/blobs/sha256:aa", KindBlobHead},
		{"GET", "/v2/ns/app/blobs/sha256:aa", KindBlobGet},
		{"POST", "/v2/ns/app/blobs/uploads/", KindUploadPost},
		{"POST", "/v2/ns/app/blobs/uploads/?mount=sha256:aa&from=ns/other", KindMount},
		{"PATCH", "/v2/ns/app/blobs/uploads/id1", KindUploadPatch},
		{"PUT", "/v2/ns/app/blobs/uploads/id1?digest=sha256:aa", KindUploadPut},
		{"GET", "/v2/ns/app/blobs/uploads/id1", KindUploadStatus},
		{"GET", "/v2/ns/app/tags/list", KindTags},
		{"DELETE", "/v2/ns/app/manifests/sha256:aa", KindOther},
		{"GET", "/v2/_catalog", KindOther},
	} {
		if got := Kind(httptest.NewRequest(tt.method, tt.target, nil)); got != tt.want {
			t.Errorf("%s %s: %q, want %q", tt.method, tt.target, got, tt.want)
		}
	}
}

// TestCounterCountsKindsAndChallenges: every request is counted once by
// kind, 401 answers also under KindUnauthorized, and Take starts again.
func TestCounterCountsKindsAndChallenges(t *testing.T) {
	var c Counter
	h := c.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte("ok")) // an implicit 200
	}))
	status(h, "GET", "/v2/")
	status(h, "GET", "/token")
	status(h, "HEAD", "/v2/a/blobs/sha256:aa")
	status(h, "HEAD", "/v2/a/blobs/sha256:bb")
	want := map[string]int{KindPing: 1, KindUnauthorized: 1, KindToken: 1, KindBlobHead: 2}
	got := c.Take()
	if len(got) != len(want) {
		t.Fatalf("counts %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Fatalf("counts %v, want %v", got, want)
		}
	}
	if len(c.Counts()) != 0 {
		t.Fatalf("after Take: %v, want nothing", c.Counts())
	}
}

// TestListenerDelaysEachNewConnectionOnce: the first read of each accepted
// connection waits D (the handshake's round trip), later reads do not, and
// the counter sees each connection.
func TestListenerDelaysEachNewConnectionOnce(t *testing.T) {
	var mu sync.Mutex
	var slept []time.Duration
	l := Latency{D: 50 * time.Millisecond, Sleep: func(_ context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		slept = append(slept, d)
		return nil
	}}
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var c Counter
	ln := c.Listener(l.Listener(inner))
	defer ln.Close()
	for range 2 {
		client, err := net.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		if _, err := client.Write([]byte("ab")); err != nil {
			t.Fatal(err)
		}
		server, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		defer server.Close()
		for range 2 {
			if _, err := io.ReadFull(server, make([]byte, 1)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(slept) != 2 || slept[0] != l.D || slept[1] != l.D {
		t.Fatalf("slept %v, want 50ms once per connection (2)", slept)
	}
	if got := c.Counts()[KindConnection]; got != 2 {
		t.Fatalf("counted %d connections, want 2", got)
	}
}
