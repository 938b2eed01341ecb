package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The tool that only the latency mode compares.
const toolZarf = "zarf"

// Journeys of the latency mode (issue 12).
const (
	lPublishMid     = "publish mid .tar.zst"
	lRepublishMid   = "republish unchanged, mid .tar.zst"
	lPublishMany    = "publish many"
	lRepublishMany  = "republish unchanged, many"
	lInspect        = "inspect many"
	lPullMany       = "pull many → dir"
	lCopyMany       = "copy many (same registry)"
	lPublishBig     = "publish big"
	lPullBigDir     = "pull big → dir"
	lPullBigTar     = "pull big → .tar.zst"
	lPullBigDirWarm = "pull big → dir, cache on"
	lPullBigTarWarm = "pull big → .tar.zst, cache on"
)

// latJourneyOrder is the order of the tables.
var latJourneyOrder = []string{lPublishMid, lRepublishMid, lPublishMany, lRepublishMany, lInspect,
	lPullMany, lCopyMany, lPublishBig, lPullBigDir, lPullBigTar, lPullBigDirWarm, lPullBigTarWarm}

// latJourneys runs every journey once at one latency. Each run pushes into
// repositories of its own (…/<stamp>-<latency>-r<run>/<tool>/).
type latJourneys struct {
	cfg   *latConfig
	r     *runner
	px    *benchProxy
	label string
	run   int
	stamp string
	rep   *report
	pkgs  map[string]*benchPkg // mid, many, big
	outs  string
}

// latStep is a step on one package.
type latStep struct {
	step
	p *benchPkg
}

func (j *latJourneys) ns() string {
	return fmt.Sprintf("%s/lat/%s-%s-r%d", j.px.Host, j.stamp, strings.ReplaceAll(j.label, " ", ""), j.run)
}

// ref is where a tool's copy of p lives; Zarf and docker-zarf name it alike.
func (j *latJourneys) ref(tool string, p *benchPkg) string {
	return fmt.Sprintf("%s/%s/%s:%s", j.ns(), short(tool), p.Name, p.Tag)
}

func (j *latJourneys) tools() []string {
	t := []string{toolDZ, toolORAS, toolCrane}
	if j.cfg.zarf != "" {
		t = append(t, toolZarf)
	}
	return t
}

func (j *latJourneys) all(ctx context.Context) error {
	j.outs = filepath.Join(j.cfg.work, "out-latency")
	defer os.RemoveAll(j.outs)
	mid, many, big := j.pkgs["mid"], j.pkgs["many"], j.pkgs["big"]
	rounds := [][]latStep{
		j.publish(lPublishMid, mid), j.publish(lRepublishMid, mid),
		j.publish(lPublishMany, many), j.publish(lRepublishMany, many),
		j.inspect(many), j.pullDir(lPullMany, many), j.copy(many),
		j.publish(lPublishBig, big), j.pullDir(lPullBigDir, big), j.pullTar(big), j.pullWarm(big),
	}
	for _, round := range rounds {
		for _, s := range rotate(round, j.run) {
			j.do(ctx, s)
		}
	}
	return ctx.Err()
}

// do runs one step with the proxy's count of its requests. A failure is
// logged and leaves a hole in the table rather than ending the benchmark:
// a peer's failure says nothing about docker-zarf.
func (j *latJourneys) do(ctx context.Context, s latStep) {
	if ctx.Err() != nil {
		return
	}
	fmt.Fprintf(os.Stderr, "%s run %d: %s %s\n", j.label, j.run, s.tool, s.journey)
	j.px.counter.Take()
	got, err := j.r.step(ctx, s.step)
	got.Requests = j.px.counter.Take()
	if err != nil {
		fmt.Fprintf(os.Stderr, "  FAILED (left out of the table): %v\n", err)
		fmt.Fprintf(j.r.log, "# FAILED: %v\n", err)
		return
	}
	j.rep.add(j.label, s.p, s.journey, s.tool, got)
}

func (j *latJourneys) bin(name string) string { return filepath.Join(j.cfg.bin, name) }

// zarfCmd is the Zarf CLI with its cache and temporary files under outs.
func (j *latJourneys) zarfCmd(args ...string) []string {
	return append([]string{j.cfg.zarf}, append(args, "--plain-http", "-a", "amd64", "--log-level", "warn",
		"--cache", filepath.Join(j.outs, "zarf-cache"), "--tmpdir", j.outs)...)
}

func (j *latJourneys) publish(journey string, p *benchPkg) []latStep {
	steps := []latStep{
		{step{journey: journey, tool: toolDZ, argv: []string{j.bin("docker-zarf"), "publish", p.Archive, "oci://" + j.ns() + "/dz", "--plain-http"}}, p},
		{step{journey: journey, tool: toolORAS, dir: p.Dir, argv: orasPush(j.bin("oras"), j.ref(toolORAS, p), p)}, p},
		{step{journey: journey, tool: toolCrane, argv: []string{j.bin("crane"), "push", "--insecure", p.OCI, j.ref(toolCrane, p)}}, p},
		{step{journey: journey, tool: toolZarf, argv: j.zarfCmd("package", "publish", p.Archive, "oci://"+j.ns()+"/zarf")}, p},
	}
	return j.only(steps)
}

