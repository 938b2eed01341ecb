package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// result is every sample of one journey of one tool on one package and
// registry.
type result struct {
	Registry   string   `json:"registry"`
	Package    string   `json:"package"`
	Kind       string   `json:"kind"`
	Bytes      int64    `json:"bytes"`
	Blobs      int      `json:"blobs"`
	Journey    string   `json:"journey"`
	Tool       string   `json:"tool"`
	Samples    []sample `json:"samples"`
	Median     float64  `json:"medianSeconds"`
	PeakRSSKiB int64    `json:"peakRSSKiB"` // the largest of the samples
	// Medians of the CPU time, bytes written and registry requests (the
	// last two in latency mode), and the requests by kind of the sample
	// with the median count.
	CPUSeconds   float64        `json:"medianCPUSeconds"`
	WrittenBytes int64          `json:"medianWrittenBytes,omitempty"`
	Requests     int            `json:"medianRequests,omitempty"`
	RequestKinds map[string]int `json:"requestKinds,omitempty"`
}

// report collects results in the order they were first seen.
type report struct {
	Started    time.Time         `json:"started"`
	Finished   time.Time         `json:"finished"`
	Runs       int               `json:"runs"`
	Sizes      []float64         `json:"sizesGiB"`
	CPUs       int               `json:"cpus"`
	LoadStart  string            `json:"loadAverageStart"`
	LoadEnd    string            `json:"loadAverageEnd"`
	GoVersion  string            `json:"goVersion"`
	Meta       map[string]string `json:"meta"`
	Registries []registryTarget  `json:"registries"`
	Results    []*result         `json:"results"`
	Targets    []target          `json:"targets"`
	// Latency is set in latency mode, where Registries are the latencies
	// ("50 ms") of the proxy in front of the one registry.
	Latency bool `json:"latencyMode,omitempty"`
	stamp   string
}

func newReport(cfg *runConfig, _ []*benchPkg, stamp string) *report {
	rep := &report{
		Started: time.Now().UTC(), Runs: cfg.runs, Sizes: cfg.sizes, Meta: cfg.meta,
		Registries: cfg.registries, stamp: stamp,
	}
	rep.fillHost()
	return rep
}

// fillHost records the machine: CPUs, load and Go version.
func (rep *report) fillHost() {
	rep.CPUs, rep.LoadStart, rep.GoVersion = runtime.NumCPU(), loadavg(), runtime.Version()
}

func (rep *report) add(reg string, p *benchPkg, journey, tool string, s sample) {
	for _, r := range rep.Results {
		if r.Registry == reg && r.Package == p.Name && r.Journey == journey && r.Tool == tool {
			r.Samples = append(r.Samples, s)
			return
		}
	}
	rep.Results = append(rep.Results, &result{Registry: reg, Package: p.Name, Kind: p.Kind,
		Bytes: p.Bytes, Blobs: p.Blobs, Journey: journey, Tool: tool, Samples: []sample{s}})
}

func (rep *report) find(reg, pkg, journey, tool string) *result {
	for _, r := range rep.Results {
		if r.Registry == reg && r.Package == pkg && r.Journey == journey && r.Tool == tool {
			return r
		}
	}
	return nil
}

// finish computes medians, peaks and the targets.
func (rep *report) finish() {
	rep.Finished = time.Now().UTC()
	rep.LoadEnd = loadavg()
	for _, r := range rep.Results {
		var secs, cpu, written, reqs []float64
		for _, s := range r.Samples {
			secs, cpu = append(secs, s.Seconds), append(cpu, s.CPUSeconds)
			written, reqs = append(written, float64(s.WrittenBytes)), append(reqs, float64(s.total()))
			r.PeakRSSKiB = max(r.PeakRSSKiB, s.RSSKiB)
		}
		r.Median, r.CPUSeconds, r.WrittenBytes = median(secs), median(cpu), int64(median(written))
		r.Requests = int(median(reqs))
		for _, s := range r.Samples {
			if r.RequestKinds == nil || s.total() == r.Requests {
				r.RequestKinds = s.Requests
			}
		}
	}
	if rep.Latency {
		rep.Targets = rep.latencyTargets()
		return
	}
	rep.Targets = rep.targets()
}

// write saves bench-<stamp>.json and .md (and latest.json/.md) under dir
// and prints the markdown.
func (rep *report) write(dir string) error {
	rep.finish()
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	md, prefix, latest := rep.markdown(), "bench-", "latest"
	if rep.Latency {
		md, prefix, latest = rep.latencyMarkdown(), "bench-latency-", "latest-latency"
	}
	for name, data := range map[string][]byte{
		prefix + rep.stamp + ".json": b, prefix + rep.stamp + ".md": []byte(md),
		latest + ".json": b, latest + ".md": []byte(md),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	fmt.Print(md)
	fmt.Printf("\nwritten: %s/%s%s.{md,json} (and %s.{md,json})\n", dir, prefix, rep.stamp, latest)
	return nil
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
