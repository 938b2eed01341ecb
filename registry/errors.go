package registry

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

var (
	// ErrDigestMismatch means the bytes received (or about to be sent) do not
	// hash to the expected digest, or have the wrong size.
	ErrDigestMismatch = errors.New("digest mismatch")
	// ErrManifestTooLarge means a manifest or index is over the 4 MiB cap.
	ErrManifestTooLarge = errors.New("manifest larger than 4 MiB")
	// ErrNotFound matches (errors.Is) an *Error of a read (a manifest, tag,
	// blob or tag list) that the registry answered 404: the thing, or its
	// repository, is not there. A 404 to a write (an upload, a manifest PUT)
	// says the repository does not exist and is not ErrNotFound.
	ErrNotFound = errors.New("not found")
)

// Error is every failure of a Client call. It names the operation and the
// repository, and for an HTTP failure the status and the first OCI error code
// and message of the response body (NAME_UNKNOWN, DENIED, UNAUTHORIZED, ...).
// Err holds the cause: a *transport.Error, a network error, ErrDigestMismatch
// or ErrManifestTooLarge. errors.Is(err, ErrNotFound) tells a 404 to a read.
type Error struct {
	Op         string // what was being done: "HEAD blob", "PUT manifest", "upload blob", "auth", ...
	Host       string // registry host[:port]
	Repository string // repository path without the host; "" for registry-wide calls
	StatusCode int    // HTTP status; 0 when no response was received
	Code       string // first OCI error code in the body; "" when none
	Message    string // its message; "" when none
	Err        error  // the cause

	retryAfter time.Duration // from a Retry-After header; 0 when none
}

// Error renders "OP HOST/REPO: STATUS [CODE: MESSAGE]" or "OP HOST/REPO: cause".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Host != "" {
		b.WriteString(" " + e.Host)
		if e.Repository != "" {
			b.WriteString("/" + e.Repository)
		}
	}
	b.WriteString(": ")
	if e.StatusCode == 0 {
		if e.Err != nil {
			b.WriteString(e.Err.Error())
		}
		return b.String()
	}
	fmt.Fprintf(&b, "%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Code != "" {
		b.WriteString(": " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes a 404 to a read match ErrNotFound.
func (e *Error) Is(target error) bool {
	return target == ErrNotFound && e.StatusCode == http.StatusNotFound && !e.Writes()
}

// HasCode reports whether the registry's first OCI error code is code.
func (e *Error) HasCode(code transport.ErrorCode) bool { return e.Code == string(code) }

// newError wraps err (any error, or nil for a bare status) into an *Error for
// repo, lifting the status and OCI code out of a *transport.Error.
func newError(op string, repo name.Repository, err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e // already structured by a lower step (auth, a chunk, ...)
	}
	e = &Error{Op: op, Host: repo.RegistryStr(), Repository: repo.RepositoryStr(), Err: err}
	if cause := tlsCause(err); cause != nil {
		// For a loopback or private host go-containerregistry pings https
		// and http both; the http answer (400 from a TLS server) would
		// hide the real problem.
		e.Err = cause
		return e
	}
	var terr *transport.Error
	if errors.As(err, &terr) {
		e.StatusCode = terr.StatusCode
		if len(terr.Errors) > 0 {
			e.Code = string(terr.Errors[0].Code)
			e.Message = terr.Errors[0].Message
		}
	}
	return e
}

// statusError reads the error body of resp (capped by transport.CheckError)
// and returns it as an *Error, with any Retry-After hint kept for the retry
// loop.
func statusError(op string, repo name.Repository, resp *http.Response) *Error {
	err := transport.CheckError(resp) // no accepted codes: always an error
	e := newError(op, repo, err)
	e.StatusCode = resp.StatusCode
	e.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	return e
}

// The operations that write to a registry, as Error.Op names them.
const (
	opMount       = "mount blob"
	opPutManifest = "PUT manifest"
)

// Writes reports whether the failed operation writes to the registry (a
// blob upload or mount, a manifest PUT), where a 404 means the repository
// does not exist rather than that something is missing from it.
func (e *Error) Writes() bool {
	switch e.Op {
	case opUpload, opMount, opPutManifest:
		return true
	}
	return false
}

// digestError reports bytes that do not match the descriptor.
func digestError(op string, repo name.Repository, format string, args ...any) *Error {
	return newError(op, repo, fmt.Errorf("%w: "+format, append([]any{ErrDigestMismatch}, args...)...))
}
