package plugin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/journey"
	"github.com/docker-zarf/docker-zarf/layout/layouttest"
	"github.com/docker-zarf/docker-zarf/registry"
)

func TestExitCodes(t *testing.T) {
	cases := []struct {
		err  error
		want int
	}{
		{errors.New("boom"), ExitFailure},
		{fmt.Errorf("x: %w", context.Canceled), ExitCanceled},
		{&registry.Error{StatusCode: 401}, ExitFailure},
	}
	for _, tc := range cases {
		if got := exitCode(tc.err); got != tc.want {
			t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

// TestRegistryErrorsAtTheCommandLine drives each permanent fault through a
// real command and checks the one line the user gets, and that a failed
// publish never tagged anything.
func TestRegistryErrorsAtTheCommandLine(t *testing.T) {
	src := layouttest.Build(t, t.TempDir(), layouttest.Spec{Name: faultPkgName,
		Files: map[string]layouttest.Content{"components/app.tar": layouttest.Random(96<<10, 9)}})
	appDigest := layouttest.Random(96<<10, 9).Digest()
	cases := []struct {
		name     string
		scenario faultproxy.Scenario
		pull     bool     // publish cleanly first, then pull with the fault
		args     []string // extra flags
		want     string   // with HOST for the registry's host
	}{
		{"403", faultproxy.Scenario{Name: "denied", Match: faultproxy.UploadStart, Action: faultproxy.Error(403, "DENIED", "requested access to the resource is denied")},
			false, nil, "authentication required for HOST: run docker login HOST"},
		{"404 push", faultproxy.MissingRepository("ns/" + faultPkgName), false, nil,
			"repository ns/" + faultPkgName + " does not exist; some registries (ECR) need it created first"},
		{"413", faultproxy.BodyLimit(32 << 10), false, nil, "publish with --chunk-size"},
		{"416", faultproxy.ChunkLimit(32 << 10), false, []string{"--chunk-size", "64KiB"}, "use a smaller --chunk-size"},
		{"manifest invalid", faultproxy.ManifestInvalid(), false, nil, "pushing the manifest: PUT manifest HOST/ns/" + faultPkgName + ": 400 Bad Request: MANIFEST_INVALID"},
		{"429 forever", faultproxy.RateLimit(0, nil), false, []string{"--retries", "1"}, "HOST is rate limiting requests (429)"},
		{"digest mismatch", faultproxy.Scenario{Name: "corrupt", Match: faultproxy.All(faultproxy.BlobGet, faultproxy.Ref(appDigest)), Action: faultproxy.CorruptBody(100)},
			true, nil, "pulling layer components/app.tar: "},
		{"oversized manifest", faultproxy.OversizedManifest(5 << 20), true, nil, "manifest larger than 4 MiB"},
		{"oversized chunked", faultproxy.Scenario{Name: "big", Match: faultproxy.ManifestGet, Action: faultproxy.ServeOversizedManifest(5<<20, false)},
			true, nil, "manifest larger than 4 MiB"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := faultproxy.New(1)
			reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
			cfg := emptyConfig(t)
			want := strings.ReplaceAll(tc.want, "HOST", reg.Host)
			publish := append([]string{"publish", src, "oci://" + reg.Host + "/ns", "--plain-http", "-q"}, tc.args...)
			if !tc.pull {
				p.Set(tc.scenario)
				mustFail(t, runCLI(t, cfg, publish...), want)
				if tc.name == "413" {
					// The advice works: chunks under the limit get through.
					mustSucceed(t, runCLI(t, cfg, append(publish, "--chunk-size", "16KiB")...))
					if p.Fired(faultproxy.NameBodyLimit) == 0 {
						t.Fatal("the body limit never fired")
					}
					return
				}
				p.Clear()
				if tags := registryTags(t, reg, "ns/"+faultPkgName); len(tags) != 0 {
					t.Fatalf("a failed publish left tags %v", tags)
				}
				return
			}
			mustSucceed(t, runCLI(t, cfg, publish...))
			p.Set(tc.scenario)
			out := t.TempDir()
			r := runCLI(t, cfg, "pull", "oci://"+reg.Host+"/ns/"+faultPkgName+":0.0.1", "--plain-http", "-a", "amd64", "-o", out, "--no-cache")
			mustFail(t, r, want)
			if tc.name == "digest mismatch" && !strings.Contains(Describe(r.err), "digest mismatch") {
				t.Fatalf("%q does not say digest mismatch", Describe(r.err))
			}
			if left, _ := os.ReadDir(out); len(left) != 0 {
				t.Fatalf("a failed pull left %v in the output directory", left)
			}
		})
	}
}

// registryTags lists repo's tags straight from the registry (none when the
// repository does not exist).
func registryTags(t *testing.T, reg *testregistry.Registry, repo string) []string {
	t.Helper()
	ref, err := journey.ParseRepository("oci://" + reg.Host + "/" + repo)
	if err != nil {
		t.Fatal(err)
	}
	tags, err := registry.New(registry.Options{PlainHTTP: true}).Tags(context.Background(), ref)
	if err != nil {
		var rerr *registry.Error
		if errors.As(err, &rerr) && rerr.StatusCode == 404 {
			return nil
		}
		t.Fatal(err)
	}
	return tags
}
