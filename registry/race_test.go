//go:build race

package registry

// raceEnabled tells long tests to do less under the race detector, which
// slows hashing and copying several times.
const raceEnabled = true
