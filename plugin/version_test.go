package plugin

import (
	"encoding/json"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/plugin/formatter"
)

// goModVersion is the version go.mod requires of module path.
func goModVersion(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == path {
			return f[1]
		}
	}
	t.Fatalf("go.mod does not require %s", path)
	return ""
}

// TestVersion runs `version` in-process. The module versions come from the
// binary's build info, which a test binary may lack, so
// TestBinaryVersionEverywhere checks them on the real binary.
func TestVersion(t *testing.T) {
	cfg := emptyConfig(t)
	text := mustSucceed(t, runCLI(t, cfg, "version")).stdout
	for _, want := range []string{"docker-zarf v0.0.0-test\n", "commit: abc123\n", "go: " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n",
		"go-containerregistry: ", "docker/cli: "} {
		if !strings.Contains(text, want) {
			t.Errorf("version output lacks %q:\n%s", want, text)
		}
	}

	var v formatter.Version
	out := mustSucceed(t, runCLI(t, cfg, "version", "--format", "json")).stdout
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("version --format json printed %q: %v", out, err)
	}
	if v.Version != "v0.0.0-test" || v.Commit != "abc123" || v.GoVersion != runtime.Version() || v.Platform != runtime.GOOS+"/"+runtime.GOARCH {
		t.Fatalf("version --format json = %+v", v)
	}
	mustFail(t, runCLI(t, cfg, "version", "--format", "xml"), "--format \"xml\"")
	mustFail(t, runCLI(t, cfg, "version", "extra"), "accepts no arguments")
}

// TestVersionUnstamped: a plain `go build` says "dev", and so does its User-Agent.
func TestVersionUnstamped(t *testing.T) {
	if v := buildVersion(BuildInfo{}); v.Version != "dev" {
		t.Fatalf("unstamped version %q, want dev", v.Version)
	}
	if ua := userAgent(BuildInfo{}); ua != "docker-zarf/dev" {
		t.Fatalf("unstamped User-Agent %q", ua)
	}
}

// TestBinaryVersionEverywhere: the version stamped by -ldflags is the one
// `version`, the plugin metadata docker reads and the User-Agent all show.
func TestBinaryVersionEverywhere(t *testing.T) {
	var v formatter.Version
	r := runBinary(t, "version", "--format", "json")
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || v.Version != binVersion || v.Commit != binCommit {
		t.Fatalf("version --format json: %+v (%v), stderr %q", v, err, r.stderr)
	}
	if v.GoContainerRegistry != goModVersion(t, "github.com/google/go-containerregistry") ||
		v.DockerCLI != goModVersion(t, "github.com/docker/cli") {
		t.Fatalf("module versions %+v do not match go.mod", v)
	}

	var meta struct{ SchemaVersion, Vendor, Version string }
	r = runBinary(t, "docker-cli-plugin-metadata")
	if err := json.Unmarshal([]byte(r.stdout), &meta); err != nil || meta.Version != binVersion || meta.Vendor != "docker-zarf" {
		t.Fatalf("plugin metadata %+v (%v) from %q", meta, err, r.stdout)
	}

	agents, reg := userAgentRegistry(t)
	mustSucceed(t, runCLI(t, emptyConfig(t), "publish", flavored, "oci://"+reg.Host+"/ua", "-q"))
	agents.reset()
	r = runBinary(t, "inspect", "oci://"+reg.Host+"/ua/flavored:0.2.0-upstream", "-a", "amd64", "--plain-http")
	if r.code != 0 {
		t.Fatalf("inspect failed: %s", r.stderr)
	}
	agents.check(t, "docker-zarf/"+binVersion)
}

// TestUserAgentInProcess: every request of every command carries our
// User-Agent first (go-containerregistry appends its own after it).
func TestUserAgentInProcess(t *testing.T) {
	agents, reg := userAgentRegistry(t)
	cfg := emptyConfig(t)
	src := "oci://" + reg.Host + "/ua/flavored:0.2.0-upstream"
	runs := [][]string{
		{"publish", flavored, "oci://" + reg.Host + "/ua", "-q"},
		{"inspect", src, "-a", "amd64"},
		{"pull", src, "-a", "amd64", "-o", t.TempDir(), "--no-cache", "-q"},
		{"ls", "oci://" + reg.Host + "/ua/flavored"},
	}
	for _, args := range runs {
		t.Run(args[0], func(t *testing.T) {
			agents.reset()
			mustSucceed(t, runCLI(t, cfg, args...))
			agents.check(t, "docker-zarf/v0.0.0-test")
		})
	}
}

// agentLog records the User-Agent of every request a registry receives.
type agentLog struct {
	mu     sync.Mutex
	agents []string
}

func userAgentRegistry(t *testing.T) (*agentLog, *testregistry.Registry) {
	l := &agentLog{}
	reg := testregistry.Start(t, testregistry.WithHandler(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			l.mu.Lock()
			l.agents = append(l.agents, r.UserAgent())
			l.mu.Unlock()
			next.ServeHTTP(w, r)
		})
	}))
	return l, reg
}

func (l *agentLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.agents = nil
}

func (l *agentLog) check(t *testing.T, want string) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.agents) == 0 {
		t.Fatal("no request reached the registry")
	}
	for _, ua := range l.agents {
		if ua != want && !strings.HasPrefix(ua, want+" ") {
			t.Fatalf("a request had User-Agent %q, want %q first (all: %q)", ua, want, l.agents)
		}
	}
}
