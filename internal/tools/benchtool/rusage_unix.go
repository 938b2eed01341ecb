//go:build unix

package main

import (
	"os"
	"syscall"
)

// childMaxRSS is the child's peak RSS in KiB as the kernel reports it
// (Linux reports KiB), a fallback when /usr/bin/time is not used.
func childMaxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss
	}
	return 0
}

// flushPageCache writes every dirty page to disk (sync(2)).
func flushPageCache() { syscall.Sync() }
