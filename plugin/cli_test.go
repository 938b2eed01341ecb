package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/docker/cli/cli/command"
	cliflags "github.com/docker/cli/cli/flags"
)

// fixtures holds packages made by the real Zarf CLI and what Zarf pushed
// for them (see its README.md).
const fixtures = "../testdata/fixtures"

// cliResult is what one in-process run of the command tree printed.
type cliResult struct {
	stdout, stderr string
	err            error
}

// runCLI runs `docker zarf ARGS…` in-process with DOCKER_CONFIG=configDir,
// through the same root command docker runs, and returns what it printed.
func runCLI(t *testing.T, configDir string, args ...string) cliResult {
	t.Helper()
	return runCLIContext(context.Background(), t, configDir, args...)
}

// runCLIContext is runCLI with a context. It also sets DOCKER_CONFIG in the
// environment (t.Setenv, so the test cannot be parallel), where the
// registry client looks for certs.d.
func runCLIContext(ctx context.Context, t *testing.T, configDir string, args ...string) cliResult {
	t.Helper()
	t.Setenv("DOCKER_CONFIG", configDir)
	r := execCLI(ctx, configDir, args...)
	if errors.Is(r.err, errSetup) {
		t.Fatal(r.err)
	}
	return r
}

// errSetup marks an execCLI error that comes from the test's own set-up of
// docker's CLI, not from the command.
var errSetup = errors.New("test set-up")

// initMu serialises docker/cli's Initialize across concurrent execCLI calls.
var initMu sync.Mutex

// execCLI is the one in-process run of the command tree: runCLI and
// runCLIContext call it, and so can goroutines of one test (it needs no
// *testing.T and leaves the environment alone). configDir is given to
// docker's config loader explicitly. A failure to set docker's CLI up is
// returned as the run's error.
func execCLI(ctx context.Context, configDir string, args ...string) cliResult {
	var out, errb lockedBuffer
	dockerCli, err := command.NewDockerCli(command.WithOutputStream(&out), command.WithErrorStream(&errb),
		command.WithInputStream(io.NopCloser(strings.NewReader(""))))
	if err != nil {
		return cliResult{err: fmt.Errorf("%w: %w", errSetup, err)}
	}
	opts := cliflags.NewClientOptions()
	opts.ConfigDir = configDir
	// Initialize sets docker/cli's process-wide config directory before it
	// loads config.json from it; one at a time, each run loads its own.
	initMu.Lock()
	err = dockerCli.Initialize(opts)
	initMu.Unlock()
	if err != nil {
		return cliResult{err: fmt.Errorf("%w: %w", errSetup, err)}
	}
	root := NewRootCmd("zarf", true, dockerCli, BuildInfo{Version: "v0.0.0-test", Commit: "abc123"})
	root.SetArgs(withPlainHTTP(args))
	root.SetOut(&out)
	root.SetErr(&errb)
	err = root.ExecuteContext(ctx)
	return cliResult{stdout: out.String(), stderr: errb.String(), err: err}
}

// lockedBuffer is a bytes.Buffer safe for concurrent writes. Parallel
// transfers write to stderr from several goroutines under different locks
// (the progress lines, the -D trace): harmless on an *os.File, whose
// writes are safe, but a race on a plain bytes.Buffer.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// dockerConfig writes a config.json into a new directory and returns it.
func dockerConfig(t *testing.T, cfg map[string]any) string {
	t.Helper()
	dir := t.TempDir()
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// emptyConfig is a DOCKER_CONFIG with no credentials.
func emptyConfig(t *testing.T) string { return dockerConfig(t, map[string]any{}) }

func mustSucceed(t *testing.T, r cliResult) cliResult {
	t.Helper()
	if r.err != nil {
		t.Fatalf("command failed: %v\nstderr: %s", r.err, r.stderr)
	}
	return r
}

// mustFail fails unless r failed with a one-line error holding want. An
// empty want would match any error, so it is refused.
func mustFail(t *testing.T, r cliResult, want string) {
	t.Helper()
	if want == "" {
		t.Fatal("mustFail needs the message the error must hold")
	}
	if r.err == nil {
		t.Fatalf("command succeeded, want an error containing %q\nstdout: %s", want, r.stdout)
	}
	msg := Describe(r.err)
	if !strings.Contains(msg, want) {
		t.Fatalf("error %q does not contain %q", msg, want)
	}
	if strings.Contains(strings.TrimSpace(msg), "\n") {
		t.Fatalf("error is not one line: %q", msg)
	}
}