func (j *latJourneys) inspect(p *benchPkg) []latStep {
	return j.only([]latStep{
		{step{journey: lInspect, tool: toolDZ, argv: []string{j.bin("docker-zarf"), "inspect", "oci://" + j.ref(toolDZ, p), "-a", "amd64", "--plain-http"}}, p},
		{step{journey: lInspect, tool: toolORAS, argv: []string{j.bin("oras"), "manifest", "fetch", "--plain-http", j.ref(toolORAS, p)}}, p},
		{step{journey: lInspect, tool: toolCrane, argv: []string{j.bin("crane"), "manifest", "--insecure", j.ref(toolCrane, p)}}, p},
		{step{journey: lInspect, tool: toolZarf, argv: j.zarfCmd("package", "inspect", "definition", "oci://"+j.ref(toolZarf, p))}, p},
	})
}

// pullDir pulls p unpacked; Zarf, which always writes a .tar.zst, joins the
// pull of many only (for big it has its own row).
func (j *latJourneys) pullDir(journey string, p *benchPkg) []latStep {
	out := func(tool string) string { return filepath.Join(j.outs, "pull-"+short(tool)) }
	steps := []latStep{
		{step{journey: journey, tool: toolDZ, pullOut: out(toolDZ), minBytes: p.Bytes,
			argv: []string{j.bin("docker-zarf"), "pull", "oci://" + j.ref(toolDZ, p), "-a", "amd64", "--plain-http", "--no-cache", "--package-format", "dir", "-o", out(toolDZ)}}, p},
		{step{journey: journey, tool: toolORAS, pullOut: out(toolORAS), minBytes: p.Bytes,
			argv: []string{j.bin("oras"), "pull", "--plain-http", "--concurrency", "6", j.ref(toolORAS, p), "-o", out(toolORAS)}}, p},
		{step{journey: journey, tool: toolCrane, pullOut: out(toolCrane), minBytes: p.Bytes,
			argv: []string{j.bin("crane"), "pull", "--insecure", "--format", "oci", j.ref(toolCrane, p), out(toolCrane)}}, p},
	}
	if p.Kind == "many" {
		steps = append(steps, j.zarfPull(journey, p))
	}
	return j.only(steps)
}

func (j *latJourneys) zarfPull(journey string, p *benchPkg) latStep {
	out := filepath.Join(j.outs, "pull-zarf")
	return latStep{step{journey: journey, tool: toolZarf, pullOut: out, minBytes: p.Bytes / 2,
		argv: j.zarfCmd("package", "pull", "oci://"+j.ref(toolZarf, p), "-o", out)}, p}
}

func (j *latJourneys) pullTar(p *benchPkg) []latStep {
	out := filepath.Join(j.outs, "pull-dz-tar")
	return j.only([]latStep{
		{step{journey: lPullBigTar, tool: toolDZ, pullOut: out, minBytes: p.Bytes * 9 / 10,
			argv: []string{j.bin("docker-zarf"), "pull", "oci://" + j.ref(toolDZ, p), "-a", "amd64", "--plain-http", "--no-cache", "-o", out}}, p},
		j.zarfPull(lPullBigTar, p),
	})
}

// pullWarm pulls with the cache on, each into a cache of its own, empty:
// "pull into the cache".
func (j *latJourneys) pullWarm(p *benchPkg) []latStep {
	var steps []latStep
	for _, v := range []struct{ journey, format string }{{lPullBigDirWarm, "dir"}, {lPullBigTarWarm, "tar.zst"}} {
		out := filepath.Join(j.outs, "pull-dz-cache-"+v.format)
		cache := filepath.Join(j.outs, "cache-"+v.format) // outs starts empty
		steps = append(steps, latStep{step{journey: v.journey, tool: toolDZ, pullOut: out, minBytes: p.Bytes * 9 / 10,
			argv: []string{j.bin("docker-zarf"), "pull", "oci://" + j.ref(toolDZ, p), "-a", "amd64", "--plain-http",
				"--cache", cache, "--package-format", v.format, "-o", out}}, p})
	}
	return steps
}

// copy copies docker-zarf's copy of p into a repository of each tool's.
func (j *latJourneys) copy(p *benchPkg) []latStep {
	src := j.ref(toolDZ, p)
	dst := func(tool string) string { return fmt.Sprintf("%s/%s-copy/%s:%s", j.ns(), short(tool), p.Name, p.Tag) }
	return j.only([]latStep{
		{step{journey: lCopyMany, tool: toolDZ, argv: []string{j.bin("docker-zarf"), "publish", "oci://" + src, "oci://" + j.ns() + "/dz-copy", "-a", "amd64", "--plain-http"}}, p},
		{step{journey: lCopyMany, tool: toolORAS, argv: []string{j.bin("oras"), "cp", "--from-plain-http", "--to-plain-http", "--concurrency", "6", src, dst(toolORAS)}}, p},
		{step{journey: lCopyMany, tool: toolCrane, argv: []string{j.bin("crane"), "copy", "--insecure", src, dst(toolCrane)}}, p},
		{step{journey: lCopyMany, tool: toolZarf, argv: j.zarfCmd("package", "publish", "oci://"+src, "oci://"+j.ns()+"/zarf-copy")}, p},
	})
}

// only drops the steps of tools not in this run (Zarf when absent).
func (j *latJourneys) only(steps []latStep) []latStep {
	var out []latStep
	for _, s := range steps {
		for _, t := range j.tools() {
			if s.tool == t {
				out = append(out, s)
			}
		}
	}
	return out
}
