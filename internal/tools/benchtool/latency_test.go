package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// TestProxyInFrontOfRegistry: through the bench proxy a client logs in with
// the bench credentials and pushes to a registry without auth (the
// registry's upload Locations lead back through the proxy), each request
// counted; an anonymous client is refused.
func TestProxyInFrontOfRegistry(t *testing.T) {
	reg := testregistry.Start(t)
	px, err := startProxy(reg.Host, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(px.close)
	img, err := random.Image(2048, 2)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(px.Host + "/ns/app:1.0")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img, remote.WithAuth(&authn.Basic{Username: benchUser, Password: benchPass})); err != nil {
		t.Fatalf("push through the proxy: %v", err)
	}
	got := px.counter.Take()
	if got[faultproxy.KindToken] < 1 || got[faultproxy.KindManifestPut] != 1 || got[faultproxy.KindUploadPut] != 3 || got[faultproxy.KindConnection] < 1 {
		t.Fatalf("counts %v: want a connection, a token, 3 uploads and a manifest PUT", got)
	}
	if len(reg.Requests()) == 0 {
		t.Fatal("nothing reached the registry")
	}
	if _, err := remote.Image(ref); err == nil {
		t.Fatal("an anonymous pull got through")
	}
}

func TestWriteDockerConfig(t *testing.T) {
	dir := t.TempDir()
	if err := writeDockerConfig(dir, "127.0.0.1:5000"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	// base64("bench:bench")
	if !strings.Contains(string(b), `"127.0.0.1:5000"`) || !strings.Contains(string(b), "YmVuY2g6YmVuY2g=") {
		t.Fatalf("config.json: %s", b)
	}
}

// latSample is a sample of secs seconds with these requests.
func latSample(secs float64, reqs map[string]int) sample {
	return sample{Seconds: secs, CPUSeconds: secs, Requests: reqs}
}

// TestLatencyTargets: each target reads the right journey, tool and
// latency, and counts requests without the 401s.
func TestLatencyTargets(t *testing.T) {
	rep := &report{Latency: true, Registries: []registryTarget{{Name: "0 ms"}, {Name: "50 ms"}}}
	many := &benchPkg{Name: "many", Kind: "many"}
	big := &benchPkg{Name: "big-1g", Kind: "big", Bytes: 1 << 30}
	pingTok := map[string]int{faultproxy.KindPing: 1, faultproxy.KindToken: 1, faultproxy.KindUnauthorized: 1}
	with := func(m map[string]int, k string, n int) map[string]int {
		out := map[string]int{k: n}
		for k2, v := range m {
			out[k2] += v
		}
		return out
	}
	rep.add("50 ms", many, lRepublishMany, toolDZ, latSample(2.4, with(pingTok, faultproxy.KindBlobHead, 226)))
	rep.add("50 ms", many, lRepublishMany, toolCrane, latSample(0.2, with(pingTok, faultproxy.KindManifestHead, 1)))
	rep.add("50 ms", many, lInspect, toolDZ, latSample(0.4, with(pingTok, faultproxy.KindManifestGet, 3)))
	rep.add("0 ms", many, lInspect, toolDZ, latSample(0.4, with(with(pingTok, faultproxy.KindManifestGet, 3), faultproxy.KindPing, 1)))
	rep.add("0 ms", big, lPublishBig, toolDZ, latSample(1.2, pingTok))
	rep.add("0 ms", big, lPublishBig, toolORAS, latSample(2.0, pingTok))
	rep.add("0 ms", big, lPublishBig, toolCrane, latSample(1.5, pingTok))
	rep.finish()
	want := map[string]string{ // latency journey goal → value met
		"50 ms|" + lRepublishMany + "|≤ 5 requests":                  "228 false",
		"50 ms|" + lRepublishMany + "|≤ 1.2× crane":                  "12 false",
		"50 ms|" + lInspect + "|3 requests after 1 ping and 1 token": "5 true",
		"0 ms|" + lInspect + "|3 requests after 1 ping and 1 token":  "6 false",
		"0 ms|" + lPublishBig + "|≤ 1.0× best peer":                  "0.8 true",
		"0 ms|" + lPublishBig + "|≤ 1.5 CPU s/GiB":                   "1.2 true",
		"0 ms|" + lRepublishMany + "|≤ 5 requests":                   "0 false",
	}
	seen := map[string]bool{}
	for _, tg := range rep.Targets {
		k := tg.Registry + "|" + tg.Journey + "|" + tg.Goal
		w, ok := want[k]
		if !ok {
			continue
		}
		seen[k] = true
		var v float64
		var met bool
		if _, err := fmt.Sscan(w, &v, &met); err != nil {
			t.Fatal(err)
		}
		if diff := tg.Value - v; diff > 0.01 || diff < -0.01 || tg.Met != met {
			t.Errorf("%s: %.3g met=%v, want %s", k, tg.Value, tg.Met, w)
		}
	}
	for k := range want {
		if !seen[k] {
			t.Errorf("no target %s", k)
		}
	}
	if md := rep.latencyMarkdown(); !strings.Contains(md, "| republish unchanged, many | 50 ms | 2.40 s · 228 |") {
		t.Errorf("markdown row missing:\n%s", md)
	}
}

func TestTimeReport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "time")
	out := "\tCommand being timed: \"x\"\n\tUser time (seconds): 1.50\n\tSystem time (seconds): 0.25\n" +
		"\tElapsed (wall clock) time (h:mm:ss or m:ss): 0:02.00\n\tMaximum resident set size (kbytes): 4096\n\tFile system outputs: 8\n"
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	v, err := timeReport(path)
	if err != nil {
		t.Fatal(err)
	}
	if v["User time (seconds)"] != 1.5 || v["System time (seconds)"] != 0.25 || v["Maximum resident set size (kbytes)"] != 4096 || v["File system outputs"] != 8 {
		t.Fatalf("parsed %v", v)
	}
}
