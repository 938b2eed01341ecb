package plugin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/docker-zarf/docker-zarf/plugin/formatter"
	"github.com/docker/cli/cli"
	"github.com/docker/cli/cli-plugins/metadata"
	cliplugin "github.com/docker/cli/cli-plugins/plugin"
	"github.com/docker/cli/cli/command"
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

// Main runs docker-zarf with the process arguments and returns the exit
// code. Started by docker, it runs as the plugin `zarf`; started by hand,
// it runs the same tree under its own name, with docker's global flags
// (--config, -D, -l, …) parsed the way docker parses them, as buildx does.
func Main(args []string, info BuildInfo) int {
	dockerCli, err := command.NewDockerCli()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return ExitFailure
	}
	if cliplugin.RunningStandalone() {
		err = runStandalone(dockerCli, args, info)
	} else {
		err = cliplugin.RunPlugin(dockerCli, NewRootCmd("zarf", true, dockerCli, info), Metadata(info))
	}
	if err == nil {
		return 0
	}
	fmt.Fprintln(dockerCli.Err(), formatter.Safe(Describe(err)))
	return exitCode(err)
}

// runStandalone runs `docker-zarf [global flags] SUB …`. The global flags
// go on the root, as docker's plugin runtime puts them on its `docker`
// root, and are parsed up to the first subcommand.
func runStandalone(dockerCli *command.DockerCli, args []string, info BuildInfo) error {
	root := NewRootCmd(filepath.Base(args[0]), false, dockerCli, info)
	opts, flags := cli.SetupPluginRootCommand(root)
	tcmd := cli.NewTopLevelCommand(root, dockerCli, opts, flags)
	tcmd.SetArgs(args[1:])
	cmd, rest, err := tcmd.HandleGlobalFlags()
	if err != nil {
		return err
	}
	if err := tcmd.Initialize(); err != nil {
		return err
	}
	cmd.SetArgs(rest)
	return cmd.Execute()
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

// Describe is the line the user reads for err: docker's own usage errors
// as they are (they carry the usage text on purpose), every other error
// in formatter's words.
func Describe(err error) string {
	var st cli.StatusError
	if errors.As(err, &st) {
		return st.Error()
	}
	return formatter.Describe(err)
}
