package main

import (
	"fmt"
	"strings"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
)

// latencyTargets checks the targets of issue 12 at each latency.
func (rep *report) latencyTargets() []target {
	var out []target
	for _, reg := range rep.Registries {
		l := reg.Name
		slow := l != "0 ms"
		tg := &latTargets{rep: rep, l: l}
		for _, j := range []string{lRepublishMany, lRepublishMid} {
			tg.requests(j, "≤ 5 requests", 5, nil)
			if slow {
				tg.ratio(j, "≤ 1.2× crane", 1.2, j, toolCrane)
			}
		}
		tg.ratio(lPublishMid, "≤ 1.0× oras", 1.0, lPublishMid, toolORAS)
		if r := rep.find(l, "mid", lPublishMid, toolDZ); r != nil {
			tg.add(lPublishMid, "peak RSS ≤ 64 MiB", float64(r.PeakRSSKiB)/1024, 64, "MiB")
		}
		if !slow {
			tg.cpuPerGiB()
			tg.ratio(lPublishBig, "≤ 1.0× best peer", 1.0, lPublishBig, "")
		}
		tg.ratio(lPullBigTar, "≤ 1.3× pull → dir", 1.3, lPullBigDir, toolDZ)
		tg.ratio(lPullBigTarWarm, "≤ 1.3× pull → dir, cache on", 1.3, lPullBigDirWarm, toolDZ)
		for _, j := range []string{lPullBigDirWarm, lPullBigTarWarm} {
			tg.written(j)
		}
		tg.requests(lInspect, "3 requests after 1 ping and 1 token", 5, map[string]int{faultproxy.KindPing: 1, faultproxy.KindToken: 1})
		if slow {
			tg.ratio(lPullMany, "≤ 1.0× oras", 1.0, lPullMany, toolORAS)
		}
		// The copy runs within one registry: the source's scope set (pull)
		// and the target's (pull,push on it, pull on the source) are two,
		// each one ping and one token; oras does the same.
		tg.requests(lCopyMany, "one ping+token per scope set (≤ 2 each)", 0, map[string]int{faultproxy.KindPing: 2, faultproxy.KindToken: 2})
		out = append(out, tg.out...)
	}
	return out
}

// latTargets builds the targets of one latency.
type latTargets struct {
	rep *report
	l   string
	out []target
}

func (t *latTargets) add(journey, goal string, v, limit float64, unit string) {
	t.out = append(t.out, target{Registry: t.l, Journey: journey, Goal: goal, Value: v, Limit: limit, Unit: unit,
		Met: v > 0 && v <= limit, Missing: v == 0})
}

// dz is docker-zarf's result of journey (on whichever package it ran).
func (t *latTargets) dz(journey string) *result { return t.rep.findJourney(t.l, journey, toolDZ) }

// ratio is docker-zarf's median on journey over tool's on other (tool "":
// the best peer's).
func (t *latTargets) ratio(journey, goal string, limit float64, other, tool string) {
	a, b := t.dz(journey), t.rep.findJourney(t.l, other, tool)
	if tool == "" {
		b = t.rep.bestPeer(t.l, other)
	}
	v := 0.0
	if a != nil && b != nil && b.Median > 0 {
		v = a.Median / b.Median
	}
	t.add(journey, goal, v, limit, "×")
}

// requests checks the total (when limit > 0) and at most max[kind] of each kind.
func (t *latTargets) requests(journey, goal string, limit int, most map[string]int) {
	r := t.dz(journey)
	if r == nil {
		t.add(journey, goal, 0, 1, "requests")
		return
	}
	met := limit == 0 || r.Requests <= limit
	for k, n := range most {
		met = met && r.RequestKinds[k] <= n
	}
	v := float64(r.Requests)
	if limit == 0 {
		v = float64(r.RequestKinds[faultproxy.KindPing] + r.RequestKinds[faultproxy.KindToken])
		goal += fmt.Sprintf(" (got %d pings, %d tokens)", r.RequestKinds[faultproxy.KindPing], r.RequestKinds[faultproxy.KindToken])
	}
	t.out = append(t.out, target{Registry: t.l, Journey: journey, Goal: goal, Value: v, Limit: float64(limit),
		Unit: "requests", Met: met})
}

func (t *latTargets) cpuPerGiB() {
	r := t.dz(lPublishBig)
	v := 0.0
	if r != nil && r.Bytes > 0 {
		v = r.CPUSeconds / (float64(r.Bytes) / (1 << 30))
	}
	t.add(lPublishBig, "≤ 1.5 CPU s/GiB", v, 1.5, "CPU s/GiB")
}

// written: a pull into an empty cache writes each byte once into the cache
// and once into its output (the package's size each), so ≤ 2.1× its size.
func (t *latTargets) written(journey string) {
	r := t.dz(journey)
	if r == nil || r.WrittenBytes == 0 {
		return // not measured: no /usr/bin/time
	}
	t.add(journey, "writes ≤ 2.1× the package (cache once, output once)", float64(r.WrittenBytes)/float64(r.Bytes), 2.1, "×")
}

// findJourney is tool's result of journey at latency l, on any package.
func (rep *report) findJourney(l, journey, tool string) *result {
	for _, r := range rep.Results {
		if r.Registry == l && r.Journey == journey && r.Tool == tool {
			return r
		}
	}
	return nil
}

