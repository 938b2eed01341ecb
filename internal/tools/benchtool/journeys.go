package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// journeys runs every journey of one package once, against one registry.
// Each run pushes into repositories of its own (…/<stamp>-r<run>/<tool>/),
// so no blob is skipped because an earlier run or another tool pushed it.
type journeys struct {
	cfg   *runConfig
	r     *runner
	reg   registryTarget
	p     *benchPkg
	run   int
	stamp string
	rep   *report
}

// step is one command of a journey.
type step struct {
	journey, tool string
	dir           string   // working directory; "" for the current one
	argv          []string // the command
	pullOut       string   // for pulls: the output directory, checked after
	minBytes      int64    // for pulls: fewer bytes written means it did not download
}

const zarfLayer = "application/vnd.zarf.layer.v1.blob"
const zarfConfig = "application/vnd.zarf.config.v1+json"

func (j *journeys) ns() string {
	return fmt.Sprintf("%s/bench/%s-r%d", j.reg.Host, j.stamp, j.run)
}

// ref is where a tool's copy of the package lives.
func (j *journeys) ref(tool string) string {
	return fmt.Sprintf("%s/%s/%s:%s", j.ns(), short(tool), j.p.Name, j.p.Tag)
}

func short(tool string) string {
	if tool == toolDZ {
		return "dz"
	}
	return tool
}

func (j *journeys) bin(name string) string { return filepath.Join(j.cfg.bin, name) }

// all runs publish, republish, inspect and the pulls; the tools take turns
// going first from one run to the next so that none always meets a cold
// (or warm) page cache or registry.
func (j *journeys) all(ctx context.Context) error {
	outs := filepath.Join(j.cfg.work, "out")
	defer os.RemoveAll(outs)
	defer j.prune()
	dz := j.bin("docker-zarf")
	dzTarget := "oci://" + j.ns() + "/dz"
	dzRef := "oci://" + j.ref(toolDZ)
	push := []step{
		{journey: jPublish, tool: toolDZ, argv: []string{dz, "publish", j.p.Archive, dzTarget, "--plain-http"}},
		{journey: jPublish, tool: toolORAS, dir: j.p.Dir, argv: j.orasPush()},
		{journey: jPublish, tool: toolCrane, argv: []string{j.bin("crane"), "push", "--insecure", j.p.OCI, j.ref(toolCrane)}},
	}
	var rounds [][]step
	rounds = append(rounds, push)
	rounds = append(rounds, relabel(push, jRepublish))
	rounds = append(rounds, []step{
		{journey: jInspect, tool: toolDZ, argv: []string{dz, "inspect", dzRef, "-a", "amd64", "--plain-http"}},
		{journey: jInspect, tool: toolORAS, argv: []string{j.bin("oras"), "manifest", "fetch", "--plain-http", j.ref(toolORAS)}},
		{journey: jInspect, tool: toolCrane, argv: []string{j.bin("crane"), "manifest", "--insecure", j.ref(toolCrane)}},
	})
	// A Zarf .tar.zst of incompressible data is about as big as its files;
	// the small text components compress, hence some slack.
	tarOut, dirOut := filepath.Join(outs, "dz-tar"), filepath.Join(outs, "dz-dir")
	orasOut, craneOut := filepath.Join(outs, "oras"), filepath.Join(outs, "crane")
	rounds = append(rounds, []step{
		{journey: jPullTar, tool: toolDZ, pullOut: tarOut, minBytes: j.p.Bytes * 9 / 10,
			argv: []string{dz, "pull", dzRef, "-a", "amd64", "--plain-http", "--no-cache", "-o", tarOut}},
		{journey: jPullDir, tool: toolDZ, pullOut: dirOut, minBytes: j.p.Bytes,
			argv: []string{dz, "pull", dzRef, "-a", "amd64", "--plain-http", "--no-cache", "--package-format", "dir", "-o", dirOut}},
		{journey: jPullDir, tool: toolORAS, pullOut: orasOut, minBytes: j.p.Bytes,
			argv: []string{j.bin("oras"), "pull", "--plain-http", "--concurrency", "6", j.ref(toolORAS), "-o", orasOut}},
		{journey: jPullDir, tool: toolCrane, pullOut: craneOut, minBytes: j.p.Bytes,
			argv: []string{j.bin("crane"), "pull", "--insecure", "--format", "oci", j.ref(toolCrane), craneOut}},
	})
	for _, round := range rounds {
		for _, s := range rotate(round, j.run) {
			if err := j.do(ctx, s); err != nil {
				return err
			}
		}
	}
	return nil
}

