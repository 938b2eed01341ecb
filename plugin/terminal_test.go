package plugin

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/ptytest"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/layout/layouttest"
)

// barRow matches what only a progress bar draws: a bar, the total row, the
// "+K more" row, or a "done / size" counter.
var barRow = regexp.MustCompile(`\[[=>-]*\]|^total |^\+\d+ more|\d+(\.\d)? (B|KiB|MiB|GiB) / `)

func barRows(screen []string) (n int) {
	for _, l := range screen {
		if barRow.MatchString(l) {
			n++
		}
	}
	return n
}

// TestPullThousandLayersInA80x24Terminal (issue 11): the real binary pulls
// a 1,000-layer package in an 80×24 terminal. The bars never take more
// than 22 rows; after success the screen holds no bar, and after Ctrl-C no
// bar and exactly one "Cancelled:" line, with exit code 130.
func TestPullThousandLayersInA80x24Terminal(t *testing.T) {
	bin := pluginBinary(t)
	files := map[string]layouttest.Content{}
	for i := range 1000 {
		files[fmt.Sprintf("images/blobs/sha256/%064x", i)] = layouttest.Random(int64(2<<10+i), uint64(i+1))
	}
	src := layouttest.Build(t, t.TempDir(), layouttest.Spec{Name: "many", Version: "1.0.0", Arch: "amd64", Files: files})
	p := faultproxy.New(1)
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	cfg := emptyConfig(t)
	mustSucceed(t, runCLI(t, cfg, "publish", src, "oci://"+reg.Host+"/ns", "-q"))
	// Slow enough downloads that the bars are on screen for a while.
	p.Set(faultproxy.Slow(15*time.Millisecond, faultproxy.BlobGet))
	ref := "oci://" + reg.Host + "/ns/many:1.0.0"
	run := func(t *testing.T) (*ptytest.Term, string) {
		out := t.TempDir()
		term := ptytest.Start(t, 80, 24, []string{"DOCKER_CONFIG=" + cfg},
			bin, "pull", ref, "-a", "amd64", "--plain-http", "--verify=never", "-o", out, "--cache", t.TempDir())
		return term, out
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	t.Run("success", func(t *testing.T) {
		term, out := run(t)
		most := 0
		code, err := term.Wait(ctx, func(screen []string) { most = max(most, barRows(screen)) })
		if err != nil || code != 0 {
			t.Fatalf("exit %d, %v", code, err)
		}
		screen, _ := term.Screen()
		show := "\n" + strings.Join(screen, "\n")
		if most == 0 || most > 22 {
			t.Errorf("the bars took up to %d rows of 24", most)
		}
		if n := barRows(screen); n != 0 {
			t.Errorf("%d bar rows left after success:%s", n, show)
		}
		if !strings.Contains(strings.Join(screen, ""), out) {
			t.Errorf("the written path is not on the screen:%s", show)
		}
	})
	t.Run("ctrl-c", func(t *testing.T) {
		term, _ := run(t)
		if err := term.WaitFor(ctx, "total"); err != nil {
			t.Fatal(err)
		}
		if err := term.Keys("C-c"); err != nil {
			t.Fatal(err)
		}
		code, err := term.Wait(ctx, nil)
		if err != nil || code != ExitCanceled {
			t.Fatalf("exit %d, %v", code, err)
		}
		screen, _ := term.Screen()
		show := "\n" + strings.Join(screen, "\n")
		if n := barRows(screen); n != 0 {
			t.Errorf("%d bar rows left after Ctrl-C:%s", n, show)
		}
		var summary []string
		for _, l := range screen {
			if strings.TrimSpace(l) != "" && !strings.HasPrefix(strings.TrimSpace(l), "^C") {
				summary = append(summary, l)
			}
		}
		if len(summary) != 1 || !strings.HasPrefix(summary[0], "Cancelled: ") || !strings.Contains(summary[0], "kept in the cache; run the same command to resume.") {
			t.Errorf("want one Cancelled line, got:%s", show)
		}
	})
}
