package plugin

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

func writeCreds(t *testing.T, file string, creds map[string]map[string]string) {
	t.Helper()
	b, _ := json.Marshal(creds)
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestCredentialHelpers drives docker/cli's native store against a real
// helper binary, through credsStore and through credHelpers.
func TestCredentialHelpers(t *testing.T) {
	reg := testregistry.Start(t, testregistry.WithBasicAuth("carol", "helper-pass"))
	store := buildCredHelper(t, "dztest")
	writeCreds(t, store, map[string]map[string]string{reg.Host: {"Username": "carol", "Secret": "helper-pass"}})
	for name, cfg := range map[string]map[string]any{
		"credsStore":  {"credsStore": "dztest"},
		"credHelpers": {"credHelpers": map[string]string{reg.Host: "dztest"}},
	} {
		t.Run(name, func(t *testing.T) {
			mustSucceed(t, runCLI(t, dockerConfig(t, cfg), "publish", flavored, "oci://"+reg.Host+"/"+strings.ToLower(name), "-q"))
		})
	}
}

// TestMissingHelperWarnsAndGoesOnAnonymously: a credsStore whose binary is
// absent is a warning, and an anonymous registry still works.
func TestMissingHelperWarnsAndGoesOnAnonymously(t *testing.T) {
	reg := testregistry.Start(t)
	cfg := dockerConfig(t, map[string]any{"credsStore": "does-not-exist-dz"})
	r := mustSucceed(t, runCLI(t, cfg, "publish", flavored, "oci://"+reg.Host+"/team", "-q"))
	if !strings.Contains(r.stderr, "WARNING") || !strings.Contains(r.stderr, "continuing anonymously") {
		t.Fatalf("no warning about the missing helper in %q", r.stderr)
	}
}
