package flags

import (
	"fmt"
	"io"

	"github.com/docker/cli/cli/command"
	"github.com/spf13/pflag"

	"github.com/docker-zarf/docker-zarf/journey"
	"github.com/docker-zarf/docker-zarf/plugin/formatter"
	"github.com/docker-zarf/docker-zarf/progress"
)

// Output are --format and --quiet, shared by every command. Results
// go to stdout; progress, warnings and other chatter to stderr. --quiet
// keeps the result (a reference, a path, tags) and drops the chatter.
type Output struct {
	Format string
	Quiet  bool
}

// AddFlags adds --format and --quiet/-q; quietHelp says what -q keeps.
func (o *Output) AddFlags(fs *pflag.FlagSet, quietHelp string) {
	fs.StringVar(&o.Format, "format", formatter.Text, `Output format: "text" or "json"`)
	fs.BoolVarP(&o.Quiet, "quiet", "q", false, quietHelp)
}

// Validate refuses a --format other than text and json.
func (o *Output) Validate() error {
	if o.Format != formatter.Text && o.Format != formatter.JSON {
		return fmt.Errorf("--format %q is not one of text, json", o.Format)
	}
	return nil
}

// JSON tells whether the result is printed as JSON.
func (o *Output) JSON() bool { return o.Format == formatter.JSON }

// Chatter is where lines that are not the result go: stderr, or nowhere
// with --quiet.
func (o *Output) Chatter(dockerCli command.Cli) io.Writer {
	if o.Quiet {
		return io.Discard
	}
	return dockerCli.Err()
}

// Print writes the result: v as indented JSON with --format json, the
// quiet line with --quiet, else what text writes.
func (o *Output) Print(w io.Writer, v any, quietLine string, text func(io.Writer) error) error {
	switch {
	case o.JSON():
		return formatter.WriteJSON(w, v)
	case o.Quiet:
		if quietLine == "" {
			return nil
		}
		_, err := fmt.Fprintln(w, quietLine)
		return err
	}
	return text(w)
}

// Tracker picks the progress face: bars on a terminal, plain lines in logs
// and CI, nothing with --quiet. Progress goes to stderr, so --format json
// keeps it: stdout carries only the JSON, as with docker's own --format.
func (o *Output) Tracker(dockerCli command.Cli, verb string) progress.Tracker {
	if o.Quiet {
		return progress.New(io.Discard, progress.ModeQuiet)
	}
	mode := progress.ModePlain
	if dockerCli.Err().IsTerminal() {
		mode = progress.ModeBars
	}
	return formatter.SafeTracker(progress.New(dockerCli.Err(), mode, progress.WithVerb(verb)))
}

// PrintPublished prints what publish or copy did (formatter.Published).
func (o *Output) PrintPublished(w io.Writer, res journey.Published, head string) error {
	return o.Print(w, res, res.Reference, func(w io.Writer) error { return formatter.Published(w, res, head) })
}
