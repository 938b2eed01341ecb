// Package journey holds docker-zarf's journeys: publish a package from disk,
// pull one to disk, copy one between registries, and inspect or list what a
// registry holds. Each journey is one function, context first, with an
// options struct whose zero value works, as go-containerregistry's
// pkg/crane does for cmd/crane.
//
// It ties layout (the package on disk), manifest (the Zarf ↔ OCI mapping),
// registry (the network) and progress together, and parses the oci://
// references of the command line. It knows neither cobra nor docker/cli:
// flags, output formats and the wording of remedies live in plugin.
package journey

import "github.com/docker-zarf/docker-zarf/progress"

// DefaultConcurrency is how many blobs move at a time when an options
// struct leaves Concurrency at 0. Zarf's --oci-concurrency defaults to 6.
const DefaultConcurrency = 6

func concurrency(n int) int {
	if n <= 0 {
		return DefaultConcurrency
	}
	return n
}

func tracker(t progress.Tracker) progress.Tracker {
	if t == nil {
		return progress.Nop()
	}
	return t
}

func warnf(f func(string, ...any)) func(string, ...any) {
	if f == nil {
		return func(string, ...any) {}
	}
	return f
}
