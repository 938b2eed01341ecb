package completion

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/docker/cli/cli/config/configfile"
	"github.com/docker/cli/cli/config/types"
	"github.com/spf13/cobra"
)

// TestRegistryHostNeverHandsTheShellAnythingOdd: config keys become
// hosts, Docker Hub's legacy key becomes docker.io, and a key with spaces
// or control characters is offered as nothing.
func TestRegistryHostNeverHandsTheShellAnythingOdd(t *testing.T) {
	for key, want := range map[string]string{
		"registry.example.com":        "registry.example.com",
		"https://index.docker.io/v1/": "docker.io",
		"http://LOCALHOST:5000/v2/":   "localhost:5000",
		"[::1]:5000":                  "[::1]:5000",
		"evil host; rm -rf ~":         "",
		"x\x1b[2J":                    "",
	} {
		if got := registryHost(key); got != want {
			t.Errorf("registryHost(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestLoginRegistriesSortedOnce(t *testing.T) {
	cfg := &configfile.ConfigFile{
		AuthConfigs:       map[string]types.AuthConfig{"b.example": {}, "https://index.docker.io/v1/": {}},
		CredentialHelpers: map[string]string{"a.example": "pass", "b.example": "pass"},
	}
	if got, want := loginRegistries(cfg), []string{"a.example", "b.example", "docker.io"}; !slices.Equal(got, want) {
		t.Fatalf("loginRegistries = %q, want %q", got, want)
	}
	if loginRegistries(nil) != nil {
		t.Fatal("no config must offer no registries")
	}
}

func TestCompleteRegistries(t *testing.T) {
	got, dir := completeRegistries([]string{"a.example", "b.example"}, "oci://b")
	if !slices.Equal(got, []string{"oci://b.example/"}) || dir&cobra.ShellCompDirectiveNoSpace == 0 {
		t.Fatalf("got %q %v", got, dir)
	}
	if got, _ := completeRegistries([]string{"a.example"}, "oci://z"); got != nil {
		t.Fatalf("nothing matches, got %q", got)
	}
}

func TestScriptsNameTheBinary(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		var b bytes.Buffer
		if err := writeCompletion(&b, shell); err != nil || !strings.Contains(b.String(), "docker-zarf") {
			t.Fatalf("%s: %v\n%.200s", shell, err, b.String())
		}
	}
	if err := writeCompletion(&bytes.Buffer{}, "tcsh"); err == nil {
		t.Fatal("tcsh must be refused")
	}
}
