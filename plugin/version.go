package plugin

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/docker/cli/cli"
	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"
)

type versionInfo struct {
	Version             string `json:"version"`
	Commit              string `json:"commit,omitempty"`
	GoVersion           string `json:"goVersion"`
	Platform            string `json:"platform"`
	GoContainerRegistry string `json:"goContainerRegistry,omitempty"`
	DockerCLI           string `json:"dockerCli,omitempty"`
}

func newVersionCmd(dockerCli command.Cli, info BuildInfo) *cobra.Command {
	var out outputOptions
	cmd := &cobra.Command{
		Use:     "version",
		Short:   "Show the docker-zarf version and what it was built with",
		Example: "  docker zarf version\n  docker zarf version --format json",
		Args:    cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			v := buildVersion(info)
			return out.print(dockerCli.Out(), v, v.Version, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "docker-zarf %s\n commit: %s\n go: %s %s\n go-containerregistry: %s\n docker/cli: %s\n",
					v.Version, orUnknown(v.Commit), v.GoVersion, v.Platform, orUnknown(v.GoContainerRegistry), orUnknown(v.DockerCLI))
				return err
			})
		},
	}
	out.addFlags(cmd.Flags(), "Print only the version")
	registerFlagCompletions(cmd)
	return cmd
}

func buildVersion(info BuildInfo) versionInfo {
	v := versionInfo{
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

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