// bestPeer is the fastest other tool's result of journey at latency l.
func (rep *report) bestPeer(l, journey string) *result {
	var best *result
	for _, r := range rep.Results {
		if r.Registry == l && r.Journey == journey && r.Tool != toolDZ && r.Median > 0 && (best == nil || r.Median < best.Median) {
			best = r
		}
	}
	return best
}

func (rep *report) latencyMarkdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# docker-zarf latency benchmark %s\n\n", rep.Started.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "Median of %d runs through a proxy that delays every request (token requests included) and every new connection by the latency "+
		"and demands Bearer token auth (ping → 401 → token → request), in front of distribution's registry on loopback. "+
		"Each run pushes into fresh repositories. Packages: many %s, mid %s, big %s (incompressible data). "+
		"%d CPUs, load average %s at the start and %s at the end; %s.\n",
		rep.Runs, rep.pkgDesc("many"), rep.pkgDesc("mid"), rep.pkgDesc("big"), rep.CPUs, rep.LoadStart, rep.LoadEnd, rep.GoVersion)
	writeVersions(&b, rep.Meta)
	b.WriteString("Peers: oras (--concurrency 6) and crane push/pull/copy the same blobs; their inspect fetches the manifest only; " +
		"Zarf writes a .tar.zst when it pulls. Cells: median time · median requests (all kinds, 401s included). " +
		"Not simulated: bandwidth, TLS handshakes (real registries add one more round trip per connection).\n\n")
	tools := rep.latencyTools()
	b.WriteString("| journey | latency | " + strings.Join(tools, " | ") + " | dz ÷ best peer | target (docker-zarf) |\n")
	b.WriteString("|---|---|" + strings.Repeat("---:|", len(tools)+1) + "---|\n")
	for _, j := range latJourneyOrder {
		for _, reg := range rep.Registries {
			rep.latencyRow(&b, j, reg.Name, tools)
		}
	}
	if n := len(rep.Registries); n > 0 {
		l := rep.Registries[n-1].Name
		fmt.Fprintf(&b, "\n## Requests by kind at %s (median run)\n\n| journey | tool | requests |\n|---|---|---|\n", l)
		for _, j := range latJourneyOrder {
			for _, tool := range tools {
				if r := rep.findJourney(l, j, tool); r != nil {
					fmt.Fprintf(&b, "| %s | %s | %s |\n", j, tool, kinds(r.RequestKinds))
				}
			}
		}
	}
	return b.String()
}

func (rep *report) pkgDesc(kind string) string {
	for _, r := range rep.Results {
		if r.Kind == kind {
			return fmt.Sprintf("(%d files, %.0f MiB)", r.Blobs, float64(r.Bytes)/(1<<20))
		}
	}
	return "–"
}

// latencyTools is docker-zarf, oras, crane and zarf when it ran.
func (rep *report) latencyTools() []string {
	tools := []string{toolDZ, toolORAS, toolCrane}
	for _, r := range rep.Results {
		if r.Tool == toolZarf {
			return append(tools, toolZarf)
		}
	}
	return tools
}

func (rep *report) latencyRow(b *strings.Builder, journey, l string, tools []string) {
	dz := rep.findJourney(l, journey, toolDZ)
	if dz == nil && rep.bestPeer(l, journey) == nil {
		return
	}
	cells := []string{journey, l}
	for _, tool := range tools {
		r := rep.findJourney(l, journey, tool)
		if r == nil {
			cells = append(cells, "–")
			continue
		}
		cells = append(cells, fmt.Sprintf("%.2f s · %d", r.Median, r.Requests))
	}
	ratio := "–"
	if best := rep.bestPeer(l, journey); dz != nil && best != nil {
		ratio = fmt.Sprintf("%.2f× %s", dz.Median/best.Median, best.Tool)
	}
	var goals []string
	for _, t := range rep.Targets {
		if t.Registry != l || t.Journey != journey {
			continue
		}
		met := "met"
		switch {
		case t.Missing:
			met = "not run"
		case !t.Met:
			met = "**NOT met**"
		}
		goals = append(goals, fmt.Sprintf("%s: %s, %s", t.Goal, formatValue(t), met))
	}
	cells = append(cells, ratio, strings.Join(goals, "; "))
	fmt.Fprintf(b, "| %s |\n", strings.Join(cells, " | "))
}

// kinds is "ping 1, token 1, manifest HEAD 1" in a fixed order.
func kinds(m map[string]int) string {
	var out []string
	for _, k := range []string{faultproxy.KindPing, faultproxy.KindToken, faultproxy.KindUnauthorized,
		faultproxy.KindManifestHead, faultproxy.KindManifestGet, faultproxy.KindManifestPut,
		faultproxy.KindBlobHead, faultproxy.KindBlobGet, faultproxy.KindUploadPost, faultproxy.KindMount,
		faultproxy.KindUploadPatch, faultproxy.KindUploadPut, faultproxy.KindUploadStatus,
		faultproxy.KindTags, faultproxy.KindOther, faultproxy.KindConnection} {
		if n := m[k]; n > 0 {
			out = append(out, fmt.Sprintf("%s %d", k, n))
		}
	}
	return strings.Join(out, ", ")
}
