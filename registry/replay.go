package registry

import (
	"errors"
	"io"
	"net/http"
	"sync/atomic"
)

// errBodyReplay is returned when a request whose body was already (partly)
// sent must go out again, as go-containerregistry's bearer transport does
// after refreshing an expired token. A streamed blob cannot be rewound here;
// the upload loop treats this as transient and resumes from its source.
var errBodyReplay = errors.New("request body already sent and cannot be replayed")

// go-containerregistry's bearer transport answers a 401 by refreshing the
// token and passing the very same *http.Request down again, its body by
// then consumed. Two layers make that second pass safe without changing any
// request they are given (the RoundTripper contract):
//
//   - trackBodies, above authentication, hands the layers below a copy of
//     the request whose body records that it was read or closed;
//   - replayGuard, below authentication, sees that copy come back used and
//     sends a copy of it with a fresh body from GetBody (a manifest, a
//     bytes.Reader), or fails with errBodyReplay (a streamed blob, no
//     GetBody) rather than send it truncated.
//
// Everything else passes through untouched.

// trackBodies is the transport of every authenticated client.
type trackBodies struct{ inner http.RoundTripper }

func (t *trackBodies) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return t.inner.RoundTrip(req)
	}
	r := req.WithContext(req.Context()) // a shallow copy
	r.Body = &trackedBody{ReadCloser: req.Body}
	return t.inner.RoundTrip(r)
}

// replayGuard sits below authentication; see trackBodies.
type replayGuard struct{ inner http.RoundTripper }

func (g *replayGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	tb, ok := req.Body.(*trackedBody)
	if !ok || !tb.used.Load() {
		return g.inner.RoundTrip(req)
	}
	if req.GetBody == nil {
		_ = tb.Close()
		return nil, errBodyReplay
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	r := req.WithContext(req.Context())
	r.Body = &trackedBody{ReadCloser: body}
	return g.inner.RoundTrip(r)
}

// trackedBody records that a request body has been read or closed, and
// closes what it wraps once however often it is closed.
type trackedBody struct {
	io.ReadCloser
	used   atomic.Bool
	closed atomic.Bool
}

func (b *trackedBody) Read(p []byte) (int, error) {
	b.used.Store(true)
	return b.ReadCloser.Read(p)
}

func (b *trackedBody) Close() error {
	b.used.Store(true)
	if b.closed.Swap(true) {
		return nil
	}
	return b.ReadCloser.Close()
}
