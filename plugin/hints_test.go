package plugin

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/layout/layouttest"
)

// TestErrorsSayWhatToDoNext pins issue 11 §4: each failure a user can act
// on says what to do, in one line.
func TestErrorsSayWhatToDoNext(t *testing.T) {
	reg := testregistry.Start(t)
	cfg := emptyConfig(t)
	ns := "oci://" + reg.Host + "/team"
	mustSucceed(t, runCLI(t, cfg, "publish", demoAmd64, ns, "-q"))
	text := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(text, []byte("not a package\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"tag not found lists the tags", []string{"pull", ns + "/demo:9.9.9", "-a", "amd64", "-o", t.TempDir()}, "tag 9.9.9 not found in " + reg.Host + "/team/demo; it has 1.0.0"},
		{"repository not found", []string{"inspect", ns + "/nope:1.0.0"}, "has no tags (is the repository right?"},
		{"unreachable", []string{"pull", "oci://127.0.0.1:1/team/demo:1.0.0", "--retries", "0", "-o", t.TempDir()}, "cannot reach 127.0.0.1:1 (connection refused): is the registry running"},
		{"a plain file", []string{"publish", text, ns}, "not a Zarf package"},
		{"ls with a tag talks about ls", []string{"ls", ns + "/demo:1.0.0"}, "ls takes oci://REGISTRY/NAMESPACE/NAME without a tag"},
		{"ls of a namespace", []string{"ls", ns}, "if it is a namespace, name a package in it"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { mustFail(t, runCLI(t, cfg, tc.args...), tc.want) })
	}
	t.Run("unreachable names no layer", func(t *testing.T) {
		r := runCLI(t, cfg, "publish", demoAmd64, "oci://127.0.0.1:1/team", "--retries", "0")
		if msg := Describe(r.err); r.err == nil || strings.Contains(msg, "checking layer") {
			t.Fatalf("got %q", msg)
		}
	})
	t.Run("publish with a tag names no flag of publish", func(t *testing.T) {
		if msg := Describe(runCLI(t, cfg, "ls", ns+"/demo:1.0.0").err); strings.Contains(msg, "publish") || strings.Contains(msg, "--tag") {
			t.Fatalf("ls error talks about publish: %q", msg)
		}
	})
	t.Run("invalid --tag fails before any upload", func(t *testing.T) {
		reg.Reset()
		mustFail(t, runCLI(t, cfg, "publish", demoArm64, ns, "--tag", "bad tag!"), `invalid tag "bad tag!"`)
		if n := len(reg.Requests()); n != 0 {
			t.Fatalf("the registry saw %d requests", n)
		}
	})
}

// TestRejectedCredentialsAreNotMissingOnes: a 401 for credentials that
// docker login stored says they were rejected; without any, it says to
// log in.
func TestRejectedCredentialsAreNotMissingOnes(t *testing.T) {
	reg := testregistry.Start(t, testregistry.WithBasicAuth("user", "right"))
	ns := "oci://" + reg.Host + "/team"
	mustFail(t, runCLI(t, authConfigFor(t, reg.Host, "user", "wrong"), "publish", demoAmd64, ns), "rejected the credentials docker login stored")
	mustFail(t, runCLI(t, emptyConfig(t), "publish", demoAmd64, ns), "authentication required for "+reg.Host+": run docker login")
}

// TestDockerHabits pins issue 11 §5.
func TestDockerHabits(t *testing.T) {
	reg := testregistry.Start(t)
	cfg := emptyConfig(t)
	ns := "oci://" + reg.Host + "/team"
	t.Run("unknown subcommand", func(t *testing.T) {
		r := runCLI(t, cfg, "pul")
		if r.err == nil || exitCode(r.err) != ExitFailure || !strings.Contains(r.err.Error(), `unknown command "pul"`) || !strings.Contains(r.err.Error(), "pull") {
			t.Fatalf("err %v (exit %d)", r.err, exitCode(r.err))
		}
	})
	t.Run("help pull", func(t *testing.T) {
		r := mustSucceed(t, runCLI(t, cfg, "help", "pull"))
		if !strings.Contains(r.stdout+r.stderr, "Pull a Zarf package from an OCI registry") {
			t.Fatalf("help pull printed %q", r.stdout)
		}
	})
	first := mustSucceed(t, runCLI(t, cfg, "publish", demoAmd64, ns, "--format", "json"))
	var pub struct{ Digest, IndexDigest, Replaced string }
	if err := json.Unmarshal([]byte(first.stdout), &pub); err != nil || pub.IndexDigest == "" || pub.Replaced != "" {
		t.Fatalf("publish --format json: %q (%v)", first.stdout, err)
	}
	t.Run("publish says what it replaced", func(t *testing.T) {
		other := layouttest.Build(t, t.TempDir(), layouttest.Spec{Name: "demo", Version: "1.0.0", Arch: "amd64",
			Files: map[string]layouttest.Content{"components/x.tar": layouttest.Random(1<<10, 5)}})
		r := mustSucceed(t, runCLI(t, cfg, "publish", other, ns))
		if !strings.Contains(r.stdout, "replaced amd64 "+pub.Digest+" → sha256:") {
			t.Fatalf("publish over another amd64 printed %q", r.stdout)
		}
	})
	t.Run("pull --format json", func(t *testing.T) {
		r := mustSucceed(t, runCLI(t, cfg, "pull", ns+"/demo:1.0.0", "-a", "amd64", "-o", t.TempDir(), "--format", "json"))
		var res struct {
			Path, Digest string
			Size         int64
		}
		if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || !strings.HasPrefix(res.Digest, "sha256:") || res.Size <= 0 {
			t.Fatalf("pull --format json printed %q (%v)", r.stdout, err)
		}
		if fi, err := os.Stat(res.Path); err != nil || fi.Size() != res.Size {
			t.Fatalf("the path %s (%v) is not the %d bytes said", res.Path, err, res.Size)
		}
	})
	t.Run("pull -o json refuses", func(t *testing.T) {
		t.Chdir(t.TempDir())
		mustFail(t, runCLI(t, cfg, "pull", ns+"/demo:1.0.0", "-a", "amd64", "-o", "json"), "use --format json")
		if _, err := os.Stat("json"); err == nil {
			t.Fatal("pull -o json made ./json")
		}
	})
	t.Run("ls -q and --digests", func(t *testing.T) {
		if r := mustSucceed(t, runCLI(t, cfg, "ls", ns+"/demo", "-q")); r.stdout != "1.0.0\n" {
			t.Fatalf("ls -q printed %q", r.stdout)
		}
		r := mustSucceed(t, runCLI(t, cfg, "ls", ns+"/demo", "--digests"))
		if !strings.Contains(r.stdout, "DIGEST") || !strings.Contains(r.stdout, "sha256:") {
			t.Fatalf("ls --digests printed %q", r.stdout)
		}
	})
	t.Run("inspect -q keeps the result and drops notes", func(t *testing.T) {
		var sboms bytes.Buffer
		tw := tar.NewWriter(&sboms)
		tw.WriteHeader(&tar.Header{Name: "demo.json", Mode: 0o644, Size: 2})
		tw.Write([]byte("{}"))
		tw.Close()
		src := layouttest.Build(t, t.TempDir(), layouttest.Spec{Name: "sbom", Version: "1.0.0", Arch: "amd64",
			Files: map[string]layouttest.Content{"sboms.tar": layouttest.Bytes(sboms.Bytes())}})
		if r := mustSucceed(t, runCLI(t, cfg, "inspect", src, "--sbom", t.TempDir())); !strings.Contains(r.stderr, "Extracted SBOMs") {
			t.Fatalf("inspect --sbom printed %q on stderr", r.stderr)
		}
		if r := mustSucceed(t, runCLI(t, cfg, "inspect", src, "--sbom", t.TempDir(), "-q")); r.stderr != "" {
			t.Fatalf("inspect -q printed %q on stderr", r.stderr)
		}
	})
}
