//go:build !linux && !darwin

package progress

// noFlush does nothing where the terminal driver's NOFLSH is not known.
func (terminal) noFlush() (restore func()) { return func() {} }
