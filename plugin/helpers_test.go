package plugin

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/docker-zarf/docker-zarf/internal/testfixtures"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/layout"
)

// unpackFixture extracts a package archive's files into dir (test inputs only).
func unpackFixture(t *testing.T, archive, dir string) {
	t.Helper()
	for name, b := range testfixtures.Read(t, archive).Files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// unpackedFiles maps each regular file under dir (slash paths) to its bytes.
func unpackedFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// buildCredHelper builds internal/testcredhelper as docker-credential-NAME
// in a new directory put first on PATH, and returns the file its secrets
// live in.
func buildCredHelper(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "docker-credential-"+name)
	cmd := exec.Command("go", "build", "-o", out, "../internal/testcredhelper")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the credential helper: %v\n%s", err, b)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	store := filepath.Join(dir, "creds.json")
	t.Setenv("DZ_CRED_FILE", store)
	return store
}

// getManifest GETs repo's manifest or index ref as the registry stores it,
// with its status and Docker-Content-Digest.
func getManifest(t *testing.T, reg *testregistry.Registry, repo, ref string) (status int, body []byte, digest string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, reg.URL+"/v2/"+repo+"/manifests/"+ref, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json")
	resp, err := reg.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body, resp.Header.Get("Docker-Content-Digest")
}

func sha256Hash(b []byte) v1.Hash {
	sum := sha256.Sum256(b)
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
}

// authConfigFor writes a DOCKER_CONFIG holding user:pass for host.
func authConfigFor(t testing.TB, host, user, pass string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, host, base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// pkgFileDigests lists path → digest of a package on disk, opened (and so
// validated) by layout.
func pkgFileDigests(path string) (map[string]string, error) {
	pkg, err := layout.Open(context.Background(), path)
	if err != nil {
		return nil, err
	}
	defer pkg.Close()
	out := map[string]string{}
	// Walk hashes every byte, so a pulled package is checked end to end.
	err = pkg.Walk(context.Background(), func(f layout.File, r io.Reader) error {
		out[f.Path] = f.Digest
		_, err := io.Copy(io.Discard, r)
		return err
	})
	return out, err
}

// diffPackages fails unless got holds exactly the files of want.
func diffPackages(want, got string) error {
	w, err := pkgFileDigests(want)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	g, err := pkgFileDigests(got)
	if err != nil {
		return fmt.Errorf("pulled: %w", err)
	}
	if len(w) != len(g) {
		return fmt.Errorf("pulled %d files, want %d", len(g), len(w))
	}
	for p, d := range w {
		if g[p] != d {
			return fmt.Errorf("pulled %s is %q, want %q", p, g[p], d)
		}
	}
	return nil
}
