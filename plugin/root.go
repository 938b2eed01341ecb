package plugin

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/docker-zarf/docker-zarf/plugin/completion"
	"github.com/docker/cli/cli"
	cliplugin "github.com/docker/cli/cli-plugins/plugin"
	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"
)

// NewRootCmd returns the command tree, named name. As a plugin (isPlugin)
// docker runs it as `docker zarf` and its runtime's PersistentPreRunE sets
// up the docker CLI; standalone, Main has done that before it runs.
func NewRootCmd(name string, isPlugin bool, dockerCli command.Cli, info BuildInfo) *cobra.Command {
	cmd := &cobra.Command{
		Use:   name,
		Short: "Publish, pull and inspect Zarf packages in OCI registries",
		Long: `Publish, pull and inspect Zarf packages in any OCI registry.

docker zarf uses the credentials of 'docker login', your credential helpers and
DOCKER_CONFIG exactly as docker does.`,
		Example: `  docker zarf publish zarf-package-demo-amd64-1.0.0.tar.zst oci://registry.example.com/team
  docker zarf inspect oci://registry.example.com/team/demo:1.0.0
  docker zarf pull oci://registry.example.com/team/demo:1.0.0 -a arm64 -o ./pkgs`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// As a plugin this is not cobra's root, so cobra would print help
		// and exit 0 for a mistyped subcommand; docker says unknown
		// command, suggests, and fails.
		Args: unknownCommand,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			// docker's plugin runtime does its set-up (--config among
			// it) in the root's PersistentPreRunE; ours must call it
			// first or those global flags are silently lost.
			if isPlugin && cliplugin.PersistentPreRunE != nil {
				if err := cliplugin.PersistentPreRunE(cmd, args); err != nil {
					return err
				}
			}
			cmd.SetContext(withInterrupt(cmd.Context()))
			return nil
		},
	}
	cmd.AddCommand(
		newPublishCmd(dockerCli, info),
		newPullCmd(dockerCli, info),
		newInspectCmd(dockerCli, info),
		newListCmd(dockerCli, info),
		newVerifyCmd(dockerCli, info),
		newVersionCmd(dockerCli, info),
		newCacheCmd(dockerCli, info),
		completion.NewCommand(),
		newHelpCmd(),
	)
	return cmd
}

// unknownCommand refuses an argument to the root: it can only be a
// subcommand that does not exist.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t")
	}
	return cli.StatusError{StatusCode: ExitFailure, Status: msg + "\n\nRun '" + cmd.CommandPath() + " --help' for more information"}
}

// newHelpCmd is `help [command]`. cobra adds one only to the root it
// executes, which as a plugin is docker's, not ours.
func newHelpCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "help [command]",
		Short:   "Show help for a command",
		Args:    cobra.ArbitraryArgs, // a command path, checked by Find
		Example: "  docker zarf help pull",
		RunE: func(c *cobra.Command, args []string) error {
			target, rest, err := c.Parent().Find(args)
			if err != nil || len(rest) > 0 {
				return fmt.Errorf("unknown help topic %q: see '%s --help'", strings.Join(args, " "), c.Parent().CommandPath())
			}
			return target.Help()
		},
		ValidArgsFunction: func(c *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			var names []string
			for _, sub := range c.Parent().Commands() {
				if sub.IsAvailableCommand() && len(args) == 0 {
					names = append(names, sub.Name())
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
	}
}

// withInterrupt cancels ctx on the first SIGINT or SIGTERM and then restores
// the default handlers, so that a second Ctrl-C kills a stuck process. When
// docker runs the plugin it also cancels through the plugin socket; both
// paths end in the same context.
func withInterrupt(parent context.Context) context.Context {
	if parent == nil {
		parent = context.Background()
	}
	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop)
	return ctx
}
