package plugin

import (
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/journey"
	"github.com/docker-zarf/docker-zarf/layout/layouttest"
)

const streamMin = journey.StreamMin

// TestPullStreamsBigBlobsIntoArchives: with no cache to fill, a blob of
// streamMin or more goes from the registry straight into the archive: it is
// fetched once, survives a dropped connection (resumed with Range), and a
// corrupt one fails the pull, naming the file, with nothing left behind.
func TestPullStreamsBigBlobsIntoArchives(t *testing.T) {
	big := layouttest.Random(streamMin+(1<<20), 11)
	src := layouttest.Build(t, t.TempDir(), layouttest.Spec{Name: "stream", Version: "1.0.0", Arch: "amd64",
		Files: map[string]layouttest.Content{"components/big.tar": big, "components/small.tar": layouttest.Random(64<<10, 12)}})
	p := faultproxy.New(3)
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	cfg := emptyConfig(t)
	mustSucceed(t, runCLI(t, cfg, "publish", src, "oci://"+reg.Host+"/s", "-q"))
	ref := "oci://" + reg.Host + "/s/stream:1.0.0"
	bigGet := faultproxy.All(faultproxy.BlobGet, faultproxy.Ref(big.Digest()))

	for _, tc := range []struct {
		name   string
		fault  *faultproxy.Scenario
		format string
	}{
		{"tar.zst", nil, "tar.zst"},
		{"tar, dropped twice", &faultproxy.Scenario{Name: "drop-big", Match: bigGet, Action: faultproxy.DropResponseAfter(5 << 20), Count: 2}, "tar"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.fault != nil {
				p.Set(*tc.fault)
				defer p.Clear()
			}
			reg.Reset()
			out := t.TempDir()
			r := mustSucceed(t, runCLI(t, cfg, "pull", ref, "-a", "amd64", "--no-cache", "--package-format", tc.format, "-o", out))
			checkArchive(t, strings.TrimSpace(r.stdout), src)
			var bigBytes int64
			for _, l := range reg.Requests() {
				if l.IsBlobGet() && strings.Contains(l.Path, big.Digest()) {
					bigBytes += l.BytesOut
				}
			}
			if bigBytes != big.Size() {
				t.Errorf("the big blob took %d bytes from the registry, want exactly %d", bigBytes, big.Size())
			}
			if names := dirNames(t, out); len(names) != 1 {
				t.Errorf("output holds %v", names)
			}
		})
	}
	t.Run("corrupt", func(t *testing.T) {
		p.Set(faultproxy.Scenario{Name: "corrupt-big", Match: bigGet, Action: faultproxy.CorruptBody(streamMin / 2)})
		defer p.Clear()
		out := t.TempDir()
		mustFail(t, runCLI(t, cfg, "pull", ref, "-a", "amd64", "--no-cache", "-o", out), "components/big.tar")
		if names := dirNames(t, out); len(names) != 0 {
			t.Fatalf("a failed pull left %v", names)
		}
	})
}
