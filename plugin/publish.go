package plugin

import (
	"context"
	"strings"

	"github.com/docker/cli/cli"
	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"
)

type publishOptions struct {
	remote remoteOptions
	output outputOptions
	tag    string
	arch   string
}

func newPublishCmd(dockerCli command.Cli, info BuildInfo) *cobra.Command {
	var opts publishOptions
	cmd := &cobra.Command{
		Use:   "publish PACKAGE|oci://SOURCE oci://REGISTRY/NAMESPACE",
		Short: "Publish a Zarf package to an OCI registry, or copy one between registries",
		Long: `Publish a Zarf package to an OCI registry as the Zarf CLI does.

PACKAGE is a .tar.zst or .tar package, the .part000 of a split package, or a
directory holding an unpacked package. The package lands at
REGISTRY/NAMESPACE/<name>:<version>[-<flavor>], in an OCI index whose entry for
the package's architecture is the new manifest. Other architectures already
under that tag are kept.

With an oci:// SOURCE, the package is copied between registries without
touching the local disk.`,
		Example: `  docker zarf publish zarf-package-demo-amd64-1.0.0.tar.zst oci://registry.example.com/team
  docker zarf publish ./zarf-package-big-amd64-1.0.0.tar.zst.part000 oci://localhost:5000/team --plain-http
  docker zarf publish zarf-package-demo-amd64-1.0.0.tar.zst oci://ghcr.io/me --tag latest -o json
  docker zarf publish oci://registry-a.example.com/team/demo:1.0.0 oci://registry-b.example.com/mirror`,
		Args: cli.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.HasPrefix(args[0], ociScheme) {
				return runCopy(cmd.Context(), dockerCli, info, opts, args[0], args[1])
			}
			return runPublish(cmd.Context(), dockerCli, info, opts, args[0], args[1])
		},
		ValidArgsFunction: completePackageFiles,
	}
	fs := cmd.Flags()
	opts.remote.addFlags(fs)
	opts.remote.addChunkFlag(fs)
	opts.output.addFlags(fs, "text", "json")
	fs.StringVar(&opts.tag, "tag", "", "Tag to publish under (default: the package version, with -<flavor> when it has one)")
	fs.StringVarP(&opts.arch, "architecture", "a", "", "Architecture to copy from an oci:// source (default: this machine's)")
	registerFlagCompletions(cmd)
	return cmd
}

func runPublish(ctx context.Context, dockerCli command.Cli, info BuildInfo, opts publishOptions, src, dst string) error {
	target, err := parseRepository(dst)
	if err != nil {
		return err
	}
	if err := opts.output.validate("text", "json"); err != nil {
		return err
	}
	client, err := opts.remote.client(dockerCli, info)
	if err != nil {
		return err
	}
	pkg, err := openPackage(ctx, src)
	if err != nil {
		return err
	}
	defer pkg.Close()

	tr := opts.output.tracker(dockerCli, "pushed")
	res, err := publishPackage(ctx, client, pkg, target, pushOptions{
		tag:         opts.tag,
		concurrency: opts.remote.concurrency,
		tracker:     tr,
		warn:        dockerCli.Err(),
	})
	tr.Wait()
	if err != nil {
		return err
	}
	return opts.output.print(dockerCli.Out(), res, "Published %s\n", res.Reference)
}
