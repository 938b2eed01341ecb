package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/docker/cli/cli"
	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"

	"github.com/docker-zarf/docker-zarf/journey"
	"github.com/docker-zarf/docker-zarf/plugin/completion"
	"github.com/docker-zarf/docker-zarf/plugin/flags"
	"github.com/docker-zarf/docker-zarf/plugin/formatter"
	"github.com/docker-zarf/docker-zarf/registry"
)

type listOptions struct {
	remote  flags.Remote
	output  flags.Output
	digests bool
}

func newListCmd(dockerCli command.Cli, info BuildInfo) *cobra.Command {
	var opts listOptions
	cmd := &cobra.Command{
		Use:     "ls oci://REGISTRY/NAMESPACE/NAME",
		Aliases: []string{"list"},
		Short:   "List the tags of a package in a registry, with architectures and sizes",
		Example: `  docker zarf ls oci://registry.example.com/team/demo
  docker zarf ls oci://localhost:5000/team/demo --plain-http --format json
  docker zarf ls oci://registry.example.com/team/demo --digests
  docker zarf ls oci://registry.example.com/team/demo -q`,
		Args: cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return opts.remote.Explain(runList(cmd.Context(), dockerCli, info, &opts, args[0]))
		},
		ValidArgsFunction: completion.None,
	}
	opts.remote.AddFlags(cmd.Flags())
	opts.output.AddFlags(cmd.Flags(), "Print only the tags")
	cmd.Flags().BoolVar(&opts.digests, "digests", false, "Show the digest each tag points at")
	completion.RegisterFlags(cmd)
	return cmd
}

func runList(ctx context.Context, dockerCli command.Cli, info BuildInfo, opts *listOptions, src string) error {
	if err := opts.output.Validate(); err != nil {
		return err
	}
	repo, err := journey.ParseRepository(src)
	if errors.Is(err, journey.ErrHasIdentifier) {
		return fmt.Errorf("invalid repository %q: ls takes oci://REGISTRY/NAMESPACE/NAME without a tag or digest", src)
	}
	if err != nil {
		return err
	}
	c, err := opts.remote.Client(dockerCli, userAgent(info))
	if err != nil {
		return err
	}
	rows, err := journey.List(ctx, c, repo, journey.ListOptions{Concurrency: opts.remote.Concurrency})
	if errors.Is(err, registry.ErrNotFound) {
		return fmt.Errorf("%s has no tags (%w): if it is a namespace, name a package in it, as in oci://%s/NAME", repo, err, repo)
	}
	if err != nil {
		return err
	}
	if opts.output.Quiet && !opts.output.JSON() {
		for _, r := range rows {
			fmt.Fprintln(dockerCli.Out(), formatter.Safe(r.Tag))
		}
		return nil
	}
	return opts.output.Print(dockerCli.Out(), rows, "", func(w io.Writer) error { return formatter.Tags(w, rows, opts.digests) })
}
