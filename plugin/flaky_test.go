package plugin

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/layout/layouttest"
)

// TestFlakyNetworkAtTheCommandLine (issue 14): through a proxy that answers
// 503 to 15% of requests and cuts every other body over 1 MiB halfway,
// publishes and pulls with default flags (no --chunk-size, default
// --retries) of a package with a 33 MiB entry all succeed, and every pull
// is the package byte for byte. DZ_FLAKY_ROUNDS sets the rounds (each one
// publish and one pull); make test runs 2, the closing note's figures
// come from 50.
func TestFlakyNetworkAtTheCommandLine(t *testing.T) {
	rounds := 2
	if s := os.Getenv("DZ_FLAKY_ROUNDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("DZ_FLAKY_ROUNDS=%q: %v", s, err)
		}
		rounds = n
	}
	src := layouttest.Build(t, t.TempDir(), layouttest.Spec{Name: "flaky", Version: "1.0.0", Arch: "amd64",
		Files: map[string]layouttest.Content{
			"components/big.tar":   layouttest.Random(33<<20, 14),
			"components/mid.tar":   layouttest.Random(5<<20, 15),
			"components/small.tar": layouttest.Random(200<<10, 16),
		}})
	p := faultproxy.New(14)
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	p.Set(append(faultproxy.CutLargeBodies(1<<20), faultproxy.ServerErrorRate(503, 0.15, nil))...)
	cfg := emptyConfig(t)
	failed := 0
	for round := range rounds {
		ns := fmt.Sprintf("oci://%s/r%d", reg.Host, round)
		if r := runCLI(t, cfg, "publish", src, ns, "-q"); r.err != nil {
			failed++
			t.Errorf("round %d publish: %s", round, Describe(r.err))
			continue
		}
		out := t.TempDir()
		r := runCLI(t, cfg, "pull", ns+"/flaky:1.0.0", "-a", "amd64", "-o", out, "--cache", t.TempDir(), "-q")
		if r.err != nil {
			failed++
			t.Errorf("round %d pull: %s", round, Describe(r.err))
			continue
		}
		checkArchive(t, strings.TrimSpace(r.stdout), src)
	}
	t.Logf("%d rounds, %d failures; the proxy answered 503 %d times, read %d and wrote %d body bytes",
		rounds, failed, p.Fired(faultproxy.NameServerError), p.BytesIn(), p.BytesOut())
}
