package plugin

import (
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// completion is what one `__complete` answered: the candidates (without
// descriptions) and the directive.
type completion struct {
	values    []string
	directive cobra.ShellCompDirective
}

// parseCompletion reads cobra's __complete protocol: one candidate a line
// ("value\tdescription"), then ":<directive>".
func parseCompletion(t *testing.T, out string) completion {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, ":") {
		t.Fatalf("no directive line in %q", out)
	}
	d, err := strconv.Atoi(last[1:])
	if err != nil {
		t.Fatalf("directive %q: %v", last, err)
	}
	c := completion{directive: cobra.ShellCompDirective(d)}
	for _, l := range lines[:len(lines)-1] {
		v, _, _ := strings.Cut(l, "\t")
		c.values = append(c.values, v)
	}
	return c
}

func (c completion) check(t *testing.T, want []string, directive cobra.ShellCompDirective) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(c.values, w) {
			t.Errorf("completions %q lack %q", c.values, w)
		}
	}
	if c.directive != directive {
		t.Errorf("directive %d, want %d", c.directive, directive)
	}
}

var (
	noFile  = cobra.ShellCompDirectiveNoFileComp
	fileExt = cobra.ShellCompDirectiveFilterFileExt
	dirs    = cobra.ShellCompDirectiveFilterDirs
)

// completionCases are asked of the in-process tree and of the binary.
var completionCases = []struct {
	name      string
	args      []string // after __complete
	want      []string
	exactly   bool // the candidates are exactly want
	directive cobra.ShellCompDirective
}{
	{"subcommands", []string{""}, []string{"publish", "pull", "inspect", "ls", "version", "completion"}, false, noFile},
	{"prefix", []string{"pu"}, []string{"publish", "pull"}, true, noFile},
	{"publish flags", []string{"publish", "--"}, []string{"--architecture", "--tag", "--format", "--plain-http", "--chunk-size", "--quiet"}, false, noFile},
	{"pull flags", []string{"pull", "--"}, []string{"--architecture", "--format", "--package-format", "--components", "--cache", "--no-cache"}, false, noFile},
	{"publish -a", []string{"publish", "-a", ""}, []string{"amd64", "arm64", "skeleton"}, true, noFile},
	{"publish --architecture", []string{"publish", "--architecture", ""}, []string{"amd64", "arm64", "skeleton"}, true, noFile},
	{"pull -a", []string{"pull", "-a", ""}, []string{"amd64", "arm64", "skeleton"}, true, noFile},
	{"inspect -a", []string{"inspect", "-a", "a"}, []string{"amd64", "arm64"}, false, noFile},
	{"pull --format", []string{"pull", "--format", ""}, []string{"text", "json"}, true, noFile},
	{"pull --package-format", []string{"pull", "--package-format", ""}, []string{"tar.zst", "tar", "dir"}, true, noFile},
	{"inspect --format", []string{"inspect", "--format", ""}, []string{"text", "json"}, true, noFile},
	{"publish --format", []string{"publish", "--format", ""}, []string{"text", "json"}, true, noFile},
	{"ls --format", []string{"ls", "--format", ""}, []string{"text", "json"}, true, noFile},
	{"version --format", []string{"version", "--format", ""}, []string{"text", "json"}, true, noFile},
	{"pull -o is a directory", []string{"pull", "-o", ""}, nil, true, dirs},
	{"pull --cache is a directory", []string{"pull", "--cache", ""}, nil, true, dirs},
	{"publish package files", []string{"publish", ""}, []string{"zst", "tar", "part000"}, true, fileExt},
	{"inspect package files", []string{"inspect", ""}, []string{"zst", "tar", "part000"}, true, fileExt},
	{"publish target is no file", []string{"publish", "a.tar.zst", ""}, nil, true, noFile},
	{"pull ref is no file", []string{"pull", ""}, nil, true, noFile},
	{"completion shells", []string{"completion", ""}, []string{"bash", "zsh", "fish", "powershell"}, true, noFile},
}

func TestCompletionInProcess(t *testing.T) {
	cfg := emptyConfig(t)
	for _, tc := range completionCases {
		t.Run(tc.name, func(t *testing.T) {
			r := mustSucceed(t, runCLI(t, cfg, append([]string{cobra.ShellCompRequestCmd}, tc.args...)...))
			c := parseCompletion(t, r.stdout)
			c.check(t, tc.want, tc.directive)
			if tc.exactly && len(c.values) != len(tc.want) {
				t.Errorf("completions %q, want exactly %q", c.values, tc.want)
			}
		})
	}
}

// TestCompletionStandalone asks the built binary as its own completion
// script does (`docker-zarf __complete …`), which standaloneArgs rewrites
// for docker's plugin runtime.
func TestCompletionStandalone(t *testing.T) {
	for _, tc := range completionCases {
		t.Run(tc.name, func(t *testing.T) {
			r := runBinary(t, append([]string{cobra.ShellCompRequestCmd}, tc.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			parseCompletion(t, r.stdout).check(t, tc.want, tc.directive)
		})
	}
}

// TestCompletionThroughDocker: docker's own completion delegates
// `docker zarf …` to the plugin's __complete.
func TestCompletionThroughDocker(t *testing.T) {
	docker := dockerCLI(t)
	cfg := pluginConfig(t)
	cases := []struct {
		args      []string
		want      []string
		directive cobra.ShellCompDirective
	}{
		{[]string{"zar"}, []string{"zarf"}, noFile},
		{[]string{"zarf", "pu"}, []string{"publish", "pull"}, noFile},
		{[]string{"zarf", "pull", "-a", ""}, []string{"amd64", "arm64", "skeleton"}, noFile},
		{[]string{"zarf", "inspect", "--format", ""}, []string{"text", "json"}, noFile},
		{[]string{"zarf", "publish", ""}, []string{"zst", "tar", "part000"}, fileExt},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := runProcess(t, exec.Command(docker, append([]string{cobra.ShellCompRequestCmd}, tc.args...)...), cfg)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			parseCompletion(t, r.stdout).check(t, tc.want, tc.directive)
		})
	}
}

func TestCompletionScripts(t *testing.T) {
	cfg := emptyConfig(t)
	for shell, marker := range map[string]string{
		"bash":       "__start_docker-zarf",
		"zsh":        "#compdef docker-zarf",
		"fish":       "complete -c docker-zarf",
		"powershell": "Register-ArgumentCompleter -CommandName 'docker-zarf'",
	} {
		t.Run(shell, func(t *testing.T) {
			r := mustSucceed(t, runCLI(t, cfg, "completion", shell))
			if !strings.Contains(r.stdout, marker) {
				t.Fatalf("the %s script lacks %q:\n%.400s", shell, marker, r.stdout)
			}
			// The script asks the binary itself, by its own name.
			if !strings.Contains(r.stdout, "docker-zarf __complete") && !strings.Contains(r.stdout, cobra.ShellCompRequestCmd) {
				t.Fatalf("the %s script never calls __complete", shell)
			}
		})
	}
	mustFail(t, runCLI(t, cfg, "completion", "tcsh"), `unknown shell "tcsh"`)
	mustFail(t, runCLI(t, cfg, "completion"), "requires 1 argument")
}
