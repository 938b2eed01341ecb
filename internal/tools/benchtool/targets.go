package main

import (
	"fmt"
	"slices"
	"strings"
)

// target is one goal of issue #5 checked against the medians.
type target struct {
	Registry string  `json:"registry"`
	Package  string  `json:"package"`
	Goal     string  `json:"goal"`
	Value    float64 `json:"value"` // a ratio, seconds or MiB, as Goal says
	Limit    float64 `json:"limit"`
	Met      bool    `json:"met"`
	Missing  bool    `json:"missing,omitempty"` // a journey did not run
	// Journey and Unit are set in latency mode: the row the target belongs
	// to, and how Value reads ("×", "requests", "CPU s/GiB", "MiB").
	Journey string `json:"journey,omitempty"`
	Unit    string `json:"unit,omitempty"`
}

// ratio is the median of a over the median of b (0 if either is missing).
func (rep *report) ratio(reg, pkg, ja, ta, jb, tb string) float64 {
	a, b := rep.find(reg, pkg, ja, ta), rep.find(reg, pkg, jb, tb)
	if a == nil || b == nil || b.Median == 0 {
		return 0
	}
	return a.Median / b.Median
}

func (rep *report) targets() []target {
	var out []target
	add := func(reg, pkg, goal string, v, limit float64) {
		out = append(out, target{Registry: reg, Package: pkg, Goal: goal, Value: v, Limit: limit,
			Met: v > 0 && v <= limit, Missing: v == 0})
	}
	for _, reg := range rep.Registries {
		for _, pkg := range rep.packages() {
			kind := pkg[1]
			name := pkg[0]
			switch kind {
			case "big":
				add(reg.Name, name, "publish ≤ 1.0× oras push", rep.ratio(reg.Name, name, jPublish, toolDZ, jPublish, toolORAS), 1.0)
				add(reg.Name, name, "pull --format dir ≤ 1.1× oras pull", rep.ratio(reg.Name, name, jPullDir, toolDZ, jPullDir, toolORAS), 1.1)
				add(reg.Name, name, "pull to .tar.zst ≤ 1.5× pull to dir", rep.ratio(reg.Name, name, jPullTar, toolDZ, jPullDir, toolDZ), 1.5)
				if r := rep.find(reg.Name, name, jRepublish, toolDZ); r != nil {
					add(reg.Name, name, "republish unchanged ≤ 0.5 s", r.Median, 0.5)
				}
			case "many":
				add(reg.Name, name, "publish ≤ 1.0× oras push", rep.ratio(reg.Name, name, jPublish, toolDZ, jPublish, toolORAS), 1.0)
				add(reg.Name, name, "pull --format dir ≤ 1.1× oras pull", rep.ratio(reg.Name, name, jPullDir, toolDZ, jPullDir, toolORAS), 1.1)
			}
			add(reg.Name, name, "peak RSS of every journey ≤ 64 MiB", rep.peakMiB(reg.Name, name), 64)
		}
	}
	return out
}

// peakMiB is the largest docker-zarf peak RSS on a package, in MiB.
func (rep *report) peakMiB(reg, pkg string) float64 {
	var peak int64
	for _, r := range rep.Results {
		if r.Registry == reg && r.Package == pkg && r.Tool == toolDZ {
			peak = max(peak, r.PeakRSSKiB)
		}
	}
	return float64(peak) / 1024
}

// packages lists [name, kind] in the order first seen.
func (rep *report) packages() [][2]string {
	var out [][2]string
	for _, r := range rep.Results {
		p := [2]string{r.Package, r.Kind}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

func (rep *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# docker-zarf benchmark %s\n\n", rep.Started.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "Median of %d runs; each run pushes into fresh repositories; docker-zarf pulls use --no-cache. ", rep.Runs)
	fmt.Fprintf(&b, "%d CPUs, load average %s at the start and %s at the end; %s.\n", rep.CPUs, rep.LoadStart, rep.LoadEnd, rep.GoVersion)
	writeVersions(&b, rep.Meta)
	b.WriteString("Peers: oras push/pull of the unpacked files (--concurrency 6, as docker-zarf), crane push/pull of an OCI layout " +
		"holding the very manifest docker-zarf publishes; inspect peers fetch the manifest only. " +
		"For pull to .tar.zst the peer columns repeat their pull to a directory.\n")
	for _, reg := range rep.Registries {
		fmt.Fprintf(&b, "\n## Registry: %s (%s)\n\n", reg.Name, reg.Host)
		b.WriteString("| package | journey | docker-zarf | oras | crane | dz/oras | dz/crane | dz peak RSS |\n")
		b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|\n")
		for _, pkg := range rep.packages() {
			for _, j := range []string{jPublish, jRepublish, jInspect, jPullTar, jPullDir} {
				rep.row(&b, reg.Name, pkg[0], j)
			}
		}
	}
	b.WriteString("\n## Targets (issue #5)\n\n| registry | package | target | got | met |\n|---|---|---|---:|---|\n")
	for _, t := range rep.Targets {
		met := "yes"
		if !t.Met {
			met = "**no**"
		}
		if t.Missing {
			met = "not run"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", t.Registry, t.Package, t.Goal, formatValue(t), met)
	}
	return b.String()
}

func (rep *report) row(b *strings.Builder, reg, pkg, journey string) {
	dz := rep.find(reg, pkg, journey, toolDZ)
	if dz == nil {
		return
	}
	peerJourney := journey
	if journey == jPullTar {
		peerJourney = jPullDir
	}
	cells := []string{pkg, journey, cell(dz)}
	var ratios []string
	for _, tool := range []string{toolORAS, toolCrane} {
		peer := rep.find(reg, pkg, peerJourney, tool)
		cells = append(cells, cell(peer))
		if peer == nil || peer.Median == 0 {
			ratios = append(ratios, "–")
			continue
		}
		ratios = append(ratios, fmt.Sprintf("%.2f×", dz.Median/peer.Median))
	}
	cells = append(cells, ratios...)
	cells = append(cells, fmt.Sprintf("%.1f MiB", float64(dz.PeakRSSKiB)/1024))
	fmt.Fprintf(b, "| %s |\n", strings.Join(cells, " | "))
}

// cell is "median (min–max)" in seconds.
func cell(r *result) string {
	if r == nil {
		return "–"
	}
	lo, hi := r.Samples[0].Seconds, r.Samples[0].Seconds
	for _, s := range r.Samples {
		lo, hi = min(lo, s.Seconds), max(hi, s.Seconds)
	}
	return fmt.Sprintf("%.2f s (%.2f–%.2f)", r.Median, lo, hi)
}

func formatValue(t target) string {
	switch {
	case t.Unit == "×":
		return fmt.Sprintf("%.2f×", t.Value)
	case t.Unit != "":
		return fmt.Sprintf("%.4g %s", t.Value, t.Unit)
	case strings.Contains(t.Goal, "RSS"):
		return fmt.Sprintf("%.1f MiB", t.Value)
	case strings.HasSuffix(t.Goal, " s"):
		return fmt.Sprintf("%.2f s", t.Value)
	default:
		return fmt.Sprintf("%.2f×", t.Value)
	}
}
