package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker/cli/cli/command"
	cliflags "github.com/docker/cli/cli/flags"
)

// fixtures is the copy of ../shared/fixtures the tests use.
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

func runCLIContext(ctx context.Context, t *testing.T, configDir string, args ...string) cliResult {
	t.Helper()
	t.Setenv("DOCKER_CONFIG", configDir)
	var out, errb bytes.Buffer
	dockerCli, err := command.NewDockerCli(command.WithOutputStream(&out), command.WithErrorStream(&errb),
		command.WithInputStream(io.NopCloser(strings.NewReader(""))))
	if err != nil {
		t.Fatal(err)
	}
	opts := cliflags.NewClientOptions()
	opts.ConfigDir = configDir
	if err := dockerCli.Initialize(opts); err != nil {
		t.Fatal(err)
	}
	root := NewRootCmd("zarf", true, dockerCli, BuildInfo{Version: "v0.0.0-test", Commit: "abc123"})
	root.SetArgs(withPlainHTTP(args))
	root.SetOut(&out)
	root.SetErr(&errb)
	err = root.ExecuteContext(ctx)
	return cliResult{stdout: out.String(), stderr: errb.String(), err: err}
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

func mustFail(t *testing.T, r cliResult, want string) {
	t.Helper()
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
