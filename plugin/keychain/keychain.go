// Package keychain resolves registry credentials exactly as docker does,
// from docker's loaded config file, for go-containerregistry's authn.
package keychain

import (
	"fmt"
	"io"
	"sync"

	"github.com/docker/cli/cli/config/configfile"
	"github.com/google/go-containerregistry/pkg/authn"
)

// dockerHubKey is where docker login stores Docker Hub credentials.
const dockerHubKey = "https://index.docker.io/v1/"

// Keychain resolves credentials exactly as docker does, through the loaded
// config file's GetAuthConfig (auths, credsStore, credHelpers, identity and
// registry tokens, DOCKER_AUTH_CONFIG). go-containerregistry's
// authn.DefaultKeychain is not used: it ignores --config in its existence
// check and tries host/repo keys that docker never writes.
type Keychain struct {
	config func() *configfile.ConfigFile
	warn   io.Writer

	mu     sync.Mutex
	warned map[string]bool
	sent   map[string]bool // hosts credentials were found for
}

// New reads credentials from config (called at each lookup, so that a
// config docker loads late is seen) and warns on warn.
func New(config func() *configfile.ConfigFile, warn io.Writer) *Keychain {
	return &Keychain{config: config, warn: warn, warned: map[string]bool{}, sent: map[string]bool{}}
}

// HadCredentials tells whether docker's config held credentials for
// host: a 401 then means they were rejected, not missing.
func (k *Keychain) HadCredentials(host string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.sent[authKey(host)]
}

// Resolve implements authn.Keychain. A helper that is missing or fails is a
// warning, not an error: the request goes on anonymously, as docker pull does
// for a public image.
func (k *Keychain) Resolve(target authn.Resource) (authn.Authenticator, error) {
	host := authKey(target.RegistryStr())
	cfg := k.config()
	if cfg == nil {
		return authn.Anonymous, nil
	}
	ac, err := cfg.GetAuthConfig(host)
	if err != nil {
		k.warnOnce(host, err)
		return authn.Anonymous, nil
	}
	a := authn.AuthConfig{
		Username:      ac.Username,
		Password:      ac.Password,
		Auth:          ac.Auth,
		IdentityToken: ac.IdentityToken,
		RegistryToken: ac.RegistryToken,
	}
	if a == (authn.AuthConfig{}) {
		return authn.Anonymous, nil
	}
	k.mu.Lock()
	k.sent[host] = true
	k.mu.Unlock()
	return authn.FromConfig(a), nil
}

func (k *Keychain) warnOnce(host string, err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.warned[host] {
		return
	}
	k.warned[host] = true
	fmt.Fprintf(k.warn, "WARNING: could not read credentials for %s: %v; continuing anonymously\n", host, err)
}

// authKey maps a registry host to the key docker login stores it under.
// docker.io is served by registry-1.docker.io, and all three names share
// Docker Hub's legacy key.
func authKey(host string) string {
	switch host {
	case "docker.io", "index.docker.io", "registry-1.docker.io":
		return dockerHubKey
	}
	return host
}
