//go:build linux || darwin

package progress

import "golang.org/x/sys/unix"

// noFlush sets NOFLSH on the terminal until the returned function is
// called. Without it, Ctrl-C makes the terminal driver throw away output
// not yet shown, such as half of a frame; the next erase then moved up
// over rows that were never drawn and wiped lines above the bars.
func (t terminal) noFlush() (restore func()) {
	tio, err := unix.IoctlGetTermios(int(t.fd), getTermios)
	if err != nil || tio.Lflag&unix.NOFLSH != 0 {
		return func() {}
	}
	old := *tio
	tio.Lflag |= unix.NOFLSH
	if unix.IoctlSetTermios(int(t.fd), setTermios, tio) != nil {
		return func() {}
	}
	return func() { _ = unix.IoctlSetTermios(int(t.fd), setTermios, &old) }
}
