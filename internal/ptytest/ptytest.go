// Package ptytest runs a command in a real terminal of a chosen size and
// reads back what a user would see on it, for tests of terminal output
// (progress bars, Ctrl-C handling).
//
// The terminal is a tmux pane: tmux is a complete VT emulator, reflows on
// resize like most terminals do today, and delivers Ctrl-C through the
// pty's line discipline as a real keyboard does. Tests skip when tmux is
// not installed. Each Term runs its own tmux server on a private socket,
// so tests never touch a user's sessions.
package ptytest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pollEvery is how often Wait and WaitFor look at the pane again.
const pollEvery = 20 * time.Millisecond

// Term is one command running in a tmux pane.
type Term struct {
	t      testing.TB
	socket string
	status string // the file the command's exit status goes to
}

// setup keeps the whole window for the pane (no status line). It is set
// on a first, idle session, before the command's session exists: tmux
// applies a config file asynchronously, which raced with the command's
// first output.
var setup = []string{
	"new-session", "-d", "-s", "idle", ";",
	"set-option", "-g", "status", "off", ";",
	"set-option", "-g", "history-limit", "50000",
}

// wrapper runs the command under a shell that records its exit status in
// a file ($0) and then keeps the pane, and so the command's last screen,
// open. tmux's own pane_dead_status was not reliable: now and then tmux
// left the dead command a zombie and never reported its status. The shell
// ignores SIGINT so that Ctrl-C reaches only the command; a Go command
// that calls signal.Notify for it still gets it.
const wrapper = `trap '' INT; "$@"; echo $? > "$0.tmp" && mv "$0.tmp" "$0"; exec sleep 2147483647`

// Start runs argv with the extra environment env in a cols×rows terminal.
// It skips the test when tmux is missing. The server is killed when the
// test ends.
func Start(t testing.TB, cols, rows int, env []string, argv ...string) *Term {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed: the terminal tests need it")
	}
	dir, err := os.MkdirTemp("", "ptytest") // a socket path must be short
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	term := &Term{t: t, socket: filepath.Join(dir, "sock")}
	if _, err := term.tmux(append([]string{"-f", os.DevNull}, setup...)...); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = term.tmux("kill-server") })
	term.status = filepath.Join(dir, "status")
	args := []string{"new-session", "-d", "-s", "t", "-x", strconv.Itoa(cols), "-y", strconv.Itoa(rows), "--", "sh", "-c", wrapper, term.status, "env"}
	args = append(append(args, env...), argv...)
	if _, err := term.tmux(args...); err != nil {
		t.Fatal(err)
	}
	return term
}

func (term *Term) tmux(args ...string) (string, error) {
	cmd := exec.Command("tmux", append([]string{"-S", term.socket}, args...)...)
	cmd.Env = append(os.Environ(), "TMUX=") // also when the tests run inside tmux
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("tmux %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// Screen returns the visible screen, one string per line: a line the
// terminal wrapped is joined again. Trailing blanks are left out.
func (term *Term) Screen() ([]string, error) {
	out, err := term.tmux("capture-pane", "-p", "-J", "-t", "t")
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines, nil
}

// Resize changes the terminal's size, as dragging a window's corner does:
// the command gets SIGWINCH and tmux reflows what is on the screen.
func (term *Term) Resize(cols, rows int) error {
	_, err := term.tmux("resize-window", "-t", "t", "-x", strconv.Itoa(cols), "-y", strconv.Itoa(rows))
	return err
}

// Keys types keys into the terminal, in tmux's names: "C-c" is Ctrl-C.
func (term *Term) Keys(keys ...string) error {
	_, err := term.tmux(append([]string{"send-keys", "-t", "t"}, keys...)...)
	return err
}

// Exited tells whether the command has exited, and its exit status.
func (term *Term) Exited() (bool, int, error) {
	b, err := os.ReadFile(term.status)
	if errors.Is(err, fs.ErrNotExist) {
		return false, 0, nil
	}
	if err != nil {
		return false, 0, err
	}
	status, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return true, status, err
}

// Wait waits for the command to exit, calling each (if not nil) with the
// screen every time it looks, and returns the exit status. ctx bounds the
// wait so that a hung command fails the test instead of hanging it.
func (term *Term) Wait(ctx context.Context, each func(screen []string)) (int, error) {
	for {
		dead, status, err := term.Exited()
		if err != nil {
			return 0, err
		}
		if each != nil {
			s, err := term.Screen()
			if err != nil {
				return 0, err
			}
			each(s)
		}
		if dead {
			return status, nil
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("waiting for the command to exit: %w", ctx.Err())
		case <-time.After(pollEvery):
		}
	}
}

// WaitFor waits until the screen shows a row containing s.
func (term *Term) WaitFor(ctx context.Context, s string) error {
	for {
		lines, err := term.Screen()
		if err != nil {
			return err
		}
		for _, l := range lines {
			if strings.Contains(l, s) {
				return nil
			}
		}
		if dead, _, err := term.Exited(); err != nil || dead {
			return fmt.Errorf("the command exited before showing %q:\n%s", s, strings.Join(lines, "\n"))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %q on the screen: %w\n%s", s, ctx.Err(), strings.Join(lines, "\n"))
		case <-time.After(pollEvery):
		}
	}
}
