package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// latConfig is everything latencyCmd's flags say.
type latConfig struct {
	common
	zarf      string  // the Zarf CLI; "": not compared
	upstream  string  // host:port of the registry behind the proxy
	big       float64 // GiB
	latencies []time.Duration
}

// latencyCmd times the journeys of issue 12 through a proxy that delays
// every request and demands token auth, at each latency, and writes
// bench-latency-<stamp>.{md,json}.
func latencyCmd(ctx context.Context, args []string) error {
	cfg, err := parseLatency(args)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return err
	}
	stamp := time.Now().UTC().Format("20060102-150405")
	r, err := newRunner(filepath.Join(cfg.out, "bench-latency-"+stamp+".log"))
	if err != nil {
		return err
	}
	defer r.log.Close()
	docker := filepath.Join(cfg.work, "docker-config-latency")
	r.env = append(os.Environ(), "DOCKER_CONFIG="+docker)
	pkgs := map[string]*benchPkg{}
	for _, k := range []pkgKey{{"mid", 0}, {"many", 0}, {"big", cfg.big}} {
		if pkgs[k.kind], err = ensurePackage(ctx, cfg.work, k.kind, k.size); err != nil {
			return err
		}
	}
	rep := &report{Started: time.Now().UTC(), Runs: cfg.runs, Sizes: []float64{cfg.big}, Meta: cfg.meta,
		stamp: stamp, Latency: true}
	rep.fillHost()
	for _, d := range cfg.latencies {
		px, err := startProxy(cfg.upstream, d)
		if err != nil {
			return err
		}
		label := fmt.Sprintf("%d ms", d.Milliseconds())
		rep.Registries = append(rep.Registries, registryTarget{Name: label, Host: px.Host})
		err = writeDockerConfig(docker, px.Host)
		for i := 1; i <= cfg.runs && err == nil; i++ {
			j := &latJourneys{cfg: cfg, r: r, px: px, label: label, run: i, stamp: stamp, rep: rep, pkgs: pkgs}
			err = j.all(ctx)
		}
		px.close()
		if err != nil {
			return fmt.Errorf("%s: %w", label, err)
		}
	}
	return rep.write(cfg.out)
}

func parseLatency(args []string) (*latConfig, error) {
	fs := flag.NewFlagSet("latency", flag.ContinueOnError)
	cfg := &latConfig{}
	cfg.addFlags(fs)
	fs.StringVar(&cfg.zarf, "zarf", "", "the Zarf CLI, compared when given")
	fs.StringVar(&cfg.upstream, "upstream", "", "host:port of the registry (no auth) behind the proxy")
	fs.Float64Var(&cfg.big, "big", 0.25, "size in GiB of the big package")
	lat := fs.String("latencies", "0,50", "comma-separated delays per request, in ms")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if cfg.work == "" || cfg.upstream == "" || cfg.runs < 1 || cfg.big <= 0 {
		return nil, fmt.Errorf("latency needs -work, -upstream, -runs >= 1 and -big > 0")
	}
	for _, s := range strings.Split(*lat, ",") {
		ms, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || ms < 0 {
			return nil, fmt.Errorf("bad latency %q (milliseconds, e.g. 0,50)", s)
		}
		cfg.latencies = append(cfg.latencies, time.Duration(ms)*time.Millisecond)
	}
	return cfg, nil
}
