package plugin

import (
	"net/http"
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

// TestRegistryTextNeverDrivesTheTerminal: a hostile registry's tags and
// error messages carry ESC[2J (clear screen); what docker-zarf prints of
// them, through the real binary, holds no raw control character.
func TestRegistryTextNeverDrivesTheTerminal(t *testing.T) {
	p := faultproxy.New(1)
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	tagsList := func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/tags/list") }
	p.Set(faultproxy.Scenario{Name: "evil-tags", Match: tagsList, Action: faultproxy.Respond(http.StatusOK,
		http.Header{"Content-Type": {"application/json"}}, `{"name":"ns/x","tags":["\u001b[2Jgone"]}`)})
	ls := runBinary(t, "ls", "oci://"+reg.Host+"/ns/x", "--plain-http", "--retries", "0")
	p.Set(faultproxy.Scenario{Name: "evil-error", Match: faultproxy.ManifestGet,
		Action: faultproxy.Respond(http.StatusBadRequest, http.Header{"Content-Type": {"application/json"}},
			`{"errors":[{"code":"DENIED","message":"\u001b[2J\u001b]0;pwned\u0007 nope"}]}`)})
	pull := runBinary(t, "pull", "oci://"+reg.Host+"/ns/x:1.0.0", "--plain-http", "--retries", "0", "-o", t.TempDir())
	for name, r := range map[string]binResult{"ls": ls, "pull": pull} {
		out := r.stdout + r.stderr
		if strings.ContainsFunc(out, func(r rune) bool { return r == 0x1b || r == 0x07 }) {
			t.Errorf("%s printed a raw control character: %q", name, out)
		}
		if !strings.Contains(out, `\x1b[2J`) {
			t.Errorf("%s did not show the escaped sequence: %q", name, out)
		}
	}
}
