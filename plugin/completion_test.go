package plugin

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// completed is what one `__complete` answered: the candidates (without
// descriptions) and the directive.
type completed struct {
	values    []string
	directive cobra.ShellCompDirective
}

// parseCompletion reads cobra's __complete protocol: one candidate a line
// ("value\tdescription"), then ":<directive>".
func parseCompletion(t *testing.T, out string) completed {
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
	c := completed{directive: cobra.ShellCompDirective(d)}
	for _, l := range lines[:len(lines)-1] {
		v, _, _ := strings.Cut(l, "\t")
		c.values = append(c.values, v)
	}
	return c
}

func (c completed) check(t *testing.T, want []string, directive cobra.ShellCompDirective) {
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
	{"subcommands", []string{""}, []string{"publish", "pull", "inspect", "ls", "version", "cache", "completion"}, false, noFile},
	{"cache subcommands", []string{"cache", ""}, []string{"ls", "prune"}, false, noFile},
	{"cache ls takes no argument", []string{"cache", "ls", ""}, nil, true, noFile},
	{"cache ls --format", []string{"cache", "ls", "--format", ""}, []string{"text", "json"}, true, noFile},
	{"cache prune --format", []string{"cache", "prune", "--format", ""}, []string{"text", "json"}, true, noFile},
	{"cache prune --cache is a directory", []string{"cache", "prune", "--cache", ""}, nil, true, dirs},
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

// loginConfigJSON is a config.json after `docker login` to Docker Hub
// (which docker stores under its v1 URL), to a registry with a port, to one
// whose credentials a credential store keeps (an empty entry), and with a
// credential helper for ECR.
const loginConfigJSON = `{
  "auths": {
    "https://index.docker.io/v1/": {"auth": "dXNlcjpwYXNz"},
    "localhost:5000": {"auth": "dXNlcjpwYXNz"},
    "Registry.Example.com": {},
    "https://registry.example.com/v2/": {},
    "bad host\tname": {}
  },
  "credHelpers": {"123456789012.dkr.ecr.us-east-1.amazonaws.com": "ecr-login"}
}`

var (
	loginRegistryRefs = []string{"oci://123456789012.dkr.ecr.us-east-1.amazonaws.com/", "oci://docker.io/", "oci://localhost:5000/", "oci://registry.example.com/"}
	registryRefs      = cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
)

// registryCompletionCases: every argument that takes an oci:// reference
// offers the registries of docker login, as oci://HOST/ and without a
// space after; package-file arguments stay files until they start "oci:".
var registryCompletionCases = []struct {
	name      string
	args      []string // after __complete
	want      []string // exactly
	directive cobra.ShellCompDirective
}{
	{"pull", []string{"pull", ""}, loginRegistryRefs, registryRefs},
	{"pull oci://", []string{"pull", "oci://"}, loginRegistryRefs, registryRefs},
	{"pull a prefix", []string{"pull", "oci://reg"}, []string{"oci://registry.example.com/"}, registryRefs},
	{"pull past the host", []string{"pull", "oci://docker.io/lib"}, nil, noFile},
	{"pull with flags first", []string{"pull", "-a", "arm64", "oci://l"}, []string{"oci://localhost:5000/"}, registryRefs},
	{"ls", []string{"ls", "oci://d"}, []string{"oci://docker.io/"}, registryRefs},
	{"inspect", []string{"inspect", "oci:"}, loginRegistryRefs, registryRefs},
	{"inspect file", []string{"inspect", ""}, []string{"zst", "tar", "part000"}, fileExt},
	{"publish target", []string{"publish", "a.tar.zst", ""}, loginRegistryRefs, registryRefs},
	{"copy source", []string{"publish", "oci://loc"}, []string{"oci://localhost:5000/"}, registryRefs},
	{"copy target", []string{"publish", "oci://localhost:5000/ns/demo:1.0.0", "oci://1"}, loginRegistryRefs[:1], registryRefs},
	{"publish file", []string{"publish", ""}, []string{"zst", "tar", "part000"}, fileExt},
	{"no third argument", []string{"publish", "a.tar.zst", "oci://docker.io/ns", ""}, nil, noFile},
	{"cache ls", []string{"cache", "ls", ""}, nil, noFile},
}

// loginConfigDir writes loginConfigJSON into dir (a new directory when
// "") and returns it, for DOCKER_CONFIG.
func loginConfigDir(t *testing.T, dir string) string {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(loginConfigJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestCompletionRegistriesInProcess(t *testing.T) {
	cfg := loginConfigDir(t, "")
	for _, tc := range registryCompletionCases {
		t.Run(tc.name, func(t *testing.T) {
			r := mustSucceed(t, runCLI(t, cfg, append([]string{cobra.ShellCompRequestCmd}, tc.args...)...))
			c := parseCompletion(t, r.stdout)
			if !slices.Equal(c.values, tc.want) || c.directive != tc.directive {
				t.Fatalf("completions %q (directive %d), want %q (%d)", c.values, c.directive, tc.want, tc.directive)
			}
		})
	}
}

// TestCompletionRegistriesStandalone asks the binary, and the binary
// through docker, with the config given by DOCKER_CONFIG and by --config.
func TestCompletionRegistriesStandalone(t *testing.T) {
	bin := pluginBinary(t)
	cfg := loginConfigDir(t, "")
	for _, tc := range registryCompletionCases {
		t.Run(tc.name, func(t *testing.T) {
			r := runProcess(t, exec.Command(bin, append([]string{cobra.ShellCompRequestCmd}, tc.args...)...), cfg)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if c := parseCompletion(t, r.stdout); !slices.Equal(c.values, tc.want) || c.directive != tc.directive {
				t.Fatalf("completions %q (directive %d), want %q (%d)", c.values, c.directive, tc.want, tc.directive)
			}
		})
	}
	r := runProcess(t, exec.Command(bin, "--config", cfg, cobra.ShellCompRequestCmd, "pull", "oci://"), emptyConfig(t))
	if c := parseCompletion(t, r.stdout); !slices.Equal(c.values, loginRegistryRefs) {
		t.Fatalf("docker-zarf --config DIR __complete pull oci:// offered %q: %s", c.values, r.stderr)
	}
}

func TestCompletionRegistriesThroughDocker(t *testing.T) {
	docker := dockerCLI(t)
	cfg := loginConfigDir(t, pluginConfig(t))
	// docker's own __complete finds plugins only through DOCKER_CONFIG:
	// with --config DIR it does not even complete `docker zarf pu`.
	for _, args := range [][]string{
		{"zarf", "pull", "oci://"},
		{"zarf", "publish", "pkg.tar.zst", ""},
		{"zarf", "inspect", "oci:"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := runProcess(t, exec.Command(docker, append([]string{cobra.ShellCompRequestCmd}, args...)...), cfg)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if c := parseCompletion(t, r.stdout); !slices.Equal(c.values, loginRegistryRefs) || c.directive != registryRefs {
				t.Fatalf("completions %q (directive %d), want %q", c.values, c.directive, loginRegistryRefs)
			}
		})
	}
}
