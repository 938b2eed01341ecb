package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// registryTarget is a running registry: a name for the report, host:port,
// and for olareg the storage directory whose repositories are removed after
// each run (olareg stores blobs per repository, so disk use would grow by
// the package size per tool and run).
type registryTarget struct {
	Name  string `json:"name"`
	Host  string `json:"host"`
	Store string `json:"-"`
}

// runConfig is everything runCmd's flags say.
type runConfig struct {
	common
	profile    string // "": no profiles; else dzprof writes docker-zarf CPU profiles here
	sizes      []float64
	kinds      []string
	registries []registryTarget
}

// common are the settings run and latency share.
type common struct {
	work, bin, out string
	runs           int
	meta           map[string]string
}

// addFlags declares the flags of the common settings.
func (c *common) addFlags(fs *flag.FlagSet) {
	c.meta = map[string]string{}
	fs.StringVar(&c.work, "work", "", "work directory (packages, outputs)")
	fs.StringVar(&c.bin, "bin", "bin", "directory holding docker-zarf, oras and crane")
	fs.StringVar(&c.out, "out", "bench-results", "directory for the results")
	fs.IntVar(&c.runs, "runs", 3, "runs per journey (the median is reported)")
	fs.Func("meta", "KEY=VALUE recorded in the results, repeatable", func(s string) error {
		k, v, _ := strings.Cut(s, "=")
		c.meta[k] = v
		return nil
	})
}

// writeVersions writes the "Versions:" line of a report.
func writeVersions(b *strings.Builder, meta map[string]string) {
	if len(meta) == 0 {
		return
	}
	var kv []string
	for k, v := range meta {
		kv = append(kv, k+" "+v)
	}
	slices.Sort(kv)
	fmt.Fprintf(b, "Versions: %s.\n", strings.Join(kv, ", "))
}

// Tools and journeys as they appear in the results.
const (
	toolDZ    = "docker-zarf"
	toolORAS  = "oras"
	toolCrane = "crane"

	jPublish   = "publish"
	jRepublish = "republish unchanged"
	jInspect   = "inspect"
	jPullTar   = "pull to .tar.zst"
	jPullDir   = "pull to dir"
)

func runCmd(ctx context.Context, args []string) error {
	cfg, err := parseRun(args)
	if err != nil {
		return err
	}
	for _, d := range []string{cfg.out, cfg.profile} {
		if d == "" {
			continue
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	stamp := time.Now().UTC().Format("20060102-150405")
	r, err := newRunner(filepath.Join(cfg.out, "bench-"+stamp+".log"))
	if err != nil {
		return err
	}
	defer r.log.Close()
	docker := filepath.Join(cfg.work, "docker-config")
	if err := os.MkdirAll(docker, 0o700); err != nil {
		return err
	}
	r.env = append(os.Environ(), "DOCKER_CONFIG="+docker)
	var pkgs []*benchPkg
	for _, k := range kindsFor(cfg.sizes, cfg.kinds) {
		p, err := ensurePackage(ctx, cfg.work, k.kind, k.size)
		if err != nil {
			return err
		}
		pkgs = append(pkgs, p)
	}
	rep := newReport(cfg, pkgs, stamp)
	for _, reg := range cfg.registries {
		for i := 1; i <= cfg.runs; i++ {
			for _, p := range pkgs {
				j := &journeys{cfg: cfg, r: r, reg: reg, p: p, run: i, stamp: stamp, rep: rep}
				if err := j.all(ctx); err != nil {
					return fmt.Errorf("%s, %s, run %d: %w", reg.Name, p.Name, i, err)
				}
			}
		}
	}
	return rep.write(cfg.out)
}

func parseRun(args []string) (*runConfig, error) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	cfg := &runConfig{}
	cfg.addFlags(fs)
	fs.StringVar(&cfg.profile, "profile", "", "directory for docker-zarf CPU profiles (through bin/dzprof); empty: none")
	sizes := fs.String("sizes", "1", "comma-separated sizes in GiB of the big package")
	kinds := fs.String("packages", "big,many,mixed", "which packages")
	fs.Func("registry", "NAME=HOST[=STOREDIR], repeatable", func(s string) error {
		parts := strings.SplitN(s, "=", 3)
		if len(parts) < 2 {
			return fmt.Errorf("want NAME=HOST[=STOREDIR], got %q", s)
		}
		t := registryTarget{Name: parts[0], Host: parts[1]}
		if len(parts) == 3 {
			t.Store = parts[2]
		}
		cfg.registries = append(cfg.registries, t)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if cfg.work == "" || len(cfg.registries) == 0 || cfg.runs < 1 {
		return nil, fmt.Errorf("run needs -work, at least one -registry and -runs >= 1")
	}
	var err error
	cfg.sizes, cfg.kinds, err = parseLists(*sizes, *kinds)
	return cfg, err
}

// parseLists parses "1,4" and "big,many".
func parseLists(sizes, kinds string) ([]float64, []string, error) {
	var ss []float64
	for _, s := range strings.Split(sizes, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || v <= 0 {
			return nil, nil, fmt.Errorf("bad size %q (GiB, e.g. 1 or 0.25)", s)
		}
		ss = append(ss, v)
	}
	var ks []string
	for _, k := range strings.Split(kinds, ",") {
		switch k = strings.TrimSpace(k); k {
		case "big", "mid", "many", "mixed":
			ks = append(ks, k)
		default:
			return nil, nil, fmt.Errorf("unknown package %q (big, mid, many, mixed)", k)
		}
	}
	return ss, ks, nil
}
