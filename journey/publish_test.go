package journey

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/layout/layouttest"
	"github.com/docker-zarf/docker-zarf/registry"
)

const testUser, testPass = "bob", "s3cret"

// userKeychain answers every registry with testUser.
type userKeychain struct{}

func (userKeychain) Resolve(authn.Resource) (authn.Authenticator, error) {
	return authn.FromConfig(authn.AuthConfig{Username: testUser, Password: testPass}), nil
}

// bearerClient is a fresh client, so that its ping and token count.
func bearerClient() *registry.Client {
	return registry.New(registry.Options{PlainHTTP: true, Keychain: userKeychain{}})
}

// manyFiles is a package of n small files, like an image-heavy package.
func manyFiles(n int) map[string]layouttest.Content {
	files := map[string]layouttest.Content{}
	for i := range n {
		files[fmt.Sprintf("images/blobs/sha256/f%03d", i)] = layouttest.Random(int64(100+i), uint64(i+1))
	}
	return files
}

func openBuilt(t *testing.T, spec layouttest.Spec) *layout.Package {
	t.Helper()
	pkg, err := layout.Open(context.Background(), layouttest.Build(t, t.TempDir(), spec))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pkg.Close() })
	return pkg
}

// TestRepublishUnchangedAsksLittle: publishing a package that the tag
// already holds costs a ping, a token and two reads, however many files it
// has and whatever its form, and moves nothing. Before, it cost a HEAD per
// file, a config upload and the index read-modify-write: 53 requests for
// these 40 files.
func TestRepublishUnchangedAsksLittle(t *testing.T) {
	for _, form := range []layouttest.Form{layouttest.FormDir, layouttest.FormTar, layouttest.FormTarZst, layouttest.FormSplit} {
		t.Run(string(form), func(t *testing.T) {
			reg := testregistry.Start(t, testregistry.WithBearerAuth(testUser, testPass, 0))
			ctx := context.Background()
			pkg := openBuilt(t, layouttest.Spec{Name: "many", Version: "1.0.0", Form: form, Files: manyFiles(40)})
			ns, err := ParseRepository("oci://" + reg.Host + "/ns")
			if err != nil {
				t.Fatal(err)
			}
			first, err := Publish(ctx, bearerClient(), pkg, ns, PublishOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if first.Unchanged {
				t.Error("the first publish says unchanged")
			}
			reg.Reset()
			again, err := Publish(ctx, bearerClient(), pkg, ns, PublishOptions{})
			if err != nil {
				t.Fatal(err)
			}
			reqs := reg.Requests()
			for _, r := range reqs {
				t.Logf("%s %s %d", r.Method, r.Path, r.Status)
				if r.Method != "GET" && r.Method != "HEAD" {
					t.Errorf("a republish wrote: %s %s", r.Method, r.Path)
				}
			}
			if len(reqs) > 5 {
				t.Errorf("republishing an unchanged package took %d requests, want at most 5", len(reqs))
			}
			if !again.Unchanged || again.Digest != first.Digest || again.IndexDigest != first.IndexDigest {
				t.Errorf("republish = %+v, want the first publish's %+v, unchanged", again, first)
			}
		})
	}
}

// TestRetagSendsNoBlobRequests: publishing a package whose manifest the
// repository holds under another tag only moves the new tag: no existence
// check or upload of any blob, and the manifest is not pushed again.
// Before, every file got a HEAD and the config went up again.
func TestRetagSendsNoBlobRequests(t *testing.T) {
	reg := testregistry.Start(t)
	ctx := context.Background()
	pkg := openBuilt(t, layouttest.Spec{Name: "many", Version: "1.0.0", Files: manyFiles(10)})
	ns, err := ParseRepository("oci://" + reg.Host + "/ns")
	if err != nil {
		t.Fatal(err)
	}
	first, err := Publish(ctx, plainClient(), pkg, ns, PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	reg.Reset()
	again, err := Publish(ctx, plainClient(), pkg, ns, PublishOptions{Tag: "stable"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reg.Requests() {
		if strings.Contains(r.Path, "/blobs/") || (r.Method == "PUT" && strings.Contains(r.Path, "/manifests/sha256:")) {
			t.Errorf("retagging sent %s %s", r.Method, r.Path)
		}
	}
	if again.Unchanged || again.Digest != first.Digest || !strings.HasSuffix(again.Reference, ":stable") {
		t.Errorf("retag = %+v, want %s under :stable, moved", again, first.Digest)
	}
	if got := indexArchitectures(t, reg, "ns/many", "stable"); len(got) != 1 || got[0] != "amd64" {
		t.Errorf("the new tag's index holds %v", got)
	}
}
