package plugin

import (
	"context"
	"fmt"
	"io"

	"github.com/docker/cli/cli"
	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"

	"github.com/docker-zarf/docker-zarf/journey"
	"github.com/docker-zarf/docker-zarf/plugin/completion"
	"github.com/docker-zarf/docker-zarf/plugin/flags"
	"github.com/docker-zarf/docker-zarf/plugin/formatter"
	"github.com/docker-zarf/docker-zarf/signature"
)

type verifyOptions struct {
	remote flags.Remote
	output flags.Output
	sig    flags.Signature
	arch   string
}

func newVerifyCmd(dockerCli command.Cli, info BuildInfo) *cobra.Command {
	var opts verifyOptions
	cmd := &cobra.Command{
		Use:   "verify PACKAGE|oci://REGISTRY/NAMESPACE/NAME[:TAG|@DIGEST] --key KEY",
		Short: "Check a Zarf package's signature and checksums",
		Long: `Check a package's signature over zarf.yaml with a cosign public key, and its
checksums, as 'zarf package verify' does. An unsigned package fails.

On disk every file is read and checked against checksums.txt. In a registry
the check reads only zarf.yaml, checksums.txt and the signature: every layer
must be listed with the digest the registry serves it by, and a pull checks
each downloaded byte against that digest.`,
		Example: `  docker zarf verify zarf-package-demo-amd64-1.0.0.tar.zst --key cosign.pub
  docker zarf verify oci://registry.example.com/team/demo:1.0.0 -a amd64 --key cosign.pub --format json`,
		Args: cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return opts.remote.Explain(runVerify(cmd.Context(), dockerCli, info, &opts, args[0]))
		},
		ValidArgsFunction: completion.PackageFiles,
	}
	fs := cmd.Flags()
	opts.remote.AddFlags(fs)
	opts.output.AddFlags(fs, "Print nothing but errors")
	fs.StringVarP(&opts.sig.Key, "key", "k", "", "Path to the cosign public key the signature must verify with (required)")
	fs.StringVarP(&opts.arch, "architecture", "a", "", "Architecture to verify (default: this machine's)")
	completion.RegisterFlags(cmd)
	return cmd
}

func runVerify(ctx context.Context, dockerCli command.Cli, info BuildInfo, opts *verifyOptions, src string) error {
	if err := opts.output.Validate(); err != nil {
		return err
	}
	if opts.sig.Key == "" {
		return fmt.Errorf("verify needs --key: the cosign public key the package was signed with")
	}
	v, err := opts.sig.Verify(dockerCli, opts.output)
	if err != nil {
		return err
	}
	vo := journey.VerifyOptions{Arch: opts.arch, Key: v.Key}
	var res journey.Verified
	if journey.IsReference(src) {
		ref, err := journey.ParseReference(src)
		if err != nil {
			return err
		}
		c, err := opts.remote.Client(dockerCli, userAgent(info))
		if err != nil {
			return err
		}
		res, err = journey.VerifyRemote(ctx, c, ref, vo)
		if err != nil {
			return err
		}
	} else if res, err = journey.VerifyLocal(ctx, src, vo); err != nil {
		return err
	}
	if res.Legacy {
		fmt.Fprintln(dockerCli.Err(), "WARNING: "+signature.MsgLegacy)
	}
	return opts.output.Print(dockerCli.Out(), res, "", func(w io.Writer) error {
		return formatter.Verified(w, signature.MsgVerified, res)
	})
}
