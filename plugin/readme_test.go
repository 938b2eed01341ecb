package plugin

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

// readmeCommands returns the command lines of the README's sh blocks,
// without trailing comments.
func readmeCommands(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cmds []string
	inBlock := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "```"):
			inBlock = line == "```sh"
		case inBlock && line != "" && !strings.HasPrefix(line, "#"):
			if i := strings.Index(line, " #"); i >= 0 {
				line = strings.TrimSpace(line[:i])
			}
			cmds = append(cmds, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cmds
}

// TestReadmeCommandsWork runs every `docker zarf` line of the README, in
// order, against real registries standing in for its example hosts, and
// checks that every `make` target it names exists: the README cannot rot.
// (`docker login` itself runs for real in scripts/e2e.sh.)
func TestReadmeCommandsWork(t *testing.T) {
	regA, regB := testregistry.Start(t), testregistry.Start(t)
	out := t.TempDir() + "/pkgs"
	replacer := strings.NewReplacer(
		"registry-a.example.com", regA.Host,
		"registry-b.example.com", regB.Host,
		"registry.example.com", regA.Host,
		"zarf-package-demo-amd64-1.0.0.tar.zst", demoAmd64,
		"zarf-package-demo-arm64-1.0.0.tar.zst", demoArm64,
		"./pkgs", out,
	)
	makefile, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	cfg := emptyConfig(t)
	ran := 0
	for _, line := range readmeCommands(t) {
		fields := strings.Fields(line)
		switch {
		case len(fields) >= 2 && fields[0] == "make":
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(fields[1]) + `:`).Match(makefile) {
				t.Errorf("README runs make %s, which the Makefile lacks", fields[1])
			}
		case len(fields) >= 2 && fields[0] == "docker" && fields[1] == "zarf":
			args := strings.Fields(replacer.Replace(strings.Join(fields[2:], " ")))
			r := runCLI(t, cfg, args...)
			if r.err != nil {
				t.Errorf("README command %q failed: %s", line, Describe(r.err))
			}
			ran++
		}
	}
	if ran < 8 {
		t.Fatalf("ran %d README commands; the quickstart has more", ran)
	}
	if names := dirNames(t, out); len(names) != 2 {
		t.Errorf("the README's pulls left %v in ./pkgs, want the arm64 and amd64 packages", names)
	}
}
