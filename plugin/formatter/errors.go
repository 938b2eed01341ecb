package formatter

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/docker-zarf/docker-zarf/journey"
	"github.com/docker-zarf/docker-zarf/registry"
)

// Describe is the one place that turns an error into the line the user
// reads. Registry failures that have a known remedy say what to do; every
// other error keeps its wrapped context on a single line. The line is not
// yet escaped: the caller prints Safe(Describe(err)).
func Describe(err error) string {
	var ce0 *CancelledError
	if errors.As(err, &ce0) {
		return ce0.msg
	}
	if errors.Is(err, context.Canceled) {
		return "Error: cancelled"
	}
	var ce *CredentialsError
	if errors.As(err, &ce) {
		return fmt.Sprintf("Error: %s rejected the credentials docker login stored for it (%d %s): run docker login %s again, or check that the account may access this repository",
			ce.host, ce.status, http.StatusText(ce.status), ce.host)
	}
	var tnf *journey.TagNotFoundError
	if errors.As(err, &tnf) {
		return "Error: " + tagNotFound(tnf)
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
	if msg := networkRemedy(err); msg != "" {
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
		if e.HasCode(transport.NameUnknownErrorCode) && e.Writes() {
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

// networkRemedy says what to do when the registry could not be talked to
// at all, or safely.
func networkRemedy(err error) string {
	var (
		pe   *registry.PlainHTTPError
		se   *registry.StallError
		dnse *net.DNSError
		rerr *registry.Error
	)
	host := "the registry"
	if errors.As(err, &rerr) && rerr.Host != "" {
		host = rerr.Host
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("cannot reach %s (connection refused): is the registry running, and is the port right?", host)
	case errors.As(err, &dnse) && dnse.IsNotFound:
		return fmt.Sprintf("cannot reach %s (no such host %s): check the registry's name", host, dnse.Name)
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return fmt.Sprintf("cannot reach %s (no route to host): check the network", host)
	case errors.As(err, &pe):
		return fmt.Sprintf("%s: %s; docker-zarf talks plain HTTP only when told to: use --plain-http if you trust the network to this registry", pe.Host, pe.Why)
	case errors.As(err, &se):
		return fmt.Sprintf("%s stopped answering (%s for %s); check the registry and the network, then run the command again (it resumes)", se.Host, se.What, se.After)
	}
	return ""
}

// tagNotFound says which tags exist, or how to list them.
func tagNotFound(e *journey.TagNotFoundError) string {
	repo := e.Ref.Context()
	switch {
	case len(e.Tags) == 0:
		return fmt.Sprintf("%s not found: %s has no tags (is the repository right? a namespace is not a package: name the package, as in oci://%s/NAME)",
			Safe(e.Ref.String()), Safe(repo.String()), Safe(repo.String()))
	case e.More:
		return fmt.Sprintf("tag %s not found in %s; it has %s, … (docker zarf ls oci://%s lists them all)",
			Safe(e.Ref.Identifier()), Safe(repo.String()), Safe(strings.Join(e.Tags, ", ")), Safe(repo.String()))
	}
	return fmt.Sprintf("tag %s not found in %s; it has %s", Safe(e.Ref.Identifier()), Safe(repo.String()), Safe(strings.Join(e.Tags, ", ")))
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

// CredentialsError is a 401 or 403 for credentials that docker login
// stored: they were rejected, which needs another remedy than missing ones.
type CredentialsError struct {
	err    error
	host   string
	status int
}

// RejectedCredentials marks err, a 401 or 403 (status) from host, as a
// rejection of the credentials docker's config held for host.
func RejectedCredentials(err error, host string, status int) error {
	return &CredentialsError{err: err, host: host, status: status}
}

func (e *CredentialsError) Error() string { return e.err.Error() }
func (e *CredentialsError) Unwrap() error { return e.err }
