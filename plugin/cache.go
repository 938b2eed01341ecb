package plugin

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/docker/cli/cli"
	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/docker-zarf/docker-zarf/journey"
	"github.com/docker-zarf/docker-zarf/plugin/completion"
	"github.com/docker-zarf/docker-zarf/plugin/formatter"
)

// newCacheCmd is `docker zarf cache`, the pull cache made visible, in the
// words of `docker builder prune` and `docker buildx du`.
func newCacheCmd(dockerCli command.Cli, _ BuildInfo) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cache",
		Short: "Show and clean the blob cache of pulls",
		Long: `Pulls keep every blob they download in a content-addressed cache, so an
interrupted pull resumes and a second pull of the same layers downloads
nothing. The cache is $XDG_CACHE_HOME/docker-zarf (~/.cache/docker-zarf;
~/Library/Caches/docker-zarf on macOS, %LocalAppData%\docker-zarf on Windows)
unless a pull is given --cache DIR.`,
		Example: `  docker zarf cache ls
  docker zarf cache prune
  docker zarf cache prune --all --force`,
		Args: cli.NoArgs,
		RunE: command.ShowHelp(dockerCli.Err()),
	}
	cmd.AddCommand(newCacheLsCmd(dockerCli), newCachePruneCmd(dockerCli))
	return cmd
}

// cacheFlags are the flags both cache commands take.
type cacheFlags struct {
	dir    string
	format string
}

func (o *cacheFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.dir, "cache", "", "Blob cache directory (default: $XDG_CACHE_HOME/docker-zarf or the platform equivalent)")
	fs.StringVar(&o.format, "format", formatter.Text, "Output format: text or json")
}

func (o *cacheFlags) validate() error {
	if o.format != formatter.Text && o.format != formatter.JSON {
		return fmt.Errorf("--format %q is not one of text, json", o.format)
	}
	return nil
}

type cacheLsOptions struct {
	cacheFlags
	quiet   bool
	noTrunc bool
}

func newCacheLsCmd(dockerCli command.Cli) *cobra.Command {
	var opts cacheLsOptions
	cmd := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list", "du"},
		Short:   "List the blobs in the cache, with sizes and when they were last used",
		Long: `List the blobs in the cache, newest first, with their sizes and when they were
last used, then where the cache is, how much of it 'docker zarf cache prune'
reclaims, and its total size. A partial download is an interrupted pull's;
the next pull of the same blob resumes it.`,
		Example: `  docker zarf cache ls
  docker zarf cache ls -q
  docker zarf cache ls --format json
  docker zarf cache ls --cache /var/cache/docker-zarf`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCacheLs(dockerCli, opts)
		},
		ValidArgsFunction: completion.None,
	}
	fs := cmd.Flags()
	opts.addFlags(fs)
	fs.BoolVarP(&opts.quiet, "quiet", "q", false, "Only show the digests of complete blobs")
	fs.BoolVar(&opts.noTrunc, "no-trunc", false, "Show whole digests")
	completion.RegisterFlags(cmd)
	return cmd
}

func runCacheLs(dockerCli command.Cli, opts cacheLsOptions) error {
	if err := opts.validate(); err != nil {
		return err
	}
	info, err := journey.CacheUsage(opts.dir)
	if err != nil {
		return err
	}
	w := dockerCli.Out()
	switch {
	case opts.format == formatter.JSON:
		return formatter.WriteJSON(w, info)
	case opts.quiet:
		for _, b := range info.Blobs {
			if !b.Partial {
				fmt.Fprintln(w, b.Digest)
			}
		}
		return nil
	}
	return formatter.Cache(w, info, opts.noTrunc, time.Now())
}

type cachePruneOptions struct {
	cacheFlags
	force   bool
	all     bool
	filters []string
}

func newCachePruneCmd(dockerCli command.Cli) *cobra.Command {
	var opts cachePruneOptions
	cmd := &cobra.Command{
		Use:   "prune",
		Short: "Remove partial downloads, or with --all every blob, from the cache",
		Long: `Remove from the cache what interrupted pulls left: partial downloads that no
running pull is writing. --all removes every blob; --filter until=DURATION
removes blobs and partial downloads not used within DURATION and keeps newer
ones, with or without --all. Blobs and downloads that a running pull holds
are always kept.`,
		Example: `  docker zarf cache prune
  docker zarf cache prune --filter until=168h
  docker zarf cache prune --all --force`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCachePrune(cmd.Context(), dockerCli, opts)
		},
		ValidArgsFunction: completion.None,
	}
	fs := cmd.Flags()
	opts.addFlags(fs)
	fs.BoolVarP(&opts.force, "force", "f", false, "Do not prompt for confirmation")
	fs.BoolVarP(&opts.all, "all", "a", false, "Remove every blob not in use, not just partial downloads")
	fs.StringArrayVar(&opts.filters, "filter", nil, "Provide `filter` values (e.g. \"until=24h\")")
	completion.RegisterFlags(cmd)
	return cmd
}

func runCachePrune(ctx context.Context, dockerCli command.Cli, opts cachePruneOptions) error {
	if err := opts.validate(); err != nil {
		return err
	}
	until, err := pruneUntil(opts.filters)
	if err != nil {
		return err
	}
	dir := opts.dir
	if dir == "" {
		if dir, err = journey.DefaultCacheDir(); err != nil {
			return err
		}
	}
	if !opts.force {
		// JSON keeps stdout for itself; docker asks on stdout.
		out := dockerCli.Out()
		if opts.format == formatter.JSON {
			out = dockerCli.Err()
		}
		ok, err := confirm(ctx, dockerCli.In(), out, formatter.PruneWarning(dir, opts.all, until))
		if err != nil || !ok {
			// Saying no is no failure: docker exits 0 and says nothing.
			return err
		}
	}
	res, err := journey.PruneCache(ctx, dir, journey.PruneOptions{All: opts.all, Until: until})
	if opts.format == formatter.JSON {
		if perr := formatter.WriteJSON(dockerCli.Out(), res); err == nil {
			err = perr
		}
		return err
	}
	formatter.Pruned(dockerCli.Out(), res)
	return err
}

// pruneUntil reads docker's --filter key=value pairs, of which the cache
// knows one: until=DURATION.
func pruneUntil(filters []string) (time.Duration, error) {
	var until time.Duration
	for _, f := range filters {
		key, value, ok := strings.Cut(f, "=")
		if !ok || key != "until" {
			return 0, fmt.Errorf("invalid filter %q: the cache can only be filtered by until=DURATION, e.g. --filter until=24h", key)
		}
		d, err := time.ParseDuration(value)
		if err != nil || d <= 0 {
			return 0, fmt.Errorf("invalid filter until=%q: give a duration such as 24h, 90m or 168h", value)
		}
		until = d
	}
	return until, nil
}

// confirm asks message followed by " [y/N] " and tells whether the answer
// was y or Y, as docker's prompt.Confirm does (docker/cli keeps it
// internal). Ctrl-C while it waits cancels ctx and returns its error; no
// input at all (stdin closed or not a terminal) is a no.
func confirm(ctx context.Context, in io.Reader, out io.Writer, message string) (bool, error) {
	fmt.Fprint(out, message+" [y/N] ")
	answer := make(chan bool, 1)
	go func() {
		s := bufio.NewScanner(in)
		answer <- s.Scan() && strings.EqualFold(strings.TrimSpace(s.Text()), "y")
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(out)
		return false, ctx.Err()
	case ok := <-answer:
		return ok, nil
	}
}
