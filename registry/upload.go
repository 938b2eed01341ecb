package registry

// Blob uploads are written by hand rather than with go-containerregistry's
// remote.WriteLayer: that sends one streaming PATCH with no chunking, no
// resume and no per-layer progress, and retries by re-sending everything.
// Here a blob goes up as POST, then either one streaming PATCH (default) or
// PATCHes of Options.ChunkSize bytes with Content-Length and Content-Range
// (for registries and proxies with body limits), then PUT ?digest=. The
// POST, the status GET and the PUT without a body retry on their own. After
// a PATCH (or a PUT with the bytes) fails, the upload asks the session how
// much it holds (GET, Range: 0-LAST) and sends the rest from there with
// Content-Range, so that only bytes the registry never acknowledged go
// again; a registry that cannot resume gets a fresh session. PATCH answers
// of 201 instead of 202 (ECR) are accepted.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/docker-zarf/docker-zarf/progress"
)

const opUpload = "upload blob"

// PushBlob uploads blob d to repo, reading it from open. It does not HEAD
// first: the caller checks BlobExists (and tries MountBlob) and reports
// Skip. To resume, the source is moved to the registry's offset: a Seeker
// is seeked; otherwise it is read on, or, to go back, open is called again
// and bytes are skipped. An open error stops the retries. bar (nil allowed) gets Add as bytes are read, SetCurrent on a
// retry, then Done or Abort.
//
// A 0-byte blob is never PATCHed: when the registry already has it nothing
// is sent, else it is created with a POST and an empty PUT ?digest=, the
// form least likely to be rejected. Some registries refuse empty blobs
// altogether; that error is returned as is.
func (c *Client) PushBlob(ctx context.Context, repo name.Repository, d v1.Descriptor, open func() (io.ReadCloser, error), bar progress.Bar) (err error) {
	if bar == nil {
		bar = progress.NopBar()
	}
	defer func() {
		if err != nil {
			bar.Abort(err)
		} else {
			bar.Done()
		}
	}()
	if d.Size < 0 || d.Digest.Hex == "" {
		return newError(opUpload, repo, fmt.Errorf("invalid descriptor: digest %q, size %d", d.Digest, d.Size))
	}
	hc, err := c.client(ctx, repo, pushScope(repo))
	if err != nil {
		return err
	}
	if d.Size == 0 {
		if ok, herr := c.blobExists(ctx, hc, repo, d); herr == nil && ok {
			return nil
		}
	}
	u := &upload{c: c, hc: hc, repo: repo, d: d, bar: bar, src: &source{open: open, size: d.Size}, rt: c.retrier(opUpload)}
	defer u.src.close()
	return u.run(ctx)
}

// upload is the state of one blob upload across its attempts.
type upload struct {
	c    *Client
	hc   *http.Client
	repo name.Repository
	d    v1.Descriptor
	bar  progress.Bar
	src  *source
	rt   *retrier
	loc  string // upload session URL; "" when none is open
	// resuming is set while an attempt goes on in a session that an
	// earlier attempt left: a refusal then may be the session's fault.
	resuming bool
	// acked is how many bytes the registry holds in the session, as its
	// answers to PATCH and status requests say.
	acked int64
}

// run repeats attempts until the blob is committed. The requests that are
// safe to repeat retry on their own inside an attempt; what ends an attempt
// is a request carrying data (a PATCH, a PUT with the bytes) that failed.
// The next attempt then asks the open session how much it holds and sends
// the rest from there; a session that cannot be resumed is replaced by a
// fresh one.
func (u *upload) run(ctx context.Context) error {
	var high int64 // most bytes the registry ever acknowledged
	for failures := 0; ; {
		err := u.attempt(ctx)
		if err == nil {
			return nil
		}
		if u.acked > high {
			// Progress renews the budget: a long upload may lose its
			// connection many times, each time a little further on.
			high, failures = u.acked, 0
			u.rt.progress()
		}
		failures++
		if u.resuming && resumeRejected(err) {
			// The session is gone or out of step: start over in a fresh
			// one, at once. The failure still counts, so a registry that
			// can never resume runs out of retries.
			u.c.debugf("~ %s: the registry cannot resume the upload session (%v); starting a new one\n", opUpload, err)
			u.loc = ""
			if failures <= u.c.backoff.retries {
				continue
			}
		}
		// After a token refresh the request can go again at once.
		if errors.Is(err, errBodyReplay) && failures <= u.c.backoff.retries {
			continue
		}
		if err = u.rt.pause(ctx, failures, err); err != nil {
			return u.settle(ctx, err)
		}
	}
}

