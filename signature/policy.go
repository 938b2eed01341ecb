package signature

import (
	"errors"
	"fmt"
)

// Policy is the --verify mode. The zero value behaves as DefaultPolicy
// (IfPossible). *Policy implements pflag.Value (Set, String, Type), so it
// can be registered with FlagSet.Var; like Zarf, give the flag
// NoOptDefVal = string(Always), which is why a value needs "=".
type Policy string

// The three modes of Zarf's --verify flag.
const (
	// Always verifies and fails on any error, unsigned packages included.
	Always Policy = "always"
	// IfPossible verifies when it can: an unsigned package, or a signed one
	// without a key, passes with a warning (MsgNotVerified); a bad
	// signature, or a key for an unsigned package, fails.
	IfPossible Policy = "if-possible"
	// Never skips verification entirely, without a warning.
	Never Policy = "never"
)

// DefaultPolicy is --verify's default, as in Zarf.
const DefaultPolicy = IfPossible

// ParsePolicy reads a --verify value. Like Zarf it also takes the legacy
// booleans from old configuration files: "true" is always, "false" is
// if-possible.
func ParsePolicy(s string) (Policy, error) {
	switch p := Policy(s); p {
	case Always, IfPossible, Never:
		return p, nil
	case "true":
		return Always, nil
	case "false":
		return IfPossible, nil
	}
	return "", fmt.Errorf("invalid --verify value %q (must be never, if-possible, or always)", s)
}

// Set implements pflag.Value.
func (p *Policy) Set(s string) error {
	v, err := ParsePolicy(s)
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// String implements pflag.Value.
func (p *Policy) String() string { return string(*p) }

// Type implements pflag.Value; Zarf's help shows the same word.
func (p *Policy) Type() string { return "verifyMode" }

// Outcome is what the command does after a policy has looked at a package.
// At most one of Verified, Warning and Err is set; none is set under Never.
type Outcome struct {
	// Verified: the signature verified; print MsgVerified.
	Verified bool
	// Legacy: it verified against zarf.yaml.sig; also warn MsgLegacy.
	Legacy bool
	// Warning: go on, but warn WarningText(). It wraps
	// ErrNoVerificationMaterial and says why nothing was verified.
	Warning error
	// Err: stop. It reads "signature verification failed: …" and wraps the
	// cause (ErrNotSigned, ErrNoVerificationMaterial, ErrSignatureNotFound
	// or the cryptographic failure).
	Err error
}

// WarningText is the warning to print for Outcome.Warning, "" if none:
// "package signature not verified; continuing: <reason>".
func (o Outcome) WarningText() string {
	if o.Warning == nil {
		return ""
	}
	return MsgNotVerified + ": " + o.Warning.Error()
}

// Check applies the policy to a package: Never looks at nothing; otherwise
// the package is verified with key (nil: no --key) and the result decided.
func (p Policy) Check(pkg Package, key *PublicKey) Outcome {
	if p == Never {
		return Outcome{}
	}
	res, err := Verify(pkg, key)
	o := p.Decide(err)
	o.Legacy = o.Verified && res.Legacy
	return o
}

// Decide turns Verify's error into an outcome, as Zarf's LoadFromDir does:
// no error is verified; under IfPossible an error wrapping
// ErrNoVerificationMaterial is a warning; anything else is fatal. Whether a
// key was given and whether the package is signed are already in the error
// (see Verify), so they need no parameters here.
func (p Policy) Decide(verifyErr error) Outcome {
	switch {
	case p == Never:
		return Outcome{}
	case verifyErr == nil:
		return Outcome{Verified: true}
	case p != Always && errors.Is(verifyErr, ErrNoVerificationMaterial):
		return Outcome{Warning: verifyErr}
	}
	return Outcome{Err: fmt.Errorf("%s: %w", MsgVerifyFailed, verifyErr)}
}
