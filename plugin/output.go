package plugin

import (
	"fmt"
	"io"

	"github.com/docker/cli/cli/command"
	"github.com/spf13/pflag"

	"github.com/docker-zarf/docker-zarf/journey"
	"github.com/docker-zarf/docker-zarf/plugin/formatter"
	"github.com/docker-zarf/docker-zarf/progress"
)

// outputOptions are --format and --quiet, shared by every command. Results
// go to stdout; progress, warnings and other chatter to stderr. --quiet
// keeps the result (a reference, a path, tags) and drops the chatter.
type outputOptions struct {
	format string
	quiet  bool
}

func (o *outputOptions) addFlags(fs *pflag.FlagSet, quietHelp string) {
	fs.StringVar(&o.format, "format", formatter.Text, `Output format: "text" or "json"`)
	fs.BoolVarP(&o.quiet, "quiet", "q", false, quietHelp)
}

func (o *outputOptions) validate() error {
	if o.format != formatter.Text && o.format != formatter.JSON {
		return fmt.Errorf("--format %q is not one of text, json", o.format)
	}
	return nil
}

func (o *outputOptions) json() bool { return o.format == formatter.JSON }

// chatter is where lines that are not the result go: stderr, or nowhere
// with --quiet.
func (o *outputOptions) chatter(dockerCli command.Cli) io.Writer {
	if o.quiet {
		return io.Discard
	}
	return dockerCli.Err()
}

// print writes the result: v as indented JSON with --format json, the
// quiet line with --quiet, else what text writes.
func (o *outputOptions) print(w io.Writer, v any, quietLine string, text func(io.Writer) error) error {
	switch {
	case o.json():
		return formatter.WriteJSON(w, v)
	case o.quiet:
		if quietLine == "" {
			return nil
		}
		_, err := fmt.Fprintln(w, quietLine)
		return err
	}
	return text(w)
}

// tracker picks the progress face: bars on a terminal, plain lines in logs
// and CI, nothing with --quiet. Progress goes to stderr, so --format json
// keeps it: stdout carries only the JSON, as with docker's own --format.
func (o *outputOptions) tracker(dockerCli command.Cli, verb string) progress.Tracker {
	if o.quiet {
		return progress.New(io.Discard, progress.ModeQuiet)
	}
	mode := progress.ModePlain
	if dockerCli.Err().IsTerminal() {
		mode = progress.ModeBars
	}
	return formatter.SafeTracker(progress.New(dockerCli.Err(), mode, progress.WithVerb(verb)))
}

// printPublished prints what publish or copy did (formatter.Published).
func (o *outputOptions) printPublished(w io.Writer, res journey.Published, head string) error {
	return o.print(w, res, res.Reference, func(w io.Writer) error { return formatter.Published(w, res, head) })
}
