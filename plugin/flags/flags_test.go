package flags

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/docker-zarf/docker-zarf/signature"
)

func parse(t *testing.T, add func(*pflag.FlagSet), args ...string) error {
	t.Helper()
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	add(fs)
	return fs.Parse(args)
}

// TestOutputPrint: JSON wins over -q, -q prints only the result line, and
// text is the view otherwise.
func TestOutputPrint(t *testing.T) {
	text := func(w io.Writer) error { _, err := io.WriteString(w, "the view\n"); return err }
	for _, tc := range []struct {
		o    Output
		want string
	}{
		{Output{Format: "text"}, "the view\n"},
		{Output{Format: "text", Quiet: true}, "ref\n"},
		{Output{Format: "json", Quiet: true}, "{\n  \"a\": 1\n}\n"},
	} {
		var b bytes.Buffer
		if err := tc.o.Print(&b, map[string]int{"a": 1}, "ref", text); err != nil || b.String() != tc.want {
			t.Errorf("%+v printed %q (%v), want %q", tc.o, b.String(), err, tc.want)
		}
	}
	if err := (&Output{Format: "yaml"}).Validate(); err == nil || !strings.Contains(err.Error(), `--format "yaml"`) {
		t.Fatalf("yaml: %v", err)
	}
}

// TestRemoteValidation: what Client refuses before any request.
func TestRemoteValidation(t *testing.T) {
	for args, want := range map[string]string{
		"--concurrency=0":  "--concurrency must be at least 1",
		"--retries=-1":     "--retries must not be negative",
		"--chunk-size=lot": `--chunk-size "lot" is not a size`,
	} {
		var o Remote
		if err := parse(t, func(fs *pflag.FlagSet) { o.AddFlags(fs); o.AddChunkFlag(fs) }, args); err != nil {
			t.Fatal(err)
		}
		if err := o.validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", args, err, want)
		}
	}
	var o Remote
	_ = parse(t, func(fs *pflag.FlagSet) { o.AddFlags(fs); o.AddChunkFlag(fs) }, "--chunk-size=64MiB")
	if n, err := o.chunkBytes(); err != nil || n != 64<<20 {
		t.Fatalf("64MiB = %d, %v", n, err)
	}
}

// TestVerifyFlagAloneMeansAlways, as Zarf's --verify does; a value needs =.
func TestVerifyFlagAloneMeansAlways(t *testing.T) {
	for args, want := range map[string]signature.Policy{
		"":                     signature.DefaultPolicy,
		"--verify":             signature.Always,
		"--verify=never":       signature.Never,
		"--verify=if-possible": signature.IfPossible,
	} {
		var o Signature
		argv := strings.Fields(args)
		if err := parse(t, o.AddFlags, argv...); err != nil {
			t.Fatal(err)
		}
		if o.policy != want {
			t.Errorf("%q: policy %q, want %q", args, o.policy, want)
		}
	}
}