// committed tells whether the blob is already in the repository, as after a
// commit whose answer was lost.
func (u *upload) committed(ctx context.Context) bool {
	resp, err := u.c.do(ctx, u.hc, u.repo, request{op: "HEAD blob", method: http.MethodHead,
		url: u.c.endpoint(u.repo, "blobs/"+u.d.Digest.String()), ok: []int{http.StatusOK}}, u.rt)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}

// settle is the last word on a failed upload: when a commit went through
// but its answer was lost, the blob is there and the upload succeeded.
func (u *upload) settle(ctx context.Context, err error) error {
	var se *sourceError
	if ctx.Err() != nil || errors.As(err, &se) {
		return err
	}
	if u.committed(ctx) {
		return nil
	}
	return err
}

// attempt starts a session (or finds where the open one stands), sends the
// rest of the blob and commits it.
func (u *upload) attempt(ctx context.Context) error {
	var off int64
	var err error
	u.resuming = u.loc != ""
	if u.loc == "" {
		err = u.start(ctx)
	} else {
		off, err = u.status(ctx)
	}
	if err != nil {
		return err
	}
	u.bar.SetCurrent(off)
	// A session resumed at 0 may still hold a byte ("Range: 0-0" is what
	// distribution answers for 0 and for 1 byte): the bytes go in a PATCH
	// with Content-Range, which such a session refuses (416) rather than
	// appending to, and the upload then starts over cleanly.
	if off == 0 && !u.resuming && u.d.Size > 0 && u.d.Size <= u.c.putMax && u.c.opts.ChunkSize <= 0 {
		if err := u.src.seek(0); err != nil {
			return err
		}
		return u.putWhole(ctx)
	}
	if u.d.Size > 0 && off < u.d.Size {
		if err := u.src.seek(off); err != nil {
			return err
		}
		if err := u.send(ctx, off); err != nil {
			return err
		}
		if err := u.src.finish(); err != nil {
			return err
		}
	}
	return u.commit(ctx)
}

// start opens an upload session (POST), retried on its own: a session
// nobody uses costs the registry nothing until its purge.
func (u *upload) start(ctx context.Context) error {
	resp, err := u.c.do(ctx, u.hc, u.repo, request{op: opUpload, method: http.MethodPost,
		url: u.c.endpoint(u.repo, "blobs/uploads/"), ok: []int{http.StatusAccepted}}, u.rt)
	if err != nil {
		return err
	}
	defer drain(resp)
	u.acked = 0
	u.loc = ""
	return u.follow(resp)
}

// send PATCHes bytes [off, size): in one request, or chunk by chunk.
func (u *upload) send(ctx context.Context, off int64) error {
	chunk := u.c.opts.ChunkSize
	if chunk <= 0 {
		return u.patch(ctx, off, u.d.Size-off, off > 0 || u.resuming)
	}
	for off < u.d.Size {
		n := min(chunk, u.d.Size-off)
		if err := u.patch(ctx, off, n, true); err != nil {
			return err
		}
		off += n
	}
	return nil
}

