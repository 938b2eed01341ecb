package plugin

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/docker/cli/cli"
	"github.com/docker/cli/cli/command"
	"github.com/docker/go-units"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/docker-zarf/docker-zarf/manifest"
	"github.com/docker-zarf/docker-zarf/registry"
)

type listOptions struct {
	remote remoteOptions
	output outputOptions
}

// listedTag is one row of `ls`.
type listedTag struct {
	Tag           string   `json:"tag"`
	Architectures []string `json:"architectures"`
	Size          int64    `json:"size"`
	Skeleton      bool     `json:"skeleton"`
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
	repo, err := parseRepository(src)
	if err != nil {
		return err
	}
	c, err := opts.remote.client(dockerCli, info)
	if err != nil {
		return err
	}
	tags, err := c.Tags(ctx, repo)
	if err != nil {
		return fmt.Errorf("listing the tags of %s: %w", repo, err)
	}
	rows := make([]listedTag, len(tags))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opts.remote.concurrency)
	for i, t := range tags {
		g.Go(func() error {
			row, err := describeTag(gctx, c, repo.Tag(t))
			rows[i] = row
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if opts.output.format == "json" {
		return opts.output.print(dockerCli.Out(), rows, "")
	}
	return printTags(dockerCli.Out(), rows)
}

// describeTag reads a tag's index (or lone manifest) and each manifest's
// layer sizes.
func describeTag(ctx context.Context, c *registry.Client, ref name.Tag) (listedTag, error) {
	row := listedTag{Tag: ref.TagStr(), Architectures: []string{}}
	desc, body, err := c.Resolve(ctx, ref)
	if err != nil {
		return row, fmt.Errorf("reading %s: %w", ref, err)
	}
	manifests := [][]byte{body}
	if desc.MediaType == types.OCIImageIndex || desc.MediaType == types.DockerManifestList {
		idx, err := manifest.ParseIndex(body)
		if err != nil {
			return row, fmt.Errorf("%s: %w", ref, err)
		}
		manifests = manifests[:0]
		for _, d := range idx.Manifests {
			if d.Platform != nil {
				row.Architectures = append(row.Architectures, d.Platform.Architecture)
				row.Skeleton = row.Skeleton || d.Platform.Architecture == "skeleton"
			}
			b, err := c.Manifest(ctx, ref.Context(), d)
			if err != nil {
				return row, fmt.Errorf("reading %s@%s: %w", ref, d.Digest, err)
			}
			manifests = append(manifests, b)
		}
	}
	for _, b := range manifests {
		m, err := manifest.ParseManifest(b)
		if err != nil {
			return row, fmt.Errorf("%s: %w", ref, err)
		}
		row.Size += m.Config.Size
		for _, l := range m.Layers {
			row.Size += l.Size
		}
	}
	return row, nil
}

func printTags(w io.Writer, rows []listedTag) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TAG\tARCHITECTURES\tSIZE")
	for _, r := range rows {
		archs := strings.Join(r.Architectures, ",")
		if archs == "" {
			archs = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Tag, archs, units.BytesSize(float64(r.Size)))
	}
	return tw.Flush()
}
