package plugin

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The process-level tests share one docker-zarf binary and one way to run a
// process (startProcess, and runProcess / runBinary on top of it). In-process
// runs of the command tree go through execCLI (cli_test.go).

// What the test binary is stamped with, as `make build` stamps a release.
const (
	binVersion = "v1.2.3-test"
	binCommit  = "0123456789abcdef"
)

// processTimeout bounds every process a test starts: a hung child is killed
// rather than hanging `go test` until its own timeout.
const processTimeout = 2 * time.Minute

// builtBinary is the docker-zarf binary the process-level tests share: one
// build per `go test` run, removed by TestMain.
var builtBinary struct {
	once     sync.Once
	dir, bin string
	err      error
}

func TestMain(m *testing.M) {
	// Pulls without --cache and publish's kept scans go to the user's
	// cache directory; the tests get one of their own. go build keeps its
	// own cache where it was, or every run would rebuild from nothing.
	if out, err := exec.Command("go", "env", "GOCACHE").Output(); err == nil {
		os.Setenv("GOCACHE", strings.TrimSpace(string(out)))
	}
	cache, err := os.MkdirTemp("", "docker-zarf-xdg-cache-")
	if err == nil {
		os.Setenv("XDG_CACHE_HOME", cache)
	}
	code := m.Run()
	if builtBinary.dir != "" {
		os.RemoveAll(builtBinary.dir)
	}
	if cache != "" {
		os.RemoveAll(cache)
	}
	os.Exit(code)
}

// pluginBinary builds cmd/docker-zarf once per test run, as `make build`
// does (CGO off, -trimpath, the version stamped by -ldflags), and returns
// its path. Every test that runs the binary uses this one.
func pluginBinary(t *testing.T) string {
	t.Helper()
	b := &builtBinary
	b.once.Do(func() {
		if b.dir, b.err = os.MkdirTemp("", "docker-zarf-bin-"); b.err != nil {
			return
		}
		b.bin = filepath.Join(b.dir, "docker-zarf")
		cmd := exec.Command("go", "build", "-trimpath", "-o", b.bin,
			"-ldflags", "-X main.version="+binVersion+" -X main.commit="+binCommit, "../cmd/docker-zarf")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("building docker-zarf: %v\n%s", err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.bin
}

// binResult is one run of a process.
type binResult struct {
	stdout, stderr string
	code           int  // exit code; -1 when a signal ended it
	killed         bool // the test killed it before it finished
}

// process is a started process whose output is being captured.
type process struct {
	cmd       *exec.Cmd
	out, errb bytes.Buffer
	done      chan struct{} // closed once the process has been waited for
	waitErr   error
}

// startProcess starts cmd with DOCKER_CONFIG=configDir, no colours and its
// output captured. The process is killed if it outlives processTimeout or
// the test.
func startProcess(t *testing.T, cmd *exec.Cmd, configDir string) *process {
	t.Helper()
	p := &process{cmd: cmd, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &p.out, &p.errb
	cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+configDir, "NO_COLOR=")
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %v: %v", cmd.Args, err)
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	timer := time.AfterFunc(processTimeout, func() { _ = cmd.Process.Kill() })
	t.Cleanup(func() {
		timer.Stop()
		_ = cmd.Process.Kill() // an error only says it already ended
		<-p.done
	})
	return p
}

// wait waits for the process to end and returns what it printed. With
// killAfter > 0 it is sent SIGKILL (no handler, no cleanup) if it is still
// running after that long.
func (p *process) wait(t *testing.T, killAfter time.Duration) binResult {
	t.Helper()
	res := binResult{}
	if killAfter > 0 {
		select {
		case <-p.done:
		case <-time.After(killAfter):
			_ = p.cmd.Process.Kill()
			res.killed = true
			<-p.done
		}
	}
	<-p.done
	var ee *exec.ExitError
	if p.waitErr != nil && !errors.As(p.waitErr, &ee) {
		t.Fatalf("running %v: %v", p.cmd.Args, p.waitErr)
	}
	res.stdout, res.stderr = p.out.String(), p.errb.String()
	res.code = p.cmd.ProcessState.ExitCode()
	return res
}

// runProcess runs cmd to its end with DOCKER_CONFIG=configDir.
func runProcess(t *testing.T, cmd *exec.Cmd, configDir string) binResult {
	t.Helper()
	return startProcess(t, cmd, configDir).wait(t, 0)
}

// runBinary runs the built plugin standalone with an empty DOCKER_CONFIG.
func runBinary(t *testing.T, args ...string) binResult {
	t.Helper()
	return runBinaryWith(t, emptyConfig(t), args...)
}

// runBinaryWith runs the built plugin standalone with DOCKER_CONFIG=cfg.
func runBinaryWith(t *testing.T, cfg string, args ...string) binResult {
	t.Helper()
	return runProcess(t, exec.Command(pluginBinary(t), withPlainHTTP(args)...), cfg)
}
