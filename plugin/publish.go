package plugin

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/docker/cli/cli"
	"github.com/docker/cli/cli/command"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/docker-zarf/docker-zarf/journey"
	"github.com/docker-zarf/docker-zarf/plugin/completion"
	"github.com/docker-zarf/docker-zarf/plugin/flags"
	"github.com/docker-zarf/docker-zarf/plugin/formatter"
	"github.com/docker-zarf/docker-zarf/signature"
)

type publishOptions struct {
	remote   flags.Remote
	from, to flags.Side // copy: per-side transport flags
	output   flags.Output
	tag      string
	arch     string
	flavor   string
	signKey  string
	signPass string
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

A directory holding a package source (a zarf.yaml without checksums.txt) is
published as a skeleton, as Zarf does: architecture "skeleton", the local
files, charts and manifests of each component, for other packages to
import with 'import: url: oci://…'. The source is not modified.

With an oci:// SOURCE, the package is copied between registries without
touching the local disk.`,
		Example: `  docker zarf publish zarf-package-demo-amd64-1.0.0.tar.zst oci://registry.example.com/team
  docker zarf publish ./zarf-package-big-amd64-1.0.0.tar.zst.part000 oci://localhost:5000/team --plain-http
  docker zarf publish zarf-package-demo-amd64-1.0.0.tar.zst oci://ghcr.io/me --tag latest --format json
  docker zarf publish oci://registry-a.example.com/team/demo:1.0.0 oci://registry-b.example.com/mirror
  docker zarf publish ./demo-source oci://registry.example.com/team --flavor upstream`,
		Args: cli.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if journey.IsReference(args[0]) {
				return opts.remote.Explain(runCopy(cmd.Context(), dockerCli, info, &opts, args[0], args[1]))
			}
			return opts.remote.Explain(runPublish(cmd.Context(), dockerCli, info, &opts, args[0], args[1]))
		},
		ValidArgsFunction: completion.PackageFiles,
	}
	fs := cmd.Flags()
	opts.remote.AddFlags(fs)
	opts.remote.AddChunkFlag(fs)
	opts.from.AddFlags(fs, "from", "the source registry (copy)")
	opts.to.AddFlags(fs, "to", "the target registry (copy)")
	opts.output.AddFlags(fs, "Print only the published reference")
	fs.StringVar(&opts.tag, "tag", "", "Tag to publish under (default: the package version, with -<flavor> when it has one)")
	fs.StringVar(&opts.signKey, "signing-key", "", "Sign the package with this cosign private key as it is published (the files on disk are not changed)")
	fs.StringVar(&opts.signPass, "signing-key-pass", "", "Password of the signing key (default: $COSIGN_PASSWORD)")
	fs.StringVar(&opts.flavor, "flavor", "", "For a package source (a directory whose zarf.yaml has no checksums.txt): publish the components of this flavor as a skeleton, as zarf package publish --flavor does")
	fs.StringVarP(&opts.arch, "architecture", "a", "", "Architecture to copy from an oci:// source (default: this machine's); for a package on disk, the architecture it must be built for")
	completion.RegisterFlags(cmd)
	return cmd
}

func runPublish(ctx context.Context, dockerCli command.Cli, info BuildInfo, opts *publishOptions, src, dst string) error {
	target, err := parsePublishTarget(dst)
	if err != nil {
		return err
	}
	if err := opts.output.Validate(); err != nil {
		return err
	}
	client, err := opts.remote.Client(dockerCli, userAgent(info))
	if err != nil {
		return err
	}
	oo := journey.OpenOptions{Flavor: opts.flavor, Arch: opts.arch}
	if dir, err := journey.DefaultCacheDir(); err == nil {
		// A republish of the same .tar.zst then skips its decompression.
		oo.ScanCache = journey.ScanCacheDir(dir)
	}
	pkg, closePkg, err := journey.OpenPackage(ctx, src, oo)
	if err != nil {
		return err
	}
	defer closePkg()
	arch := opts.arch
	if journey.IsSkeleton(pkg) {
		arch = "" // -a chose the source's components; a skeleton is for every architecture
	}

	key, err := opts.signingKey()
	if err != nil {
		return err
	}
	tr := opts.output.Tracker(dockerCli, "pushed")
	res, err := journey.Publish(ctx, client, pkg, target, journey.PublishOptions{
		SigningKey:  key,
		Arch:        arch,
		Tag:         opts.tag,
		Concurrency: opts.remote.Concurrency,
		Progress:    tr,
		Warnf:       flags.Warner(dockerCli),
	})
	if err := formatter.Finish(tr, err, "uploaded"); err != nil {
		return err
	}
	head := "Published " + res.Reference
	if res.Unchanged {
		// docker push says "Layer already exists"; here it is the whole package.
		head = res.Reference + " is up to date: the tag already holds this package, nothing was pushed"
	}
	return opts.output.PrintPublished(dockerCli.Out(), res, head)
}

// runCopy copies a package between registries. The source and the target
// each get their own client, so --from-plain-http and --to-plain-http (and
// the TLS pair) apply to one side only, as with oras cp.
func runCopy(ctx context.Context, dockerCli command.Cli, info BuildInfo, opts *publishOptions, src, dst string) error {
	from, err := journey.ParseReference(src)
	if err != nil {
		return err
	}
	ns, err := parsePublishTarget(dst)
	if err != nil {
		return err
	}
	if err := opts.output.Validate(); err != nil {
		return err
	}
	srcClient, err := opts.remote.SideClient(dockerCli, userAgent(info), opts.from)
	if err != nil {
		return err
	}
	dstClient, err := opts.remote.SideClient(dockerCli, userAgent(info), opts.to)
	if err != nil {
		return err
	}
	tr := opts.output.Tracker(dockerCli, "copied")
	res, err := journey.Copy(ctx, srcClient, dstClient, from, ns, journey.CopyOptions{
		Arch: opts.arch, Tag: opts.tag, Concurrency: opts.remote.Concurrency, Progress: tr, Warnf: flags.Warner(dockerCli),
	})
	if err := formatter.Finish(tr, err, "copied"); err != nil {
		return err
	}
	return opts.output.PrintPublished(dockerCli.Out(), res, fmt.Sprintf("Copied %s to %s", from, res.Reference))
}

// signingKey loads --signing-key, decrypted with --signing-key-pass or, as
// cosign and Zarf do, $COSIGN_PASSWORD.
func (o *publishOptions) signingKey() (*signature.PrivateKey, error) {
	if o.signKey == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(o.signKey)
	if err != nil {
		return nil, fmt.Errorf("reading --signing-key: %w", err)
	}
	pass := o.signPass
	if pass == "" {
		pass = os.Getenv("COSIGN_PASSWORD")
	}
	key, err := signature.LoadPrivateKey(pem, []byte(pass))
	if err != nil {
		return nil, fmt.Errorf("--signing-key %s: %w", o.signKey, err)
	}
	return key, nil
}

// parsePublishTarget parses publish's oci://REGISTRY/NAMESPACE, saying how
// to give a tag when the user wrote one into it.
func parsePublishTarget(s string) (name.Repository, error) {
	repo, err := journey.ParseRepository(s)
	if errors.Is(err, journey.ErrHasIdentifier) {
		return repo, fmt.Errorf("invalid repository %q: publish takes oci://REGISTRY/NAMESPACE without a tag (use --tag)", s)
	}
	return repo, err
}
