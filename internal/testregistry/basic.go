package testregistry

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"golang.org/x/crypto/bcrypt"
)

// realm is the basic-auth realm and the token service name.
const realm = "testregistry"

// writeHtpasswd writes a one-user bcrypt htpasswd file, the only hash format
// distribution's htpasswd controller accepts.
func writeHtpasswd(dir, user, pass string) (string, error) {
	// MinCost keeps each request's password check at about a millisecond.
	hash, err := bcrypt.GenerateFromPassword([]byte(pass), bcrypt.MinCost)
	if err != nil {
		return "", fmt.Errorf("hashing htpasswd password: %w", err)
	}
	path := filepath.Join(dir, "htpasswd")
	if err := os.WriteFile(path, fmt.Appendf(nil, "%s:%s\n", user, hash), 0o600); err != nil {
		return "", fmt.Errorf("writing htpasswd: %w", err)
	}
	return path, nil
}

// basicFront answers every request without credentials user:pass with the
// 401 distribution's htpasswd controller sends, for registries without auth.
func basicFront(user, pass string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if ok && equal(u, user) && equal(p, pass) {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("WWW-Authenticate", fmt.Sprintf("Basic realm=%q", realm))
		writeError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
	})
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// writeError sends an OCI distribution-spec error body.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"errors":[{"code":%q,"message":%q}]}`+"\n", code, msg)
}
