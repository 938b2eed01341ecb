// Package completion is shell completion for docker-zarf: values of flags,
// package files, and oci://HOST/ for each registry of `docker login`, as
// docker/cli's cli/command/completion does for docker's own commands.
package completion

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/docker/cli/cli"
	"github.com/docker/cli/cli/config"
	"github.com/docker/cli/cli/config/configfile"
	"github.com/spf13/cobra"

	"github.com/docker-zarf/docker-zarf/plugin/formatter"
)

// architectures offered for -a: what Zarf builds for, plus skeleton.
var completionArchitectures = []string{"amd64", "arm64", "skeleton"}

// RegisterFlags completes the values of the flags cmd has, and its
// oci:// arguments.
func RegisterFlags(cmd *cobra.Command) {
	fixed := func(values ...string) cobra.CompletionFunc {
		return cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp)
	}
	if cmd.Flags().Lookup("architecture") != nil {
		_ = cmd.RegisterFlagCompletionFunc("architecture", fixed(completionArchitectures...))
	}
	if cmd.Flags().Lookup("format") != nil {
		_ = cmd.RegisterFlagCompletionFunc("format", fixed(formatter.Text, formatter.JSON))
	}
	if cmd.Flags().Lookup("package-format") != nil {
		_ = cmd.RegisterFlagCompletionFunc("package-format", fixed("tar.zst", "tar", "dir"))
	}
	for _, dirFlag := range []string{"output", "cache", "sbom"} {
		if cmd.Flags().Lookup(dirFlag) != nil {
			_ = cmd.RegisterFlagCompletionFunc(dirFlag, dirCompletion)
		}
	}
	registerReferenceCompletion(cmd, loginConfig)
}

func dirCompletion(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveFilterDirs
}

// PackageFiles offers local package files for the first argument.
func PackageFiles(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return []string{"zst", "tar", "part000"}, cobra.ShellCompDirectiveFilterFileExt
}

// registerReferenceCompletion makes the arguments that take an oci://
// reference offer oci://HOST/ for each registry of `docker login`: pull's
// and ls's, the target of publish, and the first argument of publish and
// inspect once it starts with "oci:" (before that it is a package file).
func registerReferenceCompletion(cmd *cobra.Command, cfg func() *configfile.ConfigFile) {
	if !strings.Contains(cmd.Use, "oci://") {
		return // cache ls is an ls too
	}
	files := cmd.ValidArgsFunction
	registries := func(toComplete string) ([]string, cobra.ShellCompDirective) {
		return completeRegistries(loginRegistries(cfg()), toComplete)
	}
	switch cmd.Name() {
	case "pull", "ls":
		cmd.ValidArgsFunction = func(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return registries(toComplete)
		}
	case "publish", "inspect":
		cmd.ValidArgsFunction = func(c *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			switch {
			case len(args) == 0 && strings.HasPrefix(toComplete, "oci:"):
				return registries(toComplete)
			case len(args) == 1 && cmd.Name() == "publish":
				return registries(toComplete)
			}
			return files(c, args, toComplete)
		}
	}
}

// loginConfig is docker's config file, as `docker --config` or
// DOCKER_CONFIG chose it: the docker CLI sets the directory before any
// command, __complete included, runs.
func loginConfig() *configfile.ConfigFile { return config.LoadDefaultConfigFile(io.Discard) }

// completeRegistries offers oci://HOST/ for those hosts that extend what
// the user typed. They end in a slash, so the shell adds no space.
func completeRegistries(hosts []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	var out []string
	for _, h := range hosts {
		if c := "oci://" + h + "/"; strings.HasPrefix(c, toComplete) {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return out, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
}

// loginRegistries are the registries the config holds credentials or a
// credential helper for, as hosts, sorted and once each. Docker Hub is
// stored as https://index.docker.io/v1/ and offered as docker.io.
func loginRegistries(cfg *configfile.ConfigFile) []string {
	if cfg == nil {
		return nil
	}
	var hosts []string
	add := func(key string) {
		if h := registryHost(key); h != "" && !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	for key := range cfg.AuthConfigs {
		add(key)
	}
	for key := range cfg.CredentialHelpers {
		add(key)
	}
	slices.Sort(hosts)
	return hosts
}

// registryHost turns a config key (a host, or a URL as old docker versions
// wrote them) into the host of an oci:// reference, or "" for a key that
// is none: a shell must never receive a candidate with spaces or control
// characters.
func registryHost(key string) string {
	h := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(key), "https://"), "http://")
	h, _, _ = strings.Cut(h, "/")
	h = strings.ToLower(h)
	switch h {
	case "index.docker.io", "registry-1.docker.io":
		return "docker.io"
	}
	for _, r := range h {
		if !strings.ContainsRune("abcdefghijklmnopqrstuvwxyz0123456789.-_:[]", r) {
			return ""
		}
	}
	return h
}

// None offers nothing, not even files.
func None(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveNoFileComp
}

// NewCommand is `completion SHELL`: it writes a completion script for the standalone binary.
// Inside docker, `docker zarf <TAB>` completes through docker's own script,
// which asks the plugin's __complete.
func NewCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Write a shell completion script for the standalone docker-zarf binary",
		Example: `  source <(docker-zarf completion bash)
  docker-zarf completion zsh > "${fpath[1]}/_docker-zarf"
  docker-zarf completion fish > ~/.config/fish/completions/docker-zarf.fish`,
		Args:      cli.ExactArgs(1),
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		RunE: func(cmd *cobra.Command, args []string) error {
			return writeCompletion(cmd.OutOrStdout(), args[0])
		},
	}
}

// writeCompletion generates the script from a stand-in root named after the
// binary: cobra's scripts are dynamic, so all they take from the root is its
// name, and every answer comes from `docker-zarf __complete` at run time.
func writeCompletion(w io.Writer, shell string) error {
	root := &cobra.Command{Use: "docker-zarf"}
	switch shell {
	case "bash":
		return root.GenBashCompletionV2(w, true)
	case "zsh":
		return root.GenZshCompletion(w)
	case "fish":
		return root.GenFishCompletion(w, true)
	case "powershell":
		return root.GenPowerShellCompletionWithDesc(w)
	}
	return fmt.Errorf("unknown shell %q: use bash, zsh, fish or powershell", shell)
}
