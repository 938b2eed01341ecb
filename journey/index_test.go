package journey

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/layout/layouttest"
	"github.com/docker-zarf/docker-zarf/manifest"
	"github.com/docker-zarf/docker-zarf/registry"
)

// TestConcurrentPublishesKeepEveryArchitecture: an amd64 and an arm64
// publish to one tag at the same moment both end up in its index. Before
// the read-back, one architecture vanished in most rounds while both
// commands succeeded.
func TestConcurrentPublishesKeepEveryArchitecture(t *testing.T) {
	reg := testregistry.Start(t)
	ctx := context.Background()
	archs := []string{"amd64", "arm64"}
	pkgs := map[string]*layout.Package{}
	for i, arch := range archs {
		src := layouttest.Build(t, t.TempDir(), layouttest.Spec{Name: "race", Version: "1.0.0", Arch: arch,
			Files: map[string]layouttest.Content{"components/a.tar": layouttest.Random(4<<10, uint64(i+1))}})
		pkg, err := layout.Open(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		defer pkg.Close()
		pkgs[arch] = pkg
	}
	const rounds = 20
	lost := 0
	for round := range rounds {
		ns, err := ParseRepository(fmt.Sprintf("oci://%s/r%d", reg.Host, round))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for _, arch := range archs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := Publish(ctx, plainClient(), pkgs[arch], ns, PublishOptions{}); err != nil {
					t.Errorf("round %d %s: %v", round, arch, err)
				}
			}()
		}
		wg.Wait()
		got := indexArchitectures(t, reg, fmt.Sprintf("r%d/race", round), "1.0.0")
		if !slices.Equal(got, archs) {
			lost++
			t.Errorf("round %d: the index holds %v, want %v", round, got, archs)
		}
	}
	t.Logf("lost index entries in %d of %d concurrent rounds", lost, rounds)
}

func indexArchitectures(t *testing.T, reg *testregistry.Registry, repo, tag string) []string {
	t.Helper()
	ref, err := ParseReference("oci://" + reg.Host + "/" + repo + ":" + tag)
	if err != nil {
		t.Fatal(err)
	}
	_, body, err := plainClient().Resolve(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := manifest.ParseIndex(body)
	if err != nil {
		t.Fatal(err)
	}
	var archs []string
	for _, m := range idx.Manifests {
		archs = append(archs, m.Platform.Architecture)
	}
	slices.Sort(archs)
	return archs
}

// TestIndexRejectedNeedsACode: only a 415, or a 400 whose OCI error code
// says the index is invalid or unsupported, sends publish to the lone
// manifest fallback. A bare 400 (a proxy, a broken request) must fail, or
// the fallback would drop every other architecture from the tag.
func TestIndexRejectedNeedsACode(t *testing.T) {
	for _, tc := range []struct {
		status int
		code   string
		want   bool
	}{
		{415, "", true},
		{415, "UNSUPPORTED", true},
		{400, "MANIFEST_INVALID", true},
		{400, "UNSUPPORTED", true},
		{400, "", false},
		{400, "NAME_INVALID", false},
		{500, "", false},
	} {
		err := fmt.Errorf("pushing: %w", &registry.Error{Op: "PUT manifest", StatusCode: tc.status, Code: tc.code})
		if got := indexRejected(err); got != tc.want {
			t.Errorf("indexRejected(%d %q) = %v, want %v", tc.status, tc.code, got, tc.want)
		}
	}
}
