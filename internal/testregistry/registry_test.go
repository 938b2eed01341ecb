package testregistry_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// implementations runs a subtest against each real registry.
var implementations = []struct {
	name  string
	start func(testing.TB, ...testregistry.Option) *testregistry.Registry
}{
	{"distribution", testregistry.Start},
	{"olareg", testregistry.StartOlareg},
}

// push writes a small random image to reg/repo:tag with ggcr.
func push(t *testing.T, reg *testregistry.Registry, repo string, opts ...remote.Option) (v1.Image, name.Reference, error) {
	t.Helper()
	img, err := random.Image(2048, 2)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(reg.Host + "/" + repo + ":v1")
	if err != nil {
		t.Fatal(err)
	}
	opts = append(opts, remote.WithContext(context.Background()))
	return img, ref, remote.Write(ref, img, opts...)
}

// statusOf extracts the HTTP status from a ggcr error (0 if none).
func statusOf(err error) int {
	var te *transport.Error
	if errors.As(err, &te) {
		return te.StatusCode
	}
	return 0
}

func TestPushPullRoundTrip(t *testing.T) {
	for _, impl := range implementations {
		t.Run(impl.name, func(t *testing.T) {
			reg := impl.start(t)
			img, ref, err := push(t, reg, "ns/app")
			if err != nil {
				t.Fatalf("push: %v", err)
			}
			reg.Reset()
			got, err := remote.Image(ref)
			if err != nil {
				t.Fatalf("pull: %v", err)
			}
			want, _ := img.Digest()
			if d, _ := got.Digest(); d != want {
				t.Fatalf("digest %s, want %s", d, want)
			}
			var size int64
			layers, _ := got.Layers()
			for _, l := range layers {
				rc, err := l.Compressed()
				if err != nil {
					t.Fatal(err)
				}
				n, err := io.Copy(io.Discard, rc)
				rc.Close()
				if err != nil {
					t.Fatal(err)
				}
				size += n
			}
			cfg, _ := got.RawConfigFile()
			// remote.Image fetched the config blob too.
			if out := reg.BlobBytesOut(); out != size+int64(len(cfg)) {
				t.Errorf("BlobBytesOut = %d, want %d", out, size+int64(len(cfg)))
			}
			reg.Reset()
			if n := len(reg.Requests()); n != 0 {
				t.Errorf("after Reset: %d entries", n)
			}
		})
	}
}

func TestRequestLogRange(t *testing.T) {
	for _, impl := range implementations {
		t.Run(impl.name, func(t *testing.T) {
			reg := impl.start(t)
			img, ref, err := push(t, reg, "ranged")
			if err != nil {
				t.Fatal(err)
			}
			layers, _ := img.Layers()
			dig, _ := layers[0].Digest()
			size, _ := layers[0].Size()
			reg.Reset()
			req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/v2/%s/blobs/%s", reg.URL, ref.Context().RepositoryStr(), dig), nil)
			req.Header.Set("Range", "bytes=100-")
			resp, err := reg.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			logs := reg.Requests()
			if len(logs) != 1 {
				t.Fatalf("%d log entries, want 1: %+v", len(logs), logs)
			}
			l := logs[0]
			if l.Status != http.StatusPartialContent || l.Range != "bytes=100-" || l.BytesOut != n || n != size-100 {
				t.Errorf("entry %+v; read %d of %d", l, n, size)
			}
			if want := fmt.Sprintf("bytes 100-%d/%d", size-1, size); l.ContentRange != want {
				t.Errorf("ContentRange %q, want %q", l.ContentRange, want)
			}
			if !l.IsBlobGet() || l.IsBlobUpload() {
				t.Errorf("classification wrong for %+v", l)
			}
		})
	}
}

func TestBasicAuth(t *testing.T) {
	for _, impl := range implementations {
		t.Run(impl.name, func(t *testing.T) {
			reg := impl.start(t, testregistry.WithBasicAuth("alice", "s3cret"))
			tests := []struct {
				name string
				auth authn.Authenticator
				want int // 0: success
			}{
				{"anonymous", authn.Anonymous, http.StatusUnauthorized},
				{"wrong password", &authn.Basic{Username: "alice", Password: "nope"}, http.StatusUnauthorized},
				{"valid", &authn.Basic{Username: "alice", Password: "s3cret"}, 0},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					_, _, err := push(t, reg, "private", remote.WithAuth(tt.auth))
					if tt.want == 0 && err != nil {
						t.Fatalf("push: %v", err)
					}
					if tt.want != 0 && statusOf(err) != tt.want {
						t.Fatalf("push error %v, want status %d", err, tt.want)
					}
				})
			}
			var basic int
			for _, l := range reg.Requests() {
				if l.AuthScheme == "Basic" {
					basic++
				}
			}
			if basic == 0 {
				t.Error("no request carried Basic credentials")
			}
		})
	}
}

func TestOlaregDiskStore(t *testing.T) {
	reg := testregistry.StartOlareg(t, testregistry.WithDiskStore())
	// One job: olareg's directory store races on a new repository (see StartOlareg).
	img, ref, err := push(t, reg, "disk/app", remote.WithJobs(1))
	if err != nil {
		t.Fatal(err)
	}
	got, err := remote.Image(ref)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := mustDigest(t, img), mustDigest(t, got); a != b {
		t.Fatalf("digest %s, want %s", b, a)
	}
}

func mustDigest(t *testing.T, img v1.Image) v1.Hash {
	t.Helper()
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}
