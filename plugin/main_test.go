package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/cli/cli"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

func TestExitCode(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want int
	}{
		{"failure", errors.New("boom"), ExitFailure},
		{"usage error of ours", fmt.Errorf("-o %q is not one of text, json", "xml"), ExitFailure},
		{"docker flag error", cli.StatusError{StatusCode: 125, Status: "unknown flag: --x"}, ExitUsage},
		{"wrapped status", fmt.Errorf("running: %w", cli.StatusError{StatusCode: 125}), ExitUsage},
		{"status without code", cli.StatusError{Status: "x"}, ExitFailure},
		{"cancelled", context.Canceled, ExitCanceled},
		{"wrapped cancel", fmt.Errorf("pushing components/a.tar: %w", context.Canceled), ExitCanceled},
		{"deadline is a failure", context.DeadlineExceeded, ExitFailure},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := exitCode(tc.err); got != tc.want {
				t.Fatalf("exitCode(%v) = %d, want %d", tc.err, got, tc.want)
			}
		})
	}
}

// TestBinaryExitCodesAndStreams runs the real binary: exit codes follow
// docker, errors go to stderr, results to stdout.
func TestBinaryExitCodesAndStreams(t *testing.T) {
	pkg := flavored
	cases := []struct {
		name       string
		args       []string
		code       int
		stderrHas  string
		stdoutHas  string
		stdoutNone bool
	}{
		{"success", []string{"version"}, 0, "", "docker-zarf " + binVersion, false},
		{"unknown flag", []string{"publish", "--no-such-flag", pkg, "oci://127.0.0.1:1/ns"}, ExitUsage, "unknown flag: --no-such-flag", "", true},
		{"bad flag value", []string{"pull", "--retries", "many", "oci://127.0.0.1:1/ns/p:1"}, ExitUsage, "invalid argument", "", true},
		{"wrong arg count", []string{"publish", pkg}, ExitFailure, "requires 2 arguments", "", true},
		{"failure", []string{"publish", "no-such-package.tar.zst", "oci://127.0.0.1:1/ns"}, ExitFailure, "Error: ", "", true},
		{"unreachable registry", []string{"inspect", "oci://127.0.0.1:1/ns/p:1", "--plain-http", "--retries", "0"}, ExitFailure, "connection refused", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runBinary(t, tc.args...)
			if r.code != tc.code {
				t.Fatalf("exit code %d, want %d\nstderr: %s", r.code, tc.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.stderrHas) || !strings.Contains(r.stdout, tc.stdoutHas) {
				t.Fatalf("stdout %q, stderr %q: want %q in stdout and %q in stderr", r.stdout, r.stderr, tc.stdoutHas, tc.stderrHas)
			}
			if tc.stdoutNone && r.stdout != "" {
				t.Fatalf("a failed run printed to stdout: %q", r.stdout)
			}
		})
	}
}

// TestBinaryInterruptExits130 sends SIGINT to a publish that is stuck on a
// slow registry: the process stops promptly with docker's 130.
func TestBinaryInterruptExits130(t *testing.T) {
	bin := pluginBinary(t)
	p := faultproxy.New(1)
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	p.Set(faultproxy.Slow(time.Minute, faultproxy.UploadStart))

	proc := startProcess(t, exec.Command(bin, "publish", demoAmd64, "oci://"+reg.Host+"/slow", "--plain-http"), emptyConfig(t))
	deadline := time.Now().Add(20 * time.Second)
	for p.Fired(faultproxy.NameSlow) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the publish never reached an upload\nstderr: %s", proc.wait(t, time.Millisecond).stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := proc.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-proc.done:
	case <-time.After(15 * time.Second):
		t.Fatal("publish still running 15 s after SIGINT")
	}
	r := proc.wait(t, 0)
	if r.code != ExitCanceled {
		t.Fatalf("exit code %d after SIGINT, want %d\nstderr: %s", r.code, ExitCanceled, r.stderr)
	}
	if !strings.Contains(r.stderr, "Cancelled") || r.stdout != "" {
		t.Fatalf("stdout %q, stderr %q: want nothing on stdout and the cancellation on stderr", r.stdout, r.stderr)
	}
}

// TestBinaryThroughDocker runs the plugin as docker does, from a temporary
// DOCKER_CONFIG/cli-plugins: docker lists it with its version and passes
// its exit codes through.
func TestBinaryThroughDocker(t *testing.T) {
	docker := dockerCLI(t)
	cfg := pluginConfig(t)
	run := func(args ...string) binResult { return runProcess(t, exec.Command(docker, args...), cfg) }

	if r := run("zarf", "version"); r.code != 0 || !strings.Contains(r.stdout, "docker-zarf "+binVersion) {
		t.Fatalf("docker zarf version: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := run("zarf", "pull", "--no-such-flag"); r.code != ExitUsage {
		t.Fatalf("docker zarf pull --no-such-flag: exit %d, want %d\nstderr: %s", r.code, ExitUsage, r.stderr)
	}
	if r := run("zarf", "pull"); r.code != ExitFailure || !strings.Contains(r.stderr, "requires 1 argument") {
		t.Fatalf("docker zarf pull: exit %d, stderr %q", r.code, r.stderr)
	}
	// docker info reads every plugin's metadata; its client part needs no daemon.
	r := run("--host", "unix:///nonexistent/docker.sock", "info", "--format", "{{json .ClientInfo.Plugins}}")
	var plugins []struct{ Name, Version, Vendor, Path string }
	if err := json.Unmarshal([]byte(r.stdout), &plugins); err != nil {
		t.Fatalf("docker info printed %q (%v), stderr %q", r.stdout, err, r.stderr)
	}
	if !slices.ContainsFunc(plugins, func(p struct{ Name, Version, Vendor, Path string }) bool {
		return p.Name == "zarf" && p.Version == binVersion && p.Vendor == "docker-zarf"
	}) {
		t.Fatalf("docker does not see the plugin with version %s: %+v", binVersion, plugins)
	}
}

// dockerCLI is the docker binary, or a skip where there is none.
func dockerCLI(t *testing.T) string {
	t.Helper()
	docker, err := exec.LookPath("docker")
	if err != nil {
		t.Skip("no docker CLI on PATH")
	}
	return docker
}

// pluginConfig is a DOCKER_CONFIG with the built binary in cli-plugins.
func pluginConfig(t *testing.T) string {
	t.Helper()
	cfg := emptyConfig(t)
	dir := filepath.Join(cfg, "cli-plugins")
	b, err := os.ReadFile(pluginBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "docker-zarf"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	return cfg
}