// patch sends n source bytes starting at blob offset off. The body has a
// real Content-Length, never chunked transfer encoding (ACR and others
// refuse it), and Content-Range when ranged.
func (u *upload) patch(ctx context.Context, off, n int64, ranged bool) error {
	contentRange := ""
	if ranged {
		contentRange = fmt.Sprintf("%d-%d", off, off+n-1)
	}
	resp, err := u.sendBody(ctx, http.MethodPatch, u.loc, n, contentRange)
	if err != nil {
		return err
	}
	defer drain(resp)
	switch resp.StatusCode {
	case http.StatusAccepted, http.StatusCreated, http.StatusNoContent:
		u.acked = off + n
		return u.follow(resp)
	}
	return statusError(opUpload, u.repo, resp)
}

// monolithicMax is the largest blob sent in the commit itself. Below it a
// blob costs two requests (POST, PUT with the bytes), as oras sends it,
// instead of three; for a package of hundreds of small image blobs, or of
// image layers of a few MiB, the round trips are most of the time. The
// body streams from the source like a PATCH's, so the size costs no
// memory. Above it the PATCH stays: ACR refuses monolithic PUTs over about
// 20 MB.
const monolithicMax = 16 << 20

// sendBody sends the next n source bytes as the body of one request. A
// failure of the source (its own checksum at EOF) wins over the transport
// error it causes. When it returns, the body is closed: net/http may still
// be reading it in its own goroutine (a proxy answered 413 before reading),
// and the source must be the upload's own again before a retry moves it.
func (u *upload) sendBody(ctx context.Context, method, loc string, n int64, contentRange string) (*http.Response, error) {
	body := u.src.body(n, u.bar)
	defer body.Close()
	req, err := http.NewRequestWithContext(ctx, method, loc, body)
	if err != nil {
		return nil, newError(opUpload, u.repo, err)
	}
	req.ContentLength = n
	req.Header.Set("Content-Type", "application/octet-stream")
	if contentRange != "" {
		req.Header.Set("Content-Range", contentRange)
	}
	resp, err := u.hc.Do(req)
	if failed := body.release(); failed != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return nil, failed
	}
	if err != nil {
		return nil, newError(opUpload, u.repo, cleanURLError(err))
	}
	return resp, nil
}

// commitURL is the session URL with ?digest=, keeping its own query
// parameters.
func (u *upload) commitURL() (string, error) {
	loc, err := url.Parse(u.loc)
	if err != nil {
		return "", newError(opUpload, u.repo, err)
	}
	q := loc.Query()
	q.Set("digest", u.d.Digest.String())
	loc.RawQuery = q.Encode()
	return loc.String(), nil
}

// commit closes the session with PUT ?digest=.
func (u *upload) commit(ctx context.Context) error {
	loc, err := u.commitURL()
	if err != nil {
		return err
	}
	resp, err := u.c.do(ctx, u.hc, u.repo, request{op: opUpload, method: http.MethodPut, url: loc,
		ok: []int{http.StatusCreated, http.StatusOK, http.StatusNoContent}}, u.rt)
	if err != nil {
		if u.committed(ctx) {
			// A retried commit whose first answer was lost: the
			// session is gone (404) but the blob is there.
			u.loc = ""
			return nil
		}
		return digestInvalid(err)
	}
	drain(resp)
	u.loc = ""
	return nil
}

// putWhole sends the whole blob in the commit: PUT ?digest= with the bytes.
func (u *upload) putWhole(ctx context.Context) error {
	loc, err := u.commitURL()
	if err != nil {
		return err
	}
	resp, err := u.sendBody(ctx, http.MethodPut, loc, u.d.Size, "")
	if err != nil {
		return err
	}
	defer drain(resp)
	switch resp.StatusCode {
	case http.StatusCreated, http.StatusOK, http.StatusNoContent:
		u.acked, u.loc = u.d.Size, ""
		return nil
	}
	return digestInvalid(statusError(opUpload, u.repo, resp))
}

// digestInvalid marks a registry's DIGEST_INVALID as ErrDigestMismatch.
func digestInvalid(err error) error {
	var e *Error
	if errors.As(err, &e) && e.HasCode(transport.DigestInvalidErrorCode) {
		e.Err = fmt.Errorf("%w: %w", ErrDigestMismatch, e.Err)
	}
	return err
}
