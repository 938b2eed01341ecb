package plugin

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

// openPTY opens a pseudo-terminal pair: the master to read what the child
// draws, the slave to hand it as its stderr.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		t.Fatal(err)
	}
	// A new terminal is 0x0; mpb draws nothing that narrow.
	if err := unix.IoctlSetWinsize(int(m.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 40, Col: 160}); err != nil {
		m.Close()
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		m.Close()
		t.Fatal(err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Fatal(err)
	}
	return m, s
}

// sgr matches a Select Graphic Rendition sequence: colour, bold, and so on.
var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

// TestTerminalBarsHaveNoColour publishes with stderr on a terminal: the
// live bars are drawn (cursor movement), but never in colour, with or
// without NO_COLOR, and stdout stays plain.
func TestTerminalBarsHaveNoColour(t *testing.T) {
	bin := pluginBinary(t)
	// Slow uploads keep the bars on screen for a few refreshes.
	p := faultproxy.New(1)
	p.Set(faultproxy.Slow(300*time.Millisecond, faultproxy.UploadStart))
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	cfg := emptyConfig(t)
	for _, noColor := range []string{"", "1"} {
		t.Run("NO_COLOR="+noColor, func(t *testing.T) {
			master, slave := openPTY(t)
			defer master.Close()
			var out bytes.Buffer
			cmd := exec.Command(bin, "publish", demoAmd64, "oci://"+reg.Host+"/tty"+noColor, "--plain-http")
			cmd.Stdout, cmd.Stderr = &out, slave
			cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+cfg, "NO_COLOR="+noColor, "TERM=xterm-256color")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			slave.Close() // the child holds it now; EOF (EIO) comes when the child exits
			drawn := make(chan []byte, 1)
			go func() { b, _ := io.ReadAll(master); drawn <- b }()
			if err := cmd.Wait(); err != nil {
				t.Fatalf("publish on a terminal: %v", err)
			}
			tty := <-drawn
			if !bytes.Contains(tty, []byte("\x1b[")) || !bytes.Contains(tty, []byte("total")) {
				t.Fatalf("no live bars on the terminal: %q", tty)
			}
			if m := sgr.Find(tty); m != nil {
				t.Fatalf("colour sequence %q on the terminal", m)
			}
			if bytes.ContainsRune(out.Bytes(), '\x1b') || !bytes.HasPrefix(out.Bytes(), []byte("Published ")) {
				t.Fatalf("stdout %q", out.String())
			}
		})
	}
}