// orasPush pushes the unpacked files by their relative paths (run in
// p.Dir), with the Zarf config blob, at docker-zarf's concurrency.
func (j *journeys) orasPush() []string { return orasPush(j.bin("oras"), j.ref(toolORAS), j.p) }

func orasPush(oras, ref string, p *benchPkg) []string {
	argv := []string{oras, "push", "--plain-http", "--concurrency", "6",
		ref, "--config", p.Config + ":" + zarfConfig}
	for _, f := range p.Files {
		argv = append(argv, f+":"+zarfLayer)
	}
	return argv
}

func (j *journeys) do(ctx context.Context, s step) error {
	fmt.Fprintf(os.Stderr, "%s %s run %d: %s %s\n", j.reg.Name, j.p.Name, j.run, s.tool, s.journey)
	if s.tool == toolDZ && j.cfg.profile != "" {
		// dzprof is docker-zarf with a CPU profile: dzprof PROFILE ARGS…
		s.argv = append([]string{j.bin("dzprof"), filepath.Join(j.cfg.profile, j.profileName(s.journey))}, s.argv[1:]...)
	}
	got, err := j.r.step(ctx, s)
	if err != nil {
		return err
	}
	j.rep.add(j.reg.Name, j.p, s.journey, s.tool, got)
	return nil
}

// step runs s and, for a pull, checks that it wrote its package and frees
// the disk again.
func (r *runner) step(ctx context.Context, s step) (sample, error) {
	if s.pullOut != "" {
		if err := os.RemoveAll(s.pullOut); err != nil {
			return sample{}, err
		}
		if err := os.MkdirAll(s.pullOut, 0o755); err != nil {
			return sample{}, err
		}
	}
	got, err := r.run(ctx, s.dir, s.argv...)
	if err != nil || s.pullOut == "" {
		return got, err
	}
	n, err := treeBytes(s.pullOut)
	if err != nil {
		return got, err
	}
	if n < s.minBytes {
		return got, fmt.Errorf("%s %s wrote %d bytes, want at least %d", s.tool, s.journey, n, s.minBytes)
	}
	// Free the disk (and the page cache's dirty pages) for the next one.
	return got, os.RemoveAll(s.pullOut)
}

// prune removes this run's repositories from an olareg store.
func (j *journeys) prune() {
	if j.reg.Store == "" {
		return
	}
	ns := strings.TrimPrefix(j.ns(), j.reg.Host+"/")
	os.RemoveAll(filepath.Join(j.reg.Store, filepath.FromSlash(ns)))
}

func relabel(steps []step, journey string) []step {
	out := make([]step, len(steps))
	for i, s := range steps {
		s.journey = journey
		out[i] = s
	}
	return out
}

// rotate starts the list at position n (mod its length).
func rotate[T any](steps []T, n int) []T {
	k := n % len(steps)
	return append(append([]T{}, steps[k:]...), steps[:k]...)
}

// profileName is <registry>-<package>-<journey>-r<run>.prof, file-name safe.
func (j *journeys) profileName(journey string) string {
	name := fmt.Sprintf("%s-%s-%s-r%d.prof", strings.Fields(j.reg.Name)[0], j.p.Name, journey, j.run)
	return strings.NewReplacer(" ", "-", "/", "-").Replace(strings.ReplaceAll(name, "pull to .tar.zst", "pull-tarzst"))
}
