package plugin

import (
	"fmt"
	"io"

	"github.com/docker/cli/cli"
	"github.com/spf13/cobra"
)

// architectures offered for -a: what Zarf builds for, plus skeleton.
var completionArchitectures = []string{"amd64", "arm64", "skeleton"}

// registerFlagCompletions completes the values of the flags a command has.
func registerFlagCompletions(cmd *cobra.Command) {
	fixed := func(values ...string) cobra.CompletionFunc {
		return cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp)
	}
	if cmd.Flags().Lookup("architecture") != nil {
		_ = cmd.RegisterFlagCompletionFunc("architecture", fixed(completionArchitectures...))
	}
	if cmd.Flags().Lookup("format") != nil {
		_ = cmd.RegisterFlagCompletionFunc("format", fixed(formatText, formatJSON))
	}
	if cmd.Flags().Lookup("package-format") != nil {
		_ = cmd.RegisterFlagCompletionFunc("package-format", fixed("tar.zst", "tar", "dir"))
	}
	for _, dirFlag := range []string{"output", "cache", "sbom"} {
		if cmd.Flags().Lookup(dirFlag) != nil {
			_ = cmd.RegisterFlagCompletionFunc(dirFlag, dirCompletion)
		}
	}
}

func dirCompletion(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveFilterDirs
}

// completePackageFiles offers local package files for the first argument.
func completePackageFiles(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return []string{"zst", "tar", "part000"}, cobra.ShellCompDirectiveFilterFileExt
}

func noCompletion(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveNoFileComp
}

// newCompletionCmd writes a completion script for the standalone binary.
// Inside docker, `docker zarf <TAB>` completes through docker's own script,
// which asks the plugin's __complete.
func newCompletionCmd() *cobra.Command {
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
