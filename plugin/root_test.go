package plugin

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/journey"
)

// walk calls fn for cmd and every command under it.
func walk(cmd *cobra.Command, fn func(*cobra.Command)) {
	fn(cmd)
	for _, c := range cmd.Commands() {
		walk(c, fn)
	}
}

// TestCommandTreeDocumented: every command says what it is for and shows an
// example, and every flag says what it does.
func TestCommandTreeDocumented(t *testing.T) {
	dockerCli, err := command.NewDockerCli()
	if err != nil {
		t.Fatal(err)
	}
	root := NewRootCmd("zarf", true, dockerCli, BuildInfo{Version: "v0.0.0-test"})
	seen := 0
	walk(root, func(c *cobra.Command) {
		seen++
		t.Run(c.CommandPath(), func(t *testing.T) {
			if c.Short == "" || c.Use == "" {
				t.Errorf("%s: no Use or Short", c.CommandPath())
			}
			if strings.TrimSpace(c.Example) == "" {
				t.Errorf("%s: no Example", c.CommandPath())
			}
			for _, line := range strings.Split(strings.TrimRight(c.Example, "\n"), "\n") {
				if !strings.HasPrefix(line, "  ") {
					t.Errorf("%s: example line %q is not indented like docker's", c.CommandPath(), line)
				}
			}
			if c.Runnable() && c.Args == nil {
				t.Errorf("%s: no Args validator, so stray arguments are silently ignored", c.CommandPath())
			}
			check := func(f *pflag.Flag) {
				if strings.TrimSpace(f.Usage) == "" {
					t.Errorf("%s: flag --%s has no usage text", c.CommandPath(), f.Name)
				}
			}
			c.LocalFlags().VisitAll(check)
			c.PersistentFlags().VisitAll(check)
		})
	})
	if seen < 7 {
		t.Fatalf("walked %d commands, want the root and its six subcommands", seen)
	}
}

// TestOutputStreams: results go to stdout, progress and errors to stderr, so
// `docker zarf publish … --format json | jq` sees only JSON.
func TestOutputStreams(t *testing.T) {
	reg := testregistry.Start(t)
	cfg := emptyConfig(t)
	target := "oci://" + reg.Host + "/streams"

	r := mustSucceed(t, runCLI(t, cfg, "publish", demoAmd64, target, "--format", "json"))
	var res journey.Published
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("publish --format json stdout is not JSON: %v\n%s", err, r.stdout)
	}
	if !strings.Contains(r.stderr, "pushed zarf.yaml") {
		t.Fatalf("publish --format json shows no progress on stderr: %q", r.stderr)
	}

	r = mustSucceed(t, runCLI(t, cfg, "publish", demoArm64, target))
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if lines[0] != "Published "+reg.Host+"/streams/demo:1.0.0" || !strings.HasPrefix(lines[1], "arm64: digest: sha256:") ||
		!strings.HasPrefix(lines[2], "index: sha256:") || !strings.Contains(r.stderr, "skipped ") {
		t.Fatalf("publish: stdout %q, stderr %q", r.stdout, r.stderr)
	}

	// -q keeps the result, the reference, and drops the chatter.
	r = mustSucceed(t, runCLI(t, cfg, "publish", demoArm64, target, "-q"))
	if r.stdout != reg.Host+"/streams/demo:1.0.0\n" || r.stderr != "" {
		t.Fatalf("publish -q printed stdout %q, stderr %q", r.stdout, r.stderr)
	}

	out := t.TempDir()
	r = mustSucceed(t, runCLI(t, cfg, "pull", target+"/demo:1.0.0", "-a", "arm64", "-o", out, "--no-cache"))
	if !strings.HasPrefix(strings.TrimSpace(r.stdout), out) || strings.Count(r.stdout, "\n") != 1 || !strings.Contains(r.stderr, "pulled ") {
		t.Fatalf("pull: stdout %q (want only the package path), stderr %q", r.stdout, r.stderr)
	}

	r = mustSucceed(t, runCLI(t, cfg, "inspect", target+"/demo:1.0.0", "-a", "arm64", "--format", "json"))
	if !json.Valid([]byte(r.stdout)) || r.stderr != "" {
		t.Fatalf("inspect --format json: stdout %q, stderr %q", r.stdout, r.stderr)
	}
}

// TestNoColour: docker-zarf prints no colour (nor any escape sequence) when
// its output is not a terminal, whatever NO_COLOR says; the bars on a
// terminal are checked in tty_linux_test.go.
func TestNoColour(t *testing.T) {
	reg := testregistry.Start(t)
	cfg := emptyConfig(t)
	target := "oci://" + reg.Host + "/colour"
	for _, noColor := range []string{"", "1"} {
		t.Run("NO_COLOR="+noColor, func(t *testing.T) {
			t.Setenv("NO_COLOR", noColor)
			runs := [][]string{
				{"publish", flavored, target},
				{"pull", target + "/flavored:0.2.0-upstream", "-a", "amd64", "-o", t.TempDir(), "--no-cache"},
				{"inspect", target + "/flavored:0.2.0-upstream", "-a", "amd64", "--layers"},
				{"ls", target + "/flavored"},
				{"version"},
				{"pull", target + "/flavored:0.2.0-upstream", "-a", "s390x"},
			}
			for _, args := range runs {
				r := runCLI(t, cfg, args...)
				msg := ""
				if r.err != nil {
					msg = Describe(r.err)
				}
				if s := r.stdout + r.stderr + msg; strings.ContainsRune(s, '\x1b') {
					t.Errorf("%v printed an escape sequence: %q", args, s)
				}
			}
		})
	}
}
