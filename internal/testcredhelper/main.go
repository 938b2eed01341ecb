// Command testcredhelper is a real docker credential helper for tests: it
// speaks the helper protocol through docker-credential-helpers'
// credentials.Serve and keeps its secrets in the JSON file named by
// $DZ_CRED_FILE ({"serverURL": {"Username": "...", "Secret": "..."}}).
// Tests build it as docker-credential-<name> and point credsStore or
// credHelpers at it, so docker/cli's native store runs it as it would run
// docker-credential-desktop or -ecr-login.
package main

import (
	"encoding/json"
	"errors"
	"os"

	"github.com/docker/docker-credential-helpers/credentials"
)

type fileStore struct{ path string }

type entry struct {
	Username string
	Secret   string
}

func (s fileStore) load() (map[string]entry, error) {
	m := map[string]entry{}
	b, err := os.ReadFile(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, err
	}
	return m, json.Unmarshal(b, &m)
}

func (s fileStore) save(m map[string]entry) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return os.WriteFile(s.path, b, 0o600)
}

func (s fileStore) Add(c *credentials.Credentials) error {
	m, err := s.load()
	if err != nil {
		return err
	}
	m[c.ServerURL] = entry{Username: c.Username, Secret: c.Secret}
	return s.save(m)
}

func (s fileStore) Delete(serverURL string) error {
	m, err := s.load()
	if err != nil {
		return err
	}
	delete(m, serverURL)
	return s.save(m)
}

func (s fileStore) Get(serverURL string) (string, string, error) {
	m, err := s.load()
	if err != nil {
		return "", "", err
	}
	e, ok := m[serverURL]
	if !ok {
		return "", "", credentials.NewErrCredentialsNotFound()
	}
	return e.Username, e.Secret, nil
}

func (s fileStore) List() (map[string]string, error) {
	m, err := s.load()
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, v := range m {
		out[k] = v.Username
	}
	return out, nil
}

func main() {
	credentials.Serve(fileStore{path: os.Getenv("DZ_CRED_FILE")})
}
