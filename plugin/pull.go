package plugin

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/docker/cli/cli"
	"github.com/docker/cli/cli/command"
	"github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/docker-zarf/docker-zarf/journey"
	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/plugin/completion"
	"github.com/docker-zarf/docker-zarf/plugin/flags"
	"github.com/docker-zarf/docker-zarf/plugin/formatter"
	"github.com/docker-zarf/docker-zarf/registry"
)

type pullOptions struct {
	remote     flags.Remote
	output     flags.Output
	arch       string
	outDir     string
	pkgFormat  string
	sig        flags.Signature
	components []string
	cacheDir   string
	noCache    bool
}

func newPullCmd(dockerCli command.Cli, info BuildInfo) *cobra.Command {
	var opts pullOptions
	cmd := &cobra.Command{
		Use:   "pull oci://REGISTRY/NAMESPACE/NAME[:TAG|@DIGEST]",
		Short: "Pull a Zarf package from an OCI registry",
		Long: `Pull a Zarf package from an OCI registry and write it as the Zarf CLI does:
zarf-package-<name>-<arch>-<version>[-<flavor>].tar.zst (or .tar for an
uncompressed package), verified against its checksums.

Finished blobs are kept in a content-addressed cache, so an interrupted pull
resumes where it stopped.`,
		Example: `  docker zarf pull oci://registry.example.com/team/demo:1.0.0
  docker zarf pull oci://registry.example.com/team/demo:1.0.0 -a arm64 -o ./pkgs
  docker zarf pull oci://registry.example.com/team/demo:1.0.0 --components app -o ./pkgs
  docker zarf pull oci://localhost:5000/team/demo@sha256:… --package-format dir --plain-http
  docker zarf pull oci://registry.example.com/team/demo:1.0.0 --format json`,
		Args: cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return opts.remote.Explain(runPull(cmd.Context(), dockerCli, info, &opts, args[0]))
		},
		ValidArgsFunction: completion.None,
	}
	fs := cmd.Flags()
	opts.remote.AddFlags(fs)
	fs.StringVarP(&opts.arch, "architecture", "a", "", "Architecture to pull (default: this machine's)")
	fs.StringVarP(&opts.outDir, "output", "o", ".", "Directory to write the package into")
	fs.StringVar(&opts.pkgFormat, "package-format", string(layout.FormatTarZst), "Form of the package written: tar.zst, tar (uncompressed archive) or dir (unpacked package); tar.zst follows the package's metadata.uncompressed")
	fs.StringSliceVar(&opts.components, "components", nil, "Pull only these components (comma-separated); required components are always included")
	fs.StringVar(&opts.cacheDir, "cache", "", "Blob cache directory (default: $XDG_CACHE_HOME/docker-zarf or the platform equivalent)")
	fs.BoolVar(&opts.noCache, "no-cache", false, "Do not use the blob cache")
	opts.output.AddFlags(fs, "Print only the path written")
	opts.sig.AddFlags(fs)
	completion.RegisterFlags(cmd)
	return cmd
}

func runPull(ctx context.Context, dockerCli command.Cli, info BuildInfo, opts *pullOptions, refStr string) error {
	ref, err := journey.ParseReference(refStr)
	if err != nil {
		return err
	}
	format, err := opts.packageFormat(dockerCli)
	if err != nil {
		return err
	}
	if err := opts.output.Validate(); err != nil {
		return err
	}
	if err := checkOutputFlag(opts.outDir); err != nil {
		return err
	}
	// Downloads are not fsynced one by one: cache hits are verified again as
	// they are read, and the output is made durable once, as a whole.
	client, err := opts.remote.Client(dockerCli, userAgent(info), func(o *registry.Options) { o.NoSync = true })
	if err != nil {
		return err
	}
	verify, err := opts.sig.Verify(dockerCli, opts.output)
	if err != nil {
		return err
	}
	tr := opts.output.Tracker(dockerCli, "pulled")
	res, err := journey.Pull(ctx, client, ref, journey.PullOptions{
		Arch: opts.arch, OutDir: opts.outDir, Format: format, Components: opts.components,
		CacheDir: opts.cacheDir, NoCache: opts.noCache, Concurrency: opts.remote.Concurrency, Progress: tr,
		Verify: verify,
	})
	kept := "kept in the cache"
	if opts.noCache {
		kept = "fetched, none kept (--no-cache)"
	}
	if err := formatter.Finish(tr, err, kept); err != nil {
		return err
	}
	if len(opts.components) > 0 {
		fmt.Fprintf(opts.output.Chatter(dockerCli), "Fetched %s of the package's %s (%d of %d layers)\n",
			units.BytesSize(float64(res.FetchedBytes)), units.BytesSize(float64(res.PackageBytes)), res.FetchedLayers, res.PackageLayers)
	}
	return opts.output.Print(dockerCli.Out(), res, res.Path, func(w io.Writer) error {
		_, err := fmt.Fprintln(w, res.Path)
		return err
	})
}

// packageFormat reads --package-format. --format once named the package's
// form; those values still work there, with a warning, since --format is
// now the output format of every command.
func (o *pullOptions) packageFormat(dockerCli command.Cli) (layout.Format, error) {
	s := o.pkgFormat
	switch f := layout.Format(o.output.Format); f {
	case layout.FormatTarZst, layout.FormatTar, layout.FormatDir:
		fmt.Fprintf(dockerCli.Err(), "WARNING: --format %s is deprecated for the package's form; use --package-format %s\n", f, f)
		s, o.output.Format = string(f), formatter.Text
	}
	switch f := layout.Format(s); f {
	case layout.FormatTarZst, layout.FormatTar, layout.FormatDir:
		return f, nil
	}
	return "", fmt.Errorf("--package-format %q is not one of tar.zst, tar, dir", s)
}

// checkOutputFlag catches `-o json`: -o is the output directory, and a
// user who meant the output format would find a directory named json.
func checkOutputFlag(dir string) error {
	switch dir {
	case formatter.JSON, formatter.Text, "yaml":
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return nil // a directory of that name that exists was meant
		}
		return fmt.Errorf("-o is the directory to write into; for JSON output use --format json (or -o ./%s for a directory named %s)", dir, dir)
	}
	return nil
}
