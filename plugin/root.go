package plugin

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	cliplugin "github.com/docker/cli/cli-plugins/plugin"
	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"
)

// NewRootCmd returns the `zarf` command that docker runs as `docker zarf`.
func NewRootCmd(dockerCli command.Cli, info BuildInfo) *cobra.Command {
	var cpuProfile string
	stopProfile := func() error { return nil }
	cmd := &cobra.Command{
		Use:   "zarf",
		Short: "Publish, pull and inspect Zarf packages in OCI registries",
		Long: `Publish, pull and inspect Zarf packages in any OCI registry.

docker zarf uses the credentials of 'docker login', your credential helpers and
DOCKER_CONFIG exactly as docker does.`,
		Example: `  docker zarf publish zarf-package-demo-amd64-1.0.0.tar.zst oci://registry.example.com/team
  docker zarf inspect oci://registry.example.com/team/demo:1.0.0
  docker zarf pull oci://registry.example.com/team/demo:1.0.0 -a arm64 -o ./pkgs`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// docker's plugin runtime does its set-up (--config among it) in
		// the root's PersistentPreRunE; ours must call it first or those
		// global flags are silently lost.
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if cliplugin.PersistentPreRunE != nil {
				if err := cliplugin.PersistentPreRunE(cmd, args); err != nil {
					return err
				}
			}
			cmd.SetContext(withInterrupt(cmd.Context()))
			return startCPUProfile(cpuProfile, &stopProfile)
		},
	}
	// --cpuprofile is hidden: it is for scripts/bench and debugging.
	cmd.PersistentFlags().StringVar(&cpuProfile, "cpuprofile", "", "Write a CPU profile (pprof) to this file")
	_ = cmd.PersistentFlags().MarkHidden("cpuprofile")
	cmd.AddCommand(
		newPublishCmd(dockerCli, info),
		newPullCmd(dockerCli, info),
		newInspectCmd(dockerCli, info),
		newListCmd(dockerCli, info),
		newVersionCmd(dockerCli, info),
		newCompletionCmd(),
	)
	// The profile stops (and its file closes) however the command ends:
	// cobra skips PersistentPostRunE after a failure, and a failed run in a
	// long-lived caller (tests, docker's plugin runtime) must not keep it open.
	for _, sub := range cmd.Commands() {
		if run := sub.RunE; run != nil {
			sub.RunE = func(c *cobra.Command, args []string) error {
				err := run(c, args)
				if serr := stopProfile(); err == nil {
					err = serr
				}
				return err
			}
		}
	}
	return cmd
}

// startCPUProfile starts a CPU profile into path ("": none) and sets *stop
// to end it and close the file.
func startCPUProfile(path string, stop *func() error) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("creating the CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("starting the CPU profile: %w", err)
	}
	*stop = func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}
	return nil
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
