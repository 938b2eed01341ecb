//go:build !windows

package ptytest

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"testing"
	"time"
)

// childEnv makes the test binary act as the program under test.
const childEnv = "PTYTEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		child()
	}
	os.Exit(m.Run())
}

// child greets, says the terminal's size, and reports the first Ctrl-C
// or resize.
func child() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt, syscall.SIGWINCH)
	fmt.Println(os.Getenv("GREETING"))
	switch <-c {
	case os.Interrupt:
		fmt.Println("interrupted")
		os.Exit(7)
	default:
		fmt.Println("resized")
		os.Exit(0)
	}
}

func start(t *testing.T, cols, rows int) (*Term, context.Context) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	term := Start(t, cols, rows, []string{childEnv + "=1", "GREETING=hello"}, os.Args[0])
	if err := term.WaitFor(ctx, "hello"); err != nil {
		t.Fatal(err)
	}
	return term, ctx
}

func finish(t *testing.T, term *Term, ctx context.Context, wantStatus int, want ...string) {
	t.Helper()
	status, err := term.Wait(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if status != wantStatus {
		t.Errorf("exit status %d, want %d", status, wantStatus)
	}
	screen, err := term.Screen()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(screen, want) {
		t.Errorf("screen %q, want %q", screen, want)
	}
}

func TestCtrlC(t *testing.T) {
	term, ctx := start(t, 40, 10)
	if err := term.Keys("C-c"); err != nil {
		t.Fatal(err)
	}
	finish(t, term, ctx, 7, "hello", "^Cinterrupted")
}

func TestResize(t *testing.T) {
	term, ctx := start(t, 80, 24)
	if err := term.Resize(50, 20); err != nil {
		t.Fatal(err)
	}
	finish(t, term, ctx, 0, "hello", "resized")
}
