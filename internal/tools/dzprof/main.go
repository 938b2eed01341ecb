// Command dzprof is docker-zarf with a CPU profile, for scripts/bench:
//
//	dzprof PROFILE [docker-zarf arguments…]
//
// It lives here, not behind a hidden flag of the product, so that the
// released binary carries no benchmark code.
package main

import (
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/docker-zarf/docker-zarf/plugin"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: dzprof PROFILE [docker-zarf arguments…]")
		os.Exit(2)
	}
	os.Exit(run(os.Args[1], append([]string{"docker-zarf"}, os.Args[2:]...)))
}

func run(profile string, args []string) int {
	f, err := os.Create(profile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer pprof.StopCPUProfile()
	os.Args = args
	return plugin.Main(args, plugin.BuildInfo{Version: "bench"})
}
