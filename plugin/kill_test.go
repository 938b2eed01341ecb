package plugin

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/layout/layouttest"
	"github.com/docker-zarf/docker-zarf/manifest"
)

// killTestPackage has enough layers that a slowed publish spends a while in
// flight.
func killTestPackage(t *testing.T) string {
	files := map[string]layouttest.Content{}
	for i := range 6 {
		files[fmt.Sprintf("components/c%d.tar", i)] = layouttest.Random(64<<10, uint64(i+1))
	}
	// A few more small files make more requests, so more moments to die at.
	for i := range 6 {
		files[fmt.Sprintf("images/blobs/sha256/%064d", i)] = layouttest.Random(1<<10, uint64(i+100))
	}
	return layouttest.Build(t, t.TempDir(), layouttest.Spec{Name: faultPkgName, Files: files})
}

// TestKillPublishNeverTagsIncomplete SIGKILLs publishes at seeded random
// points, counted in requests the registry saw so that the kills spread over
// the whole publish whatever the machine's speed; whenever the tag exists
// afterwards, its index, manifest and every blob must be in the registry.
// Kills around the two manifest PUTs pin the order: no tag before the index
// PUT, and a tag once the registry has stored it.
func TestKillPublishNeverTagsIncomplete(t *testing.T) {
	bin := pluginBinary(t)
	src := killTestPackage(t)
	cfg := emptyConfig(t)
	// publish kills the process at request number at of the registry: on
	// its arrival (the registry still handles it, so a request whose body
	// had arrived whole still takes effect), or after the registry handled
	// it, before the answer reaches the process. At 0 it never kills.
	publish := func(at int, afterAnswer bool) (binResult, *testregistry.Registry) {
		p := faultproxy.New(1)
		reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
		procs := make(chan *os.Process, 1)
		var proc *os.Process
		kill := func(*http.Request) {
			if proc == nil {
				proc = <-procs
			}
			_ = proc.Kill() // SIGKILL: no handler, no cleanup
		}
		if at > 0 {
			action := faultproxy.OnRequest(kill)
			if afterAnswer {
				action = faultproxy.AfterResponse(kill)
			}
			if at > 1 { // Count 0 would pass every request
				p.Add(faultproxy.Scenario{Name: "pass", Count: at - 1, Action: faultproxy.Pass()})
			}
			p.Add(faultproxy.Scenario{Name: "kill", Count: 1, Action: action})
		}
		run := startProcess(t, exec.Command(bin, "publish", src, "oci://"+reg.Host+"/ns", "--plain-http", "-q", "--concurrency", "2"), cfg)
		procs <- run.cmd.Process
		r := run.wait(t, 0)
		r.killed = p.Fired("kill") > 0
		p.Clear()
		return r, reg
	}
	r, reg := publish(0, false)
	// The positions of the manifest PUTs (manifest by digest, then the
	// index under the tag) in a whole run, to kill right around them.
	var puts []int
	reqs := reg.Requests()
	for i, l := range reqs {
		if l.Method == http.MethodPut && l.IsManifest() {
			puts = append(puts, i+1)
		}
	}
	total := len(reqs)
	if r.code != 0 || len(puts) != 2 || !assertTagComplete(t, reg, "ns/"+faultPkgName, "0.0.1") {
		t.Fatalf("publish without a kill: exit %d, manifest PUTs at %v: %s", r.code, puts, r.stderr)
	}
	type point struct {
		at    int
		after bool // kill after the registry handled the request
	}
	points := []point{{puts[0], false}, {puts[0], true}, {puts[1], false}, {puts[1], true}}
	rng := rand.New(rand.NewPCG(4, 2))
	for i := range 4 {
		points = append(points, point{1 + rng.IntN(total), i%2 == 1})
	}
	tagged := 0
	for _, pt := range points {
		r, reg := publish(pt.at, pt.after)
		if !r.killed || r.code == 0 {
			t.Fatalf("kill at request %d/%d: killed=%v exit=%d", pt.at, total, r.killed, r.code)
		}
		isTagged := assertTagComplete(t, reg, "ns/"+faultPkgName, "0.0.1")
		t.Logf("killed at request %d of %d (after the registry handled it: %v): tagged=%v", pt.at, total, pt.after, isTagged)
		switch {
		case pt.at < puts[1] && isTagged:
			t.Fatalf("killed at request %d, before the index PUT (%d), yet the tag exists", pt.at, puts[1])
		case pt.at == puts[1] && pt.after && !isTagged:
			t.Fatalf("killed after the registry stored the index (request %d), yet there is no tag", pt.at)
		}
		if isTagged {
			tagged++
		}
	}
	if tagged == 0 {
		t.Fatal("no kill landed after the tag was written: the completeness check never saw a tag")
	}
}

