package flags

import (
	"fmt"
	"os"

	"github.com/docker/cli/cli/command"
	"github.com/spf13/pflag"

	"github.com/docker-zarf/docker-zarf/journey"
	"github.com/docker-zarf/docker-zarf/plugin/formatter"
	"github.com/docker-zarf/docker-zarf/signature"
)

// Signature are Zarf's --key and --verify.
type Signature struct {
	Key    string
	policy signature.Policy
}

// AddFlags adds --key/-k and --verify, whose value needs = because
// --verify alone means always, as in Zarf.
func (o *Signature) AddFlags(fs *pflag.FlagSet) {
	fs.StringVarP(&o.Key, "key", "k", "", "Path to the cosign public key that verifies the package's signature")
	o.policy = signature.DefaultPolicy
	f := fs.VarPF(&o.policy, "verify", "", `Signature verification: always, if-possible or never (give a value with =; --verify alone is always)`)
	f.NoOptDefVal = string(signature.Always)
}

// Verify is what the journey does about the signature: Verified OK and
// Zarf's warnings go to stderr (--quiet keeps the warnings only).
func (o *Signature) Verify(dockerCli command.Cli, out Output) (journey.Verify, error) {
	v := journey.Verify{Policy: o.policy, Report: func(res signature.Outcome) {
		switch {
		case res.Warning != nil:
			fmt.Fprintln(dockerCli.Err(), "WARNING: "+formatter.Safe(res.WarningText()))
		case res.Verified:
			fmt.Fprintln(out.Chatter(dockerCli), signature.MsgVerified)
			if res.Legacy {
				fmt.Fprintln(dockerCli.Err(), "WARNING: "+signature.MsgLegacy)
			}
		}
	}}
	if o.Key == "" {
		return v, nil
	}
	pem, err := os.ReadFile(o.Key)
	if err != nil {
		return v, fmt.Errorf("reading --key: %w", err)
	}
	if v.Key, err = signature.LoadPublicKey(pem); err != nil {
		return v, fmt.Errorf("--key %s: %w", o.Key, err)
	}
	return v, nil
}
