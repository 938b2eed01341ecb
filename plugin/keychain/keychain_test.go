package keychain

import "testing"

func TestAuthKeyMapsDockerHub(t *testing.T) {
	for host, want := range map[string]string{
		"docker.io": dockerHubKey, "index.docker.io": dockerHubKey, "registry-1.docker.io": dockerHubKey,
		"ghcr.io": "ghcr.io", "localhost:5000": "localhost:5000",
	} {
		if got := authKey(host); got != want {
			t.Errorf("authKey(%q) = %q, want %q", host, got, want)
		}
	}
}
