package plugin

import (
	"runtime"
	"runtime/debug"

	"github.com/docker-zarf/docker-zarf/plugin/completion"
	"github.com/docker-zarf/docker-zarf/plugin/flags"
	"github.com/docker-zarf/docker-zarf/plugin/formatter"
	"github.com/docker/cli/cli"
	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"
)

func newVersionCmd(dockerCli command.Cli, info BuildInfo) *cobra.Command {
	var out flags.Output
	cmd := &cobra.Command{
		Use:     "version",
		Short:   "Show the docker-zarf version and what it was built with",
		Example: "  docker zarf version\n  docker zarf version --format json",
		Args:    cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.Validate(); err != nil {
				return err
			}
			v := buildVersion(info)
			return out.Print(dockerCli.Out(), v, v.Version, v.Text)
		},
	}
	out.AddFlags(cmd.Flags(), "Print only the version")
	completion.RegisterFlags(cmd)
	return cmd
}

func buildVersion(info BuildInfo) formatter.Version {
	v := formatter.Version{
		Version:   userAgent(info)[len("docker-zarf/"):],
		Commit:    info.Commit,
		GoVersion: runtime.Version(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	for _, dep := range bi.Deps {
		switch dep.Path {
		case "github.com/google/go-containerregistry":
			v.GoContainerRegistry = dep.Version
		case "github.com/docker/cli":
			v.DockerCLI = dep.Version
		}
	}
	if v.Commit == "" {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				v.Commit = s.Value
			}
		}
	}
	return v
}

func userAgent(info BuildInfo) string {
	v := info.Version
	if v == "" {
		v = "dev"
	}
	return "docker-zarf/" + v
}
