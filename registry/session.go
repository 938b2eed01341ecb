package registry

// The state of an upload session on the registry: where it lives (each
// answer may move it) and how much it holds, for resuming.

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// resumeRejected tells the answers to a resume that a fresh session cures:
// the session expired or is unknown (404), holds other bytes than reported
// or refuses a Content-Range (416, RANGE_INVALID), or the registry has no
// status request (405, 501).
func resumeRejected(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.StatusCode {
	case http.StatusNotFound, http.StatusRequestedRangeNotSatisfiable,
		http.StatusMethodNotAllowed, http.StatusNotImplemented:
		return true
	}
	return e.HasCode(transport.BlobUploadInvalidErrorCode) || e.HasCode(transport.BlobUploadUnknownErrorCode) ||
		e.Code == codeRangeInvalid
}

// codeRangeInvalid is distribution's answer to a Content-Range that does
// not start where the session ends (go-containerregistry has no constant).
const codeRangeInvalid = "RANGE_INVALID"

// follow moves to the session URL a response names (each PATCH may hand out
// a new one; distribution encodes the offset in it).
func (u *upload) follow(resp *http.Response) error {
	if resp.Header.Get("Location") == "" && u.loc != "" {
		return nil
	}
	loc, err := resolveLocation(resp)
	if err != nil {
		return newError(opUpload, u.repo, err)
	}
	u.loc = loc
	return nil
}

// status asks the registry how many bytes the session holds (GET, answered
// with Range: 0-LAST), retried on its own, and returns the offset to go on
// from.
func (u *upload) status(ctx context.Context) (int64, error) {
	resp, err := u.c.do(ctx, u.hc, u.repo, request{op: opUpload, method: http.MethodGet, url: u.loc,
		ok: []int{http.StatusNoContent, http.StatusOK, http.StatusAccepted}}, u.rt)
	if err != nil {
		return 0, err
	}
	defer drain(resp)
	if err := u.follow(resp); err != nil {
		return 0, err
	}
	off := heldBytes(resp.Header.Get("Range"))
	if off > u.d.Size {
		return 0, &Error{Op: opUpload, Host: u.repo.RegistryStr(), Repository: u.repo.RepositoryStr(),
			StatusCode: http.StatusRequestedRangeNotSatisfiable, Message: "registry holds more bytes than the blob has"}
	}
	u.acked = off
	return off, nil
}

// heldBytes reads a "0-LAST" upload Range into a byte count. "0-0" is read
// as nothing held: distribution answers it for both 0 and 1 byte, and
// resuming one byte early is refused (416) and then restarted cleanly.
func heldBytes(r string) int64 {
	_, last, ok := strings.Cut(strings.TrimPrefix(r, "bytes="), "-")
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(last, 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n + 1
}
