package plugin

import (
	"bufio"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/manifest"
)

// readmeLine is a command line of one of the README's sh blocks with what
// its comments say: the comment after it on the line and the comment lines
// right below it ("# -> …").
type readmeLine struct {
	cmd, comment string
}

// readmeCommands returns the command lines of the README's sh blocks.
func readmeCommands(t *testing.T) []readmeLine {
	t.Helper()
	f, err := os.Open("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []readmeLine
	inBlock := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "```"):
			inBlock = line == "```sh"
		case !inBlock || line == "":
		case strings.HasPrefix(line, "#"):
			if n := len(lines); n > 0 {
				lines[n-1].comment = strings.TrimSpace(lines[n-1].comment + " " + strings.TrimLeft(line, "# "))
			}
		default:
			l := readmeLine{cmd: line}
			if i := strings.Index(line, " #"); i >= 0 {
				l.cmd, l.comment = strings.TrimSpace(line[:i]), strings.TrimSpace(line[i+2:])
			}
			lines = append(lines, l)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// readmeInspectBlobBytes bounds what the README's inspect may download in
// blobs: its comment says ~1 KB (the demo's zarf.yaml is 1014 bytes; the
// whole amd64 package is about 600 KB).
const readmeInspectBlobBytes = 1536

// TestReadmeCommandsWork runs every `docker zarf` line of the README, in
// order, against real registries standing in for its example hosts, checks
// what each line's comment promises, and checks that every `make` target
// it names exists: the README cannot rot. (`docker login` itself runs for
// real in scripts/e2e.sh.)
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
	// The promises of the README's comments, by a phrase of the comment,
	// each checked right after its command ran.
	var amd64 string // the amd64 manifest the first publish tagged
	promises := map[string]func(r cliResult){
		"amd64 entry is the new manifest": func(cliResult) {
			entries := readmeIndex(t, regA)
			pushed := manifestPutsByDigest(regA)
			if len(entries) != 1 || len(pushed) != 1 || entries["amd64"] != pushed[0] {
				t.Errorf("after the amd64 publish the tag holds %v; the manifest pushed was %v", entries, pushed)
			}
			amd64 = entries["amd64"]
		},
		"the same tag now also holds arm64; the amd64 entry is kept": func(cliResult) {
			entries := readmeIndex(t, regA)
			if len(entries) != 2 || entries["arm64"] == "" || entries["amd64"] != amd64 || amd64 == "" {
				t.Errorf("after the arm64 publish the tag holds %v; want arm64 and the amd64 entry %s kept", entries, amd64)
			}
		},
		"prints zarf.yaml (~1 KB fetched)": func(r cliResult) {
			n, gets := int64(0), 0
			for _, l := range regA.Requests() {
				if l.IsBlobGet() {
					n, gets = n+l.BytesOut, gets+1
				}
			}
			if !strings.Contains(r.stdout, "kind: ZarfPackageConfig") || n == 0 || n > readmeInspectBlobBytes {
				t.Errorf("inspect fetched %d bytes of blobs in %d GETs (want 1..%d) and printed %q", n, gets, readmeInspectBlobBytes, r.stdout)
			}
			t.Logf("inspect fetched %d bytes of blobs in %d GETs", n, gets)
		},
	}
	checked := map[string]bool{}
	cfg := emptyConfig(t)
	ran := 0
	for _, line := range readmeCommands(t) {
		fields := strings.Fields(line.cmd)
		switch {
		case len(fields) >= 2 && fields[0] == "make":
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(fields[1]) + `:`).Match(makefile) {
				t.Errorf("README runs make %s, which the Makefile lacks", fields[1])
			}
		case len(fields) >= 2 && fields[0] == "docker" && fields[1] == "zarf":
			args := strings.Fields(replacer.Replace(strings.Join(fields[2:], " ")))
			regA.Reset()
			regB.Reset()
			r := runCLI(t, cfg, args...)
			if r.err != nil {
				t.Errorf("README command %q failed: %s", line.cmd, Describe(r.err))
			}
			ran++
			if line.comment == "" {
				continue
			}
			matched := false
			for phrase, check := range promises {
				if strings.Contains(line.comment, phrase) {
					check(r)
					checked[phrase], matched = true, true
				}
			}
			if !matched {
				t.Errorf("README says of %q: %q, and no check covers it", line.cmd, line.comment)
			}
		}
	}
	for phrase := range promises {
		if !checked[phrase] {
			t.Errorf("no README command says %q any more: update the promises", phrase)
		}
	}
	if ran < 8 {
		t.Fatalf("ran %d README commands; the quickstart has more", ran)
	}
	if names := dirNames(t, out); len(names) != 2 {
		t.Errorf("the README's pulls left %v in ./pkgs, want the arm64 and amd64 packages", names)
	}
}

// readmeIndex maps architecture → manifest digest of the index the
// README's team/demo:1.0.0 tag points at.
func readmeIndex(t *testing.T, reg *testregistry.Registry) map[string]string {
	t.Helper()
	status, body, _ := getManifest(t, reg, "team/demo", "1.0.0")
	if status != 200 {
		t.Fatalf("GET team/demo:1.0.0: %d", status)
	}
	idx, err := manifest.ParseIndex(body)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, d := range idx.Manifests {
		if d.Platform != nil {
			out[d.Platform.Architecture] = d.Digest.String()
		}
	}
	return out
}

// manifestPutsByDigest lists the digests of the manifests PUT by digest
// since reg's last Reset.
func manifestPutsByDigest(reg *testregistry.Registry) []string {
	var out []string
	for _, l := range reg.Requests() {
		if l.Method == "PUT" && l.IsManifest() && l.Status == 201 {
			if ref := l.Path[strings.LastIndex(l.Path, "/")+1:]; strings.HasPrefix(ref, "sha256:") {
				out = append(out, ref)
			}
		}
	}
	return slices.Compact(out)
}
