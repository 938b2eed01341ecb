package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/docker/cli/cli"
	"github.com/docker/cli/cli/command"
	"github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/docker-zarf/docker-zarf/journey"
)

type listOptions struct {
	remote remoteOptions
	output outputOptions
}

func newListCmd(dockerCli command.Cli, info BuildInfo) *cobra.Command {
	var opts listOptions
	cmd := &cobra.Command{
		Use:     "ls oci://REGISTRY/NAMESPACE/NAME",
		Aliases: []string{"list"},
		Short:   "List the tags of a package in a registry, with architectures and sizes",
		Example: `  docker zarf ls oci://registry.example.com/team/demo
  docker zarf ls oci://localhost:5000/team/demo --plain-http -o json`,
		Args: cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runList(cmd.Context(), dockerCli, info, opts, args[0])
		},
		ValidArgsFunction: noCompletion,
	}
	opts.remote.addFlags(cmd.Flags())
	opts.output.addFlags(cmd.Flags(), "text", "json")
	registerFlagCompletions(cmd)
	return cmd
}

func runList(ctx context.Context, dockerCli command.Cli, info BuildInfo, opts listOptions, src string) error {
	if err := opts.output.validate("text", "json"); err != nil {
		return err
	}
	repo, err := journey.ParseRepository(src)
	if errors.Is(err, journey.ErrHasIdentifier) {
		return fmt.Errorf("invalid repository %q: ls takes oci://REGISTRY/NAMESPACE/NAME without a tag or digest", src)
	}
	if err != nil {
		return err
	}
	c, err := opts.remote.client(dockerCli, info)
	if err != nil {
		return err
	}
	rows, err := journey.List(ctx, c, repo, journey.ListOptions{Concurrency: opts.remote.concurrency})
	if err != nil {
		return err
	}
	if opts.output.format == "json" {
		return opts.output.print(dockerCli.Out(), rows, "")
	}
	return printTags(dockerCli.Out(), rows)
}

func printTags(w io.Writer, rows []journey.Tag) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TAG\tARCHITECTURES\tSIZE")
	for _, r := range rows {
		archs := safe(strings.Join(r.Architectures, ","))
		if archs == "" {
			archs = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", safe(r.Tag), archs, units.BytesSize(float64(r.Size)))
	}
	return tw.Flush()
}
