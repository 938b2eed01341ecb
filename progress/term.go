package progress

import (
	"io"
	"os"

	"github.com/moby/term"
)

// Used when the terminal will not tell its size.
const (
	defaultWidth  = 80
	defaultHeight = 24
)

// terminal is a writer's terminal descriptor.
type terminal struct{ fd uintptr }

// terminalOf tells whether w is a terminal. It sees through wrappers that
// expose their descriptor, as docker's *streams.Out does with FD().
func terminalOf(w io.Writer) (terminal, bool) {
	var fd uintptr
	switch f := w.(type) {
	case *os.File:
		if f == nil {
			return terminal{}, false
		}
		fd = f.Fd()
	case interface{ FD() uintptr }:
		fd = f.FD()
	default:
		return terminal{}, false
	}
	return terminal{fd: fd}, term.IsTerminal(fd)
}

// size asks the terminal for its size each time, so a resize (SIGWINCH)
// shows in the next frame without a signal handler.
func (t terminal) size() (width, height int) {
	ws, err := term.GetWinsize(t.fd)
	if err != nil || ws.Width == 0 || ws.Height == 0 {
		return defaultWidth, defaultHeight
	}
	return int(ws.Width), int(ws.Height)
}
