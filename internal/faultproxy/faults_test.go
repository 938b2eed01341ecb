package faultproxy_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func TestPassThrough(t *testing.T) {
	p, reg := setup(t)
	// Scenarios that match nothing in a push/pull must not disturb it.
	p.Set(faultproxy.MissingRepository("elsewhere"), faultproxy.ChunkLimit(1))
	img, err := pushImage(t, reg, "ns/ok:v1", 4096)
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	got, err := remote.Image(ref(t, reg, "ns/ok:v1"))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()
	if d, _ := got.Digest(); d != want {
		t.Fatalf("digest %s, want %s", d, want)
	}
	if p.Fired(faultproxy.NameMissingRepository)+p.Fired(faultproxy.NameChunkLimit) != 0 {
		t.Fatal("a non-matching scenario fired")
	}
}

func TestDropUploadKeepsReceivedBytes(t *testing.T) {
	p, reg := setup(t)
	data := payload(100 << 10)
	const after = 30 << 10
	p.Set(faultproxy.DropUpload(after, 1))
	loc := startUpload(t, reg, "ns/up")
	_, _, err := do(t, reg, "PATCH", loc, noLength{bytes.NewReader(data)}, map[string]string{"Content-Type": "application/octet-stream"})
	if err == nil {
		t.Fatal("PATCH survived the drop")
	}
	if p.Fired(faultproxy.NameDropUpload) != 1 {
		t.Fatal("scenario did not fire")
	}
	patches := 0
	for _, l := range reg.Requests() {
		if l.Method == "PATCH" {
			patches++
			if !l.Aborted || l.BytesIn != after || l.Status != 0 {
				t.Fatalf("log %+v, want aborted with %d bytes in and no status", l, after)
			}
		}
	}
	if patches != 1 {
		t.Fatalf("%d PATCHes logged", patches)
	}
	// The real registry kept what arrived: resume from its offset.
	resp, _, err := do(t, reg, "GET", loc, nil, nil)
	if err != nil || resp.Header.Get("Range") != fmt.Sprintf("0-%d", after-1) {
		t.Fatalf("upload status %v %v", resp, err)
	}
	// distribution signs the offset into the location's _state: use the new one.
	loc = abs(reg, resp.Header.Get("Location"))
	rest := data[after:]
	resp, _, err = do(t, reg, "PATCH", loc, bytes.NewReader(rest), map[string]string{
		"Content-Type":  "application/octet-stream",
		"Content-Range": fmt.Sprintf("%d-%d", after, len(data)-1),
	})
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("resumed PATCH: %v %v", resp, err)
	}
	resp, _, err = do(t, reg, "PUT", withQuery(abs(reg, resp.Header.Get("Location")), "digest="+digestOf(data)), nil, nil)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("commit: %v %v (the registry holds different bytes)", resp, err)
	}
}

func TestDropDownload(t *testing.T) {
	p, reg := setup(t)
	img, err := pushImage(t, reg, "ns/down:v1", 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	layers, _ := img.Layers()
	dig, _ := layers[0].Digest()
	size, _ := layers[0].Size()
	const after = 10000
	p.Set(faultproxy.DropDownload(after, 1))
	reg.Reset()
	path := "/v2/ns/down/blobs/" + dig.String()
	resp, body, err := do(t, reg, "GET", path, nil, nil)
	if !errors.Is(err, io.ErrUnexpectedEOF) || len(body) != after || resp.ContentLength != size {
		t.Fatalf("interrupted GET: read %d (Content-Length %d), err %v", len(body), resp.ContentLength, err)
	}
	if l := reg.Requests()[0]; !l.Aborted || l.BytesOut != after || l.Status != http.StatusOK {
		t.Fatalf("log %+v", l)
	}
	if _, body, err = do(t, reg, "GET", path, nil, nil); err != nil || int64(len(body)) != size {
		t.Fatalf("second GET: %d bytes, %v", len(body), err)
	}
}

func TestServerErrorBursts(t *testing.T) {
	for _, code := range []int{500, 502, 503} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			p, reg := setup(t)
			p.Set(faultproxy.ServerError(code, 2, nil))
			var got []int
			for range 3 {
				resp, body, err := do(t, reg, "GET", "/v2/", nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode == code && !bytes.Contains(body, []byte(`"code":"UNKNOWN"`)) {
					t.Errorf("error body %s", body)
				}
				got = append(got, resp.StatusCode)
			}
			if got[0] != code || got[1] != code || got[2] != 200 {
				t.Fatalf("statuses %v", got)
			}
		})
	}
}

func TestRateLimit(t *testing.T) {
	p, reg := setup(t)
	if _, err := pushImage(t, reg, "ns/rl:v1", 1024); err != nil {
		t.Fatal(err)
	}
	p.Set(faultproxy.RateLimit(1, faultproxy.ManifestHead))
	resp, _, err := do(t, reg, "HEAD", "/v2/ns/rl/manifests/v1", nil, nil)
	if err != nil || resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("first HEAD: %v %v", resp, err)
	}
	if resp, _, _ := do(t, reg, "HEAD", "/v2/ns/rl/manifests/v1", nil, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("second HEAD: %d", resp.StatusCode)
	}
}

func TestPatchCreated(t *testing.T) {
	p, reg := setup(t)
	p.Set(faultproxy.PatchCreated())
	data := payload(5000)
	loc := startUpload(t, reg, "ns/ecr")
	resp, _, err := do(t, reg, "PATCH", loc, bytes.NewReader(data), nil)
	if err != nil || resp.StatusCode != http.StatusCreated || resp.Header.Get("Location") == "" {
		t.Fatalf("PATCH: %v %v", resp, err)
	}
	if resp, _, err = do(t, reg, "PUT", withQuery(abs(reg, resp.Header.Get("Location")), "digest="+digestOf(data)), nil, nil); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("commit after a 201 PATCH: %v %v", resp, err)
	}
	// A failing PATCH keeps its real status.
	resp, _, _ = do(t, reg, "PATCH", reg.URL+"/v2/ns/ecr/blobs/uploads/nonexistent", bytes.NewReader(data), nil)
	if resp.StatusCode == http.StatusCreated {
		t.Fatal("error status rewritten")
	}
}
