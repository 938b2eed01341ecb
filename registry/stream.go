package registry

import (
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/docker-zarf/docker-zarf/progress"
)

// StreamBlob returns a reader of blob d for callers that consume it as it
// arrives (a pull writing straight into an archive), with what Fetch gives a
// file: when the connection drops it reopens the blob with a Range request
// at the offset reached, within the same retry budget and backoff; at EOF
// it checks the size and digest and returns an error wrapping
// ErrDigestMismatch instead of io.EOF when they differ. A registry that
// ignores the Range cannot resume a stream already handed on: that fails.
// bar (nil allowed) gets Add as bytes arrive, then Done at a verified EOF or
// Abort. Close releases the connection.
func (c *Client) StreamBlob(ctx context.Context, repo name.Repository, d v1.Descriptor, bar progress.Bar) (io.ReadCloser, error) {
	h, err := newHasher(d.Digest.Algorithm)
	if err != nil {
		return nil, newError(opFetch, repo, err)
	}
	hc, err := c.client(ctx, repo, pullScope(repo))
	if err != nil {
		return nil, err
	}
	return &blobStream{ctx: ctx, c: c, hc: hc, repo: repo, d: d, bar: orNop(bar), h: h}, nil
}

type blobStream struct {
	ctx      context.Context // the caller's, for the requests a Read makes
	c        *Client
	hc       *http.Client
	repo     name.Repository
	d        v1.Descriptor
	bar      progress.Bar
	h        hash.Hash
	body     io.ReadCloser // nil between connections
	have     int64
	failures int
	done     error // io.EOF or the final error, once reached
}

func (s *blobStream) Read(p []byte) (int, error) {
	for s.done == nil {
		if s.body == nil {
			if err := s.open(); err != nil {
				if !s.retry(err) {
					return 0, s.fail(err)
				}
				continue
			}
		}
		n, err := s.body.Read(p)
		if s.have+int64(n) > s.d.Size {
			return 0, s.fail(digestError(opFetch, s.repo, "blob %s is longer than %d bytes", s.d.Digest, s.d.Size))
		}
		s.h.Write(p[:n])
		s.have += int64(n)
		s.bar.Add(int64(n))
		if n > 0 {
			s.failures = 0 // progress renews the retry budget
		}
		switch {
		case err == nil:
			return n, nil
		case err == io.EOF && s.have == s.d.Size:
			return n, s.finish()
		case err == io.EOF:
			err = fmt.Errorf("stream ended at byte %d of %d: %w", s.have, s.d.Size, io.ErrUnexpectedEOF)
		}
		// The connection failed: hand on what arrived, reopen on the next Read.
		s.body.Close()
		s.body = nil
		err = newError(opFetch, s.repo, err)
		if n > 0 {
			return n, nil
		}
		if !s.retry(err) {
			return 0, s.fail(err)
		}
	}
	return 0, s.done
}

// open requests the rest of the blob.
func (s *blobStream) open() error {
	body, served, err := s.c.getBlob(s.ctx, s.hc, s.repo, s.d, s.have)
	if err != nil {
		return err
	}
	if served != s.have {
		body.Close()
		return newError(opFetch, s.repo, fmt.Errorf("the registry ignored a Range request at byte %d, so the interrupted stream cannot resume", s.have))
	}
	s.body = body
	return nil
}

func (s *blobStream) retry(err error) bool {
	s.failures++
	return s.failures < s.c.backoff.tries && transient(s.ctx, err) && s.c.backoff.wait(s.ctx, s.failures-1, err) == nil
}

func (s *blobStream) finish() error {
	if got := sumOf(s.d.Digest.Algorithm, s.h); got != s.d.Digest {
		return s.fail(digestError(opFetch, s.repo, "blob %s: received bytes hash to %s", s.d.Digest, got))
	}
	s.done = io.EOF
	s.bar.Done()
	return io.EOF
}

func (s *blobStream) fail(err error) error {
	s.done = err
	s.bar.Abort(err)
	return err
}

func (s *blobStream) Close() error {
	if s.done == nil {
		s.fail(errors.New("closed before the end of the blob"))
	}
	if s.body != nil {
		err := s.body.Close()
		s.body = nil
		return err
	}
	return nil
}
