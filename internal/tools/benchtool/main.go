// Command benchtool does the parts of scripts/bench that bash does badly:
// generating the benchmark packages and timing the journeys of docker-zarf,
// oras and crane against local registries, then writing the results.
//
//	benchtool gen -work DIR -sizes 1,4
//	benchtool run -work DIR -bin BIN -registry NAME=HOST[=STOREDIR] … -runs 3 -sizes 1 -out DIR
//	benchtool latency -work DIR -bin BIN -upstream HOST:PORT -latencies 0,50 -runs 3 -big 0.25 [-zarf ZARF] -out DIR
//
// It is a benchmark, not a test: nothing fails on a time. It fails only when
// a tool fails or a pull writes fewer bytes than the package holds.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchtool gen|run|latency …")
		os.Exit(2)
	}
	// The first SIGINT cancels running commands; scripts/bench's trap then
	// stops the registries.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "gen":
		err = genCmd(ctx, os.Args[2:])
	case "run":
		err = runCmd(ctx, os.Args[2:])
	case "latency":
		err = latencyCmd(ctx, os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtool:", err)
		os.Exit(1)
	}
}
