package plugin

import (
	"context"
	"fmt"

	"github.com/docker/cli/cli"
	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"

	"github.com/docker-zarf/docker-zarf/journey"
	"github.com/docker-zarf/docker-zarf/plugin/completion"
	"github.com/docker-zarf/docker-zarf/plugin/flags"
	"github.com/docker-zarf/docker-zarf/plugin/formatter"
)

type inspectOptions struct {
	remote flags.Remote
	output flags.Output
	arch   string
	layers bool
	sbom   string
	sig    flags.Signature
}

func newInspectCmd(dockerCli command.Cli, info BuildInfo) *cobra.Command {
	var opts inspectOptions
	cmd := &cobra.Command{
		Use:   "inspect oci://REGISTRY/NAMESPACE/NAME[:TAG|@DIGEST] | PACKAGE",
		Short: "Show a Zarf package's definition, layers or SBOMs",
		Long: `Show the zarf.yaml of a package in a registry or on disk.

For a package in a registry only the index, the manifest and the zarf.yaml
layer are fetched: a few kilobytes, whatever the package's size.`,
		Example: `  docker zarf inspect oci://registry.example.com/team/demo:1.0.0
  docker zarf inspect oci://registry.example.com/team/demo:1.0.0 --format json
  docker zarf inspect oci://registry.example.com/team/demo:1.0.0 --layers
  docker zarf inspect oci://registry.example.com/team/demo:1.0.0 --sbom ./sboms
  docker zarf inspect zarf-package-demo-amd64-1.0.0.tar.zst`,
		Args: cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return opts.remote.Explain(runInspect(cmd.Context(), dockerCli, info, &opts, args[0]))
		},
		ValidArgsFunction: completion.PackageFiles,
	}
	fs := cmd.Flags()
	opts.remote.AddFlags(fs)
	opts.output.AddFlags(fs, "Print only the result (no notes on stderr)")
	fs.StringVarP(&opts.arch, "architecture", "a", "", "Architecture to inspect (default: this machine's)")
	fs.BoolVar(&opts.layers, "layers", false, "List each layer's title, size, digest and media type")
	fs.StringVar(&opts.sbom, "sbom", "", "Fetch sboms.tar and extract it into this directory")
	opts.sig.AddFlags(fs)
	completion.RegisterFlags(cmd)
	return cmd
}

func runInspect(ctx context.Context, dockerCli command.Cli, info BuildInfo, opts *inspectOptions, src string) error {
	if err := opts.output.Validate(); err != nil {
		return err
	}
	res, err := inspect(ctx, dockerCli, info, opts, src)
	if err != nil {
		return err
	}
	out := dockerCli.Out()
	switch {
	case opts.layers:
		return formatter.Layers(out, opts.output.Format, res.Layers)
	case opts.sbom != "":
		fmt.Fprintf(opts.output.Chatter(dockerCli), "Extracted SBOMs into %s\n", opts.sbom)
		return nil
	case opts.output.JSON():
		return formatter.WriteIndentedJSON(out, res.JSON)
	}
	_, err = out.Write(res.Raw)
	return err
}

// inspect reads src from its registry, or from disk.
func inspect(ctx context.Context, dockerCli command.Cli, info BuildInfo, opts *inspectOptions, src string) (*journey.Inspected, error) {
	verify, err := opts.sig.Verify(dockerCli, opts.output)
	if err != nil {
		return nil, err
	}
	jo := journey.InspectOptions{Arch: opts.arch, LayersOnly: opts.layers, SBOMDir: opts.sbom, Verify: verify}
	if !journey.IsReference(src) {
		return journey.InspectLocal(ctx, src, jo)
	}
	ref, err := journey.ParseReference(src)
	if err != nil {
		return nil, err
	}
	c, err := opts.remote.Client(dockerCli, userAgent(info))
	if err != nil {
		return nil, err
	}
	return journey.Inspect(ctx, c, ref, jo)
}
