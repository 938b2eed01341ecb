package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
)

// sample is one timed command.
type sample struct {
	Seconds float64 `json:"seconds"`
	// RSSKiB is the peak resident set size: from /usr/bin/time -v when it
	// is installed, else from the wait4 rusage (the same kernel figure).
	RSSKiB int64 `json:"rssKiB"`
	// CPUSeconds is user plus system time of the command and its children.
	CPUSeconds float64 `json:"cpuSeconds"`
	// WrittenBytes is what the command sent to the storage layer (from
	// /usr/bin/time -v's file system outputs, 512-byte blocks; 0 without it).
	WrittenBytes int64 `json:"writtenBytes,omitempty"`
	// Requests counts the registry requests by kind (latency mode only: the
	// benchmark's proxy counts them).
	Requests map[string]int `json:"requests,omitempty"`
}

// total is the number of registry requests (401 answers are counted once,
// under their kind; connections are not requests).
func (s sample) total() int {
	n := 0
	for k, v := range s.Requests {
		if k != faultproxy.KindUnauthorized && k != faultproxy.KindConnection {
			n += v
		}
	}
	return n
}

// runner runs commands, timing them and logging their output.
type runner struct {
	timeBin string // "/usr/bin/time" or "" when missing
	log     *os.File
	env     []string // the environment of every command; nil: ours
}

func newRunner(logPath string) (*runner, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	r := &runner{log: f}
	if _, err := os.Stat("/usr/bin/time"); err == nil {
		r.timeBin = "/usr/bin/time"
	}
	return r, nil
}

// run executes argv in dir and measures wall time and peak RSS. Output goes
// to the log; a failure returns the command's last output lines.
func (r *runner) run(ctx context.Context, dir string, argv ...string) (sample, error) {
	var rssFile string
	cmdArgs := argv
	if r.timeBin != "" {
		f, err := os.CreateTemp("", "benchtool-time-*")
		if err != nil {
			return sample{}, err
		}
		rssFile = f.Name()
		f.Close()
		defer os.Remove(rssFile)
		cmdArgs = append([]string{r.timeBin, "-v", "-o", rssFile}, argv...)
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, cmdArgs[0], cmdArgs[1:]...)
	cmd.Dir = dir
	cmd.Env = r.env
	cmd.Stdout, cmd.Stderr = &out, &out
	fmt.Fprintf(r.log, "$ %s\n", strings.Join(argv, " "))
	// Every timed command starts with no dirty page cache: otherwise the
	// data the previous command left unflushed (peers never fsync) throttles
	// the writes of whichever command comes next.
	flushPageCache()
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start).Seconds()
	r.log.Write(out.Bytes())
	if err != nil {
		return sample{}, fmt.Errorf("%s: %w\n%s", strings.Join(argv, " "), err, tail(out.String(), 15))
	}
	ps := cmd.ProcessState
	s := sample{Seconds: elapsed, RSSKiB: childMaxRSS(ps), CPUSeconds: (ps.UserTime() + ps.SystemTime()).Seconds()}
	if rssFile != "" {
		if v, err := timeReport(rssFile); err == nil {
			s.RSSKiB = int64(v["Maximum resident set size (kbytes)"])
			s.CPUSeconds = v["User time (seconds)"] + v["System time (seconds)"]
			s.WrittenBytes = int64(v["File system outputs"]) * 512
		}
	}
	fmt.Fprintf(r.log, "# %.3fs, %.2f CPU s, peak RSS %d KiB\n", s.Seconds, s.CPUSeconds, s.RSSKiB)
	return s, nil
}

// timeReport reads the "Name: number" lines of /usr/bin/time -v output.
func timeReport(path string) (map[string]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), ": ")
		if n, err := strconv.ParseFloat(strings.TrimSpace(v), 64); ok && err == nil {
			out[k] = n
		}
	}
	if _, ok := out["Maximum resident set size (kbytes)"]; !ok {
		return nil, fmt.Errorf("no maximum resident set size in %s", path)
	}
	return out, sc.Err()
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// treeBytes is the total size of the regular files under dir: a pull that
// wrote less than the package holds did not really download it.
func treeBytes(dir string) (int64, error) {
	var total int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			total += info.Size()
		}
		return err
	})
	return total, err
}
