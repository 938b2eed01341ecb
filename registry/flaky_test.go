package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

// lineCounter counts the debug lines that start with prefix.
type lineCounter struct {
	prefix string
	n      atomic.Int64
}

func (l *lineCounter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(string(p), "\n") {
		if strings.HasPrefix(line, l.prefix) {
			l.n.Add(1)
		}
	}
	return len(p), nil
}

// TestFlakyNetwork is issue 14's bar. Through a proxy that answers 503 to
// 15% of all requests (seeded) and cuts every other blob body over 1 MiB
// halfway, in both directions, with default options (no ChunkSize, the
// default retries), runs of pushes and fetches of a set of blobs, one over
// 32 MiB, all succeed and every byte read back is verified. Uploads
// resume from what the registry holds: the proxy reads each blob byte from
// the client exactly once. Fails on the code that counted tries per blob
// and restarted a cut streaming upload from byte 0. Distribution takes the
// 50 runs; olareg, which resumes the same way, a few.
func TestFlakyNetwork(t *testing.T) {
	for _, tt := range []struct {
		name  string
		start func(testing.TB, ...testregistry.Option) *testregistry.Registry
		runs  int
	}{
		{"distribution", testregistry.Start, 50},
		{"olareg", testregistry.StartOlareg, 8},
	} {
		t.Run(tt.name, func(t *testing.T) {
			runs := tt.runs
			if raceEnabled || testing.Short() {
				runs = min(runs, 6)
			}
			flakyRuns(t, tt.start, runs)
		})
	}
}

func flakyRuns(t *testing.T, start func(testing.TB, ...testregistry.Option) *testregistry.Registry, runs int) {
	p := faultproxy.New(14)
	reg := start(t, testregistry.WithHandler(p.Middleware))
	retries := &lineCounter{prefix: "~ retry"}
	c := newTestClient(Options{Debug: retries}) // default Retries and ChunkSize; waits shrunk
	big := newBlob(t, 33<<20)
	set := []blob{newBlob(t, 5<<20), newBlob(t, 2<<20), newBlob(t, 100<<10)}
	// Authenticate and ping before the faults, so that every run starts
	// alike; pings and HEADs under faults are covered by each run.
	if _, err := c.BlobExists(testCtx(t), mustRepo(t, reg, "flaky/warmup"), big.desc); err != nil {
		t.Fatal(err)
	}
	p.Set(append([]faultproxy.Scenario{faultproxy.ServerErrorRate(503, 0.15, nil)}, faultproxy.CutLargeBodies(1<<20)...)...)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	var failures int
	var sent, manifests, reopens int64
	in0 := p.BytesIn()
	perRun := make([]int64, 0, runs)
	began := time.Now()
	for i := range runs {
		before := retries.n.Load()
		blobs := set
		if i == 0 {
			blobs = append([]blob{big}, set...)
		}
		repo := mustRepo(t, reg, fmt.Sprintf("flaky/run%d", i))
		n, err := flakyRun(ctx, c, repo, blobs, t.TempDir())
		if err != nil {
			failures++
			t.Errorf("run %d: %v", i, err)
		}
		sent += n.blobs
		manifests += n.manifest
		reopens += n.reopens
		perRun = append(perRun, retries.n.Load()-before)
	}
	took := time.Since(began)
	resent := p.BytesIn() - in0 - sent - manifests
	t.Logf("%d runs (%d pushes and %d fetches of blobs, one of 33 MiB) in %s: %d failures; retries per run %v (%d in all); "+
		"cut uploads %d; blob bytes sent %d, re-sent %d; sources reopened %d times; 503s %d",
		runs, runs*(len(set)+1), runs*len(set), took.Round(time.Millisecond), failures, perRun, retries.n.Load(),
		p.Fired(faultproxy.NameCutUpload), sent, resent, reopens, p.Fired(faultproxy.NameServerError))
	if p.Fired(faultproxy.NameCutUpload) == 0 || p.Fired(faultproxy.NameServerError) == 0 {
		t.Error("the faults never fired")
	}
	if resent != 0 {
		t.Errorf("the proxy read %d bytes more than the blobs and manifests hold: a resume re-sent bytes the registry had", resent)
	}
}

type runBytes struct{ blobs, manifest, reopens int64 }

// flakyRun pushes blobs and a manifest naming them, then reads everything
// back: the manifest by tag, the first blob to a file (Fetch), the others
// through StreamBlob, each checked against what was pushed.
func flakyRun(ctx context.Context, c *Client, repo name.Repository, blobs []blob, dir string) (runBytes, error) {
	var n runBytes
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1}
	for _, b := range blobs {
		open := func() (io.ReadCloser, error) {
			n.reopens++
			return b.stream()()
		}
		if err := c.PushBlob(ctx, repo, b.desc, open, nil); err != nil {
			return n, fmt.Errorf("push %d bytes: %w", b.desc.Size, err)
		}
		n.reopens-- // the first open
		n.blobs += b.desc.Size
		m.Layers = append(m.Layers, b.desc)
	}
	m.Config = blobs[len(blobs)-1].desc
	raw, err := json.Marshal(m)
	if err != nil {
		return n, err
	}
	if err := c.PutManifest(ctx, repo.Tag("v1"), string(types.OCIManifestSchema1), raw); err != nil {
		return n, err
	}
	n.manifest = int64(len(raw))
	if _, got, err := c.Resolve(ctx, repo.Tag("v1")); err != nil || !bytes.Equal(got, raw) {
		return n, fmt.Errorf("resolve: %v (equal %v)", err, bytes.Equal(got, raw))
	}
	for i, b := range blobs {
		got, err := readBack(ctx, c, repo, b, i == 0, dir)
		if err != nil {
			return n, fmt.Errorf("fetch %d bytes: %w", b.desc.Size, err)
		}
		if !bytes.Equal(got, b.data) {
			return n, fmt.Errorf("fetch %d bytes: other bytes came back", b.desc.Size)
		}
	}
	return n, nil
}

func readBack(ctx context.Context, c *Client, repo name.Repository, b blob, toFile bool, dir string) ([]byte, error) {
	if toFile {
		dst := filepath.Join(dir, b.desc.Digest.Hex)
		if err := c.Fetch(ctx, repo, b.desc, dst, nil); err != nil {
			return nil, err
		}
		return os.ReadFile(dst)
	}
	rc, err := c.StreamBlob(ctx, repo, b.desc, nil)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}
