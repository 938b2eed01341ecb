package plugin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/docker/cli/cli"
	"github.com/docker/cli/cli-plugins/metadata"
	cliplugin "github.com/docker/cli/cli-plugins/plugin"
	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"
)

// Exit codes. They follow docker: 1 for a failed run and for a wrong number
// of arguments, 125 for an unknown or malformed flag (docker/cli's
// FlagErrorFunc), and 130 when the user cancelled (Ctrl-C).
const (
	ExitFailure  = 1
	ExitUsage    = 125
	ExitCanceled = 130
)

// BuildInfo is what the build stamped into the binary.
type BuildInfo struct {
	Version string // "dev" for a plain go build
	Commit  string // "" when unknown
}

// Main runs docker-zarf with the process arguments and returns the exit code.
// docker starts a plugin as `docker-zarf [global flags] zarf …`; a standalone
// run (`docker-zarf publish …`) is rewritten to that form so that both go
// through the same plugin runtime and honour --config, -D and -l alike.
func Main(args []string, info BuildInfo) int {
	dockerCli, err := command.NewDockerCli()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return ExitFailure
	}
	if cliplugin.RunningStandalone() {
		os.Args = standaloneArgs(args)
	}
	root := NewRootCmd(dockerCli, info)
	err = cliplugin.RunPlugin(dockerCli, root, Metadata(info))
	if err == nil {
		return 0
	}
	fmt.Fprintln(dockerCli.Err(), Describe(err))
	return exitCode(err)
}

// Metadata is what `docker-zarf docker-cli-plugin-metadata` answers.
func Metadata(info BuildInfo) metadata.Metadata {
	return metadata.Metadata{
		SchemaVersion:    "0.1.0",
		Vendor:           "docker-zarf",
		Version:          info.Version,
		ShortDescription: "Publish, pull and inspect Zarf packages in OCI registries",
		URL:              "https://github.com/docker-zarf/docker-zarf",
	}
}

func exitCode(err error) int {
	var st cli.StatusError
	switch {
	case errors.Is(err, context.Canceled):
		return ExitCanceled
	case errors.As(err, &st) && st.StatusCode != 0:
		return st.StatusCode
	}
	return ExitFailure
}

// standaloneArgs turns `docker-zarf [globals] SUB …` into
// `docker-zarf [globals] zarf SUB …`. The plugin name goes right before the
// first word that is one of our subcommands, so that docker's global flags
// (which must come before the plugin name) stay where docker expects them.
func standaloneArgs(args []string) []string {
	subs := []string{"publish", "pull", "inspect", "ls", "list", "version", "completion", "help"}
	out := slices.Clone(args[:1])
	for i, a := range args[1:] {
		switch {
		case a == cobra.ShellCompRequestCmd || a == cobra.ShellCompNoDescRequestCmd:
			// A standalone completion script asks `docker-zarf __complete
			// publish …`; docker's tree completes `__complete zarf publish …`.
			out = append(out, args[1:i+2]...)
			out = append(out, "zarf")
			return append(out, args[i+2:]...)
		case slices.Contains(subs, a):
			out = append(out, args[1:i+1]...)
			out = append(out, "zarf")
			return append(out, args[i+1:]...)
		}
	}
	out = append(out, "zarf")
	return append(out, args[1:]...)
}
