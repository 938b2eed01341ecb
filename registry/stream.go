package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/docker-zarf/docker-zarf/internal/verify"
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
	v, err := verify.New(d.Digest.String(), d.Size)
	if err != nil {
		return nil, newError(opFetch, repo, err)
	}
	s, err := c.openStream(ctx, repo, d, bar)
	if err != nil {
		return nil, err
	}
	s.verified = verify.NewReader(s, v)
	return &verifiedStream{s: s}, nil
}

// RelayBlob is StreamBlob for a blob on its way to a registry, which checks
// the digest itself when the upload is committed (and refuses a wrong one):
// it resumes the same way and checks the size, but spends no CPU hashing
// bytes that the target hashes anyway. Use StreamBlob for anything that
// ends on disk or in memory.
func (c *Client) RelayBlob(ctx context.Context, repo name.Repository, d v1.Descriptor, bar progress.Bar) (io.ReadCloser, error) {
	s, err := c.openStream(ctx, repo, d, bar)
	if err != nil {
		return nil, err
	}
	s.verified = sizeChecked{s}
	return &verifiedStream{s: s}, nil
}

func (c *Client) openStream(ctx context.Context, repo name.Repository, d v1.Descriptor, bar progress.Bar) (*blobStream, error) {
	hc, err := c.client(ctx, repo, pullScope(repo))
	if err != nil {
		return nil, err
	}
	if bar == nil {
		bar = progress.NopBar()
	}
	return &blobStream{ctx: ctx, c: c, hc: hc, repo: repo, d: d, bar: bar, rt: c.retrier(opFetch)}, nil
}

// sizeChecked reads the stream up to its size, as StreamBlob's verifier
// does: a blob that ends early is resumed by blobStream, bytes past the
// size are never read.
type sizeChecked struct{ s *blobStream }

func (z sizeChecked) Read(p []byte) (int, error) {
	left := z.s.d.Size - z.s.have
	if left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > left {
		p = p[:left]
	}
	n, err := z.s.Read(p)
	if err == nil && z.s.have == z.s.d.Size {
		err = io.EOF
	}
	return n, err
}

// verifiedStream is what StreamBlob hands out: the resuming stream read
// through the module's verifier, its verdict worded as an *Error.
type verifiedStream struct {
	s    *blobStream
	done error
}

func (v *verifiedStream) Read(p []byte) (int, error) {
	if v.done != nil {
		return 0, v.done
	}
	n, err := v.s.verified.Read(p)
	var ve *verify.Error
	switch {
	case err == nil:
		return n, nil
	case err == io.EOF:
		v.done = io.EOF
		v.s.bar.Done()
	case errors.As(err, &ve):
		v.done = v.s.fail(digestError(opFetch, v.s.repo, "blob %s: %v", v.s.d.Digest, ve))
	default:
		v.done = v.s.fail(err)
	}
	return n, v.done
}

func (v *verifiedStream) Close() error {
	if v.done == nil {
		v.done = v.s.fail(errors.New("closed before the end of the blob"))
	}
	return v.s.close()
}

// blobStream is the raw bytes of the blob, resumed with Range across cut
// connections: every Read either hands on bytes or fails for good.
type blobStream struct {
	ctx      context.Context // the caller's, for the requests a Read makes
	c        *Client
	hc       *http.Client
	repo     name.Repository
	d        v1.Descriptor
	bar      progress.Bar
	rt       *retrier
	verified io.Reader     // the stream through its check: digest and size, or size only
	body     io.ReadCloser // nil between connections
	have     int64
	failures int // since the last byte arrived
}

func (s *blobStream) Read(p []byte) (int, error) {
	for {
		if s.body == nil {
			if err := s.open(); err != nil {
				if err = s.retry(err); err != nil {
					return 0, err
				}
				continue
			}
		}
		n, err := s.body.Read(p)
		s.have += int64(n)
		s.bar.Add(int64(n))
		if n > 0 {
			s.failures = 0 // progress renews the retry budget
			s.rt.progress()
		}
		switch {
		case err == nil || (err == io.EOF && s.have >= s.d.Size):
			return n, err
		case err == io.EOF:
			err = fmt.Errorf("stream ended at byte %d of %d: %w", s.have, s.d.Size, io.ErrUnexpectedEOF)
		}
		// The connection failed: hand on what arrived, reopen on the next Read.
		s.body.Close()
		s.body = nil
		if n > 0 {
			return n, nil
		}
		if err = s.retry(newError(opFetch, s.repo, err)); err != nil {
			return 0, err
		}
	}
}

// open requests the rest of the blob.
func (s *blobStream) open() error {
	body, served, err := s.c.getBlob(s.ctx, s.hc, s.repo, s.d, s.have, s.rt)
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

// retry waits before the next connection, or returns the error to fail with.
func (s *blobStream) retry(err error) error {
	s.failures++
	return s.rt.pause(s.ctx, s.failures, err)
}

func (s *blobStream) fail(err error) error {
	s.bar.Abort(err)
	return err
}

func (s *blobStream) close() error {
	if s.body == nil {
		return nil
	}
	err := s.body.Close()
	s.body = nil
	return err
}