// assertTagComplete reports whether repo:tag exists, failing the test if it
// points at anything incomplete.
func assertTagComplete(t *testing.T, reg *testregistry.Registry, repo, tag string) bool {
	t.Helper()
	status, body := manifestStatus(t, reg, repo, tag)
	if status == http.StatusNotFound {
		return false
	}
	if status != http.StatusOK {
		t.Fatalf("GET %s:%s: %d", repo, tag, status)
	}
	idx, err := manifest.ParseIndex(body)
	if err != nil {
		t.Fatalf("the tag points at something that is not an index: %v", err)
	}
	for _, d := range idx.Manifests {
		status, mb := manifestStatus(t, reg, repo, d.Digest.String())
		if status != http.StatusOK {
			t.Fatalf("the tag's index names manifest %s, which is missing (%d)", d.Digest, status)
		}
		m, err := manifest.ParseManifest(mb)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range append(m.Layers, m.Config) {
			resp, err := reg.Client().Head(reg.URL + "/v2/" + repo + "/blobs/" + b.Digest.String())
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("the tag's manifest names blob %s, which is missing (%d)", b.Digest, resp.StatusCode)
			}
		}
	}
	return true
}

func manifestStatus(t *testing.T, reg *testregistry.Registry, repo, ref string) (int, []byte) {
	t.Helper()
	status, body, _ := getManifest(t, reg, repo, ref)
	return status, body
}

// TestKillPullLeavesNoOutput SIGKILLs pulls mid-download: the output name
// must never appear until a pull completes, and the next pull resumes from
// the cache and produces the right package.
func TestKillPullLeavesNoOutput(t *testing.T) {
	bin := pluginBinary(t)
	src := killTestPackage(t)
	p := faultproxy.New(1)
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	cfg := emptyConfig(t)
	mustSucceed(t, runCLI(t, cfg, "publish", src, "oci://"+reg.Host+"/ns", "--plain-http", "-q"))
	p.Set(faultproxy.Slow(80*time.Millisecond, faultproxy.BlobGet))
	out, cache := t.TempDir(), t.TempDir()
	final := filepath.Join(out, "zarf-package-"+faultPkgName+"-amd64-0.0.1.tar.zst")
	args := []string{"pull", "oci://" + reg.Host + "/ns/" + faultPkgName + ":0.0.1", "--plain-http", "-a", "amd64",
		"-o", out, "--cache", cache, "--concurrency", "1"}
	rng := rand.New(rand.NewPCG(7, 7))
	killed := 0
	for i := range 4 {
		after := time.Duration(30+rng.IntN(300)) * time.Millisecond
		r := startProcess(t, exec.Command(bin, withPlainHTTP(args)...), cfg).wait(t, after)
		if !r.killed {
			break // it finished: the cache already held enough
		}
		killed++
		entries, _ := os.ReadDir(out)
		for _, e := range entries {
			if filepath.Join(out, e.Name()) == final || !strings.HasPrefix(e.Name(), ".") {
				t.Fatalf("kill %d after %s left %s in the output directory", i, after, e.Name())
			}
		}
	}
	if killed == 0 {
		t.Fatal("no pull was killed mid-flight")
	}
	p.Clear()
	r := runBinaryWith(t, cfg, args...)
	if r.code != 0 {
		t.Fatalf("pull after the kills: %s", r.stderr)
	}
	if err := diffPackages(src, final); err != nil {
		t.Fatal(err)
	}
}

// TestBinaryErrorIsOneLine checks the real process: a failure exits 1 with
// one line on stderr and no stack trace.
func TestBinaryErrorIsOneLine(t *testing.T) {
	cfg := emptyConfig(t)
	for _, args := range [][]string{
		{"pull", "oci://127.0.0.1:1/ns/pkg:1.0.0", "--plain-http", "--retries", "0"},
		{"publish", filepath.Join(t.TempDir(), "missing.tar.zst"), "oci://127.0.0.1:1/ns"},
		{"inspect", "oci://127.0.0.1:1/NS/pkg:1.0.0"},
	} {
		r := runBinaryWith(t, cfg, args...)
		msg := strings.TrimRight(r.stderr, "\n")
		if r.code != ExitFailure || strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "Error: ") ||
			strings.Contains(msg, "goroutine ") || strings.Contains(msg, "panic") {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}
