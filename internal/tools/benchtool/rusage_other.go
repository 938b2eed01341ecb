//go:build !unix

package main

import "os"

// childMaxRSS is unknown off unix: the benchmark relies on /usr/bin/time -v.
func childMaxRSS(*os.ProcessState) int64 { return 0 }

// flushPageCache is a no-op off unix.
func flushPageCache() {}
