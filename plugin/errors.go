package plugin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"syscall"

	"github.com/docker/cli/cli"

	"github.com/docker-zarf/docker-zarf/registry"
)

// usageError is a mistake in what the user typed: a reference, a flag value.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

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
		if e.Code == "NAME_UNKNOWN" && isPushOp(e.Op) {
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

func isPushOp(op string) bool {
	op = strings.ToLower(op)
	return strings.Contains(op, "push") || strings.Contains(op, "upload") || strings.Contains(op, "mount") || strings.Contains(op, "put")
}

// oneLine folds a multi-line message so that every error is one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
