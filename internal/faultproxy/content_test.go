package faultproxy_test

import (
	"encoding/json"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func TestCorruptBlob(t *testing.T) {
	p, reg := setup(t)
	img, err := pushImage(t, reg, "ns/c:v1", 4096)
	if err != nil {
		t.Fatal(err)
	}
	layers, _ := img.Layers()
	dig, _ := layers[0].Digest()
	size, _ := layers[0].Size()
	p.Set(faultproxy.CorruptBlob(1))
	_, body, err := do(t, reg, "GET", "/v2/ns/c/blobs/"+dig.String(), nil, nil)
	if err != nil || int64(len(body)) != size || digestOf(body) == dig.String() {
		t.Fatalf("corrupted GET: %d bytes, digest %s, %v", len(body), digestOf(body), err)
	}
	// ggcr verifies while streaming and must refuse the second corruption.
	p.Set(faultproxy.CorruptBlob(1))
	pulled, err := remote.Image(ref(t, reg, "ns/c:v1"))
	if err != nil {
		t.Fatal(err)
	}
	pl, _ := pulled.LayerByDigest(dig)
	rc, err := pl.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := io.Copy(io.Discard, rc); err == nil {
		t.Fatal("ggcr accepted a corrupted blob")
	}
	if p.Fired(faultproxy.NameCorruptBlob) != 1 {
		t.Fatal("corruption did not fire once")
	}
}

func TestOversizedManifest(t *testing.T) {
	const size = 5 << 20
	for _, withLength := range []bool{true, false} {
		p, reg := setup(t)
		p.Set(faultproxy.Scenario{Match: faultproxy.ManifestGet, Action: faultproxy.ServeOversizedManifest(size, withLength)})
		resp, body, err := do(t, reg, "GET", "/v2/ns/any/manifests/v1", nil, nil)
		if err != nil || len(body) != size || !json.Valid(body) {
			t.Fatalf("withLength=%v: %d bytes, %v", withLength, len(body), err)
		}
		if (resp.ContentLength == size) != withLength {
			t.Fatalf("withLength=%v: Content-Length %d", withLength, resp.ContentLength)
		}
	}
	p, reg := setup(t)
	p.Set(faultproxy.OversizedManifest(size))
	if resp, _, err := do(t, reg, "HEAD", "/v2/ns/any/manifests/v1", nil, nil); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("HEAD must reach the registry (no such manifest): %v %v", resp, err)
	}
	if resp, _, err := do(t, reg, "GET", "/v2/ns/any/manifests/v1", nil, nil); err != nil || resp.ContentLength != size {
		t.Fatalf("recipe GET: %v %v", resp, err)
	}
	if p.Fired(faultproxy.NameOversizedManifest) != 1 {
		t.Fatal("recipe did not fire once")
	}
}

func TestTagMoved(t *testing.T) {
	p, reg := setup(t)
	if _, err := pushImage(t, reg, "ns/t:1.0", 1024); err != nil {
		t.Fatal(err)
	}
	var moveErr error
	p.Set(faultproxy.TagMoved("ns/t", "1.0", func() {
		_, moveErr = pushImage(t, reg, "ns/t:1.0", 1024)
	}))
	first, err := remote.Get(ref(t, reg, "ns/t:1.0"))
	if err != nil || moveErr != nil {
		t.Fatalf("first GET: %v, move: %v", err, moveErr)
	}
	second, err := remote.Get(ref(t, reg, "ns/t:1.0"))
	if err != nil {
		t.Fatal(err)
	}
	if first.Digest == second.Digest {
		t.Fatal("tag did not move between the two GETs")
	}
}

func TestSlow(t *testing.T) {
	p, reg := setup(t)
	const d = 150 * time.Millisecond
	p.Set(faultproxy.Slow(d, nil))
	start := time.Now()
	resp, _, err := do(t, reg, "GET", "/v2/", nil, nil)
	if err != nil || resp.StatusCode != http.StatusOK || time.Since(start) < d {
		t.Fatalf("slow GET: %v %v after %s", resp, err, time.Since(start))
	}
	// A client that gives up is not held.
	p.Set(faultproxy.Slow(time.Hour, nil))
	c := reg.Client()
	c.Timeout = 100 * time.Millisecond
	if _, err := c.Get(reg.URL + "/v2/"); err == nil {
		t.Fatal("hour-long delay answered")
	}
	// Cleanup closes the server: it must not wait for the hour.
}

func TestOnRequestHookPassesThrough(t *testing.T) {
	p, reg := setup(t)
	var seen atomic.Int32
	p.Set(faultproxy.Scenario{Name: "hook", Match: faultproxy.UploadStart,
		Action: faultproxy.OnRequest(func(*http.Request) { seen.Add(1) })})
	if _, err := pushImage(t, reg, "ns/h:v1", 1024); err != nil {
		t.Fatalf("push through the hook: %v", err)
	}
	if n := seen.Load(); n == 0 || int(n) != p.Fired("hook") {
		t.Fatalf("hook ran %d times, fired %d", n, p.Fired("hook"))
	}
}
