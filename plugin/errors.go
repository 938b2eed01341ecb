package plugin

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"syscall"

	"github.com/docker/cli/cli"

	"github.com/docker-zarf/docker-zarf/journey"
	"github.com/docker-zarf/docker-zarf/registry"
)

// Describe is the one place that turns an error into the line the user
// reads. Registry failures that have a known remedy say what to do; every
// other error keeps its wrapped context on a single line.
func Describe(err error) string {
	var st cli.StatusError
	if errors.As(err, &st) {
		// docker's own usage errors carry the usage text on purpose.
		return st.Error()
	}
	if errors.Is(err, context.Canceled) {
		return "Error: cancelled"
	}
	var rerr *registry.Error
	if errors.As(err, &rerr) {
		if msg := remedy(rerr); msg != "" {
			return "Error: " + msg
		}
	}
	if msg := tlsRemedy(err, rerr); msg != "" {
		return "Error: " + msg
	}
	if errors.Is(err, journey.ErrNoTag) {
		return "Error: " + oneLine(err.Error()) + " (or give one with --tag)"
	}
	if errors.Is(err, syscall.ENOSPC) {
		return "Error: no space left on device: " + oneLine(err.Error()) + "; free some space and run the command again"
	}
	return "Error: " + oneLine(err.Error())
}

// remedy says what to do about the registry answers a user can act on.
func remedy(e *registry.Error) string {
	host := e.Host
	switch e.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Sprintf("authentication required for %s: run docker login %s", host, host)
	case http.StatusNotFound:
		if e.Code == "NAME_UNKNOWN" && e.Writes() {
			return fmt.Sprintf("repository %s does not exist; some registries (ECR) need it created first", e.Repository)
		}
	case http.StatusRequestEntityTooLarge:
		return fmt.Sprintf("%s rejected a request body as too large (413); publish with --chunk-size, e.g. --chunk-size 64MiB", host)
	case http.StatusRequestedRangeNotSatisfiable:
		return fmt.Sprintf("%s rejected an upload chunk (416); use a smaller --chunk-size, e.g. --chunk-size 4MiB, or none", host)
	case http.StatusTooManyRequests:
		return fmt.Sprintf("%s is rate limiting requests (429) and the retries ran out; wait a while and run the command again", host)
	}
	return ""
}

// tlsRemedy explains a server certificate that does not verify: where
// docker-zarf looks for a private CA, and the flag that skips the check.
func tlsRemedy(err error, rerr *registry.Error) string {
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	if !errors.As(err, &unknown) && !errors.As(err, &hostname) && !errors.As(err, &invalid) {
		return ""
	}
	host := "HOST"
	if rerr != nil && rerr.Host != "" {
		host = rerr.Host
	}
	return fmt.Sprintf("the TLS certificate of %s is not trusted (%s): put its CA in ~/.docker/certs.d/%s/ca.crt "+
		"(or /etc/docker/certs.d/%s/ca.crt), or use --insecure-skip-tls-verify", host, tlsReason(err), host, host)
}

func tlsReason(err error) string {
	var cv *tls.CertificateVerificationError
	if errors.As(err, &cv) {
		return cv.Err.Error()
	}
	return oneLine(err.Error())
}

// oneLine folds a multi-line message so that every error is one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
