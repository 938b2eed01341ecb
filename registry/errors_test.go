package registry

import (
	"errors"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

func TestErrorMessage(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Op: "upload blob", Host: "r.io", Repository: "a/b", StatusCode: 404, Code: "NAME_UNKNOWN", Message: "repository name not known to registry"},
			"upload blob r.io/a/b: 404 Not Found: NAME_UNKNOWN: repository name not known to registry"},
		{&Error{Op: "HEAD blob", Host: "r.io", Repository: "a", StatusCode: 401},
			"HEAD blob r.io/a: 401 Unauthorized"},
		{&Error{Op: "fetch blob", Host: "r.io", Repository: "a", Err: ErrDigestMismatch},
			"fetch blob r.io/a: digest mismatch"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	wrapped := &Error{Op: "x", Err: ErrManifestTooLarge}
	if !errors.Is(wrapped, ErrManifestTooLarge) {
		t.Error("Unwrap broken")
	}
}

func TestUploadHelpers(t *testing.T) {
	for in, want := range map[string]int64{"0-0": 0, "0-99": 100, "bytes=0-9": 10, "": 0, "junk": 0} {
		if got := heldBytes(in); got != want {
			t.Errorf("heldBytes(%q) = %d, want %d", in, got, want)
		}
	}
	for in, want := range map[string]int64{"bytes 100-199/200": 100, "bytes 0-0/1": 0} {
		if got, err := rangeStart(in); err != nil || got != want {
			t.Errorf("rangeStart(%q) = %d, %v", in, got, err)
		}
	}
	if _, err := rangeStart("100-199"); err == nil {
		t.Error("rangeStart accepted a value without unit")
	}
	req, _ := http.NewRequest(http.MethodGet, "https://r.io/v2/a/tags/list?n=2", nil)
	resp := &http.Response{Request: req, Header: http.Header{"Link": {`</v2/a/tags/list?last=b&n=2>; rel="next"`}}}
	if got, err := nextLink(resp); err != nil || got != "https://r.io/v2/a/tags/list?last=b&n=2" {
		t.Errorf("nextLink = %q, %v", got, err)
	}
}

// TestErrorWrites: only operations that write to the registry count, so a
// 404 on them can mean a missing repository.
func TestErrorWrites(t *testing.T) {
	for op, want := range map[string]bool{
		opUpload: true, opMount: true, opPutManifest: true,
		"HEAD blob": false, "GET manifest": false, opFetch: false, "list tags": false,
	} {
		if got := (&Error{Op: op}).Writes(); got != want {
			t.Errorf("Error{Op: %q}.Writes() = %v, want %v", op, got, want)
		}
	}
}

// TestErrNotFound: a 404 to a read (a tag, a manifest by digest, a blob)
// matches ErrNotFound; a 404 to an upload (the repository does not exist,
// as ECR answers) does not.
func TestErrNotFound(t *testing.T) {
	p := faultproxy.New(1)
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	c := newTestClient(Options{})
	repo := mustRepo(t, reg, "notfound/repo")
	b := newBlob(t, 100)
	ctx := testCtx(t)
	_, _, err := c.Resolve(ctx, repo.Tag("missing"))
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("Resolve of a missing tag: %v, want ErrNotFound", err)
	}
	if _, err := c.Manifest(ctx, repo, b.desc); !errors.Is(err, ErrNotFound) {
		t.Errorf("Manifest of a missing digest: %v, want ErrNotFound", err)
	}
	if err := c.Fetch(ctx, repo, b.desc, filepath.Join(t.TempDir(), "x"), nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("Fetch of a missing blob: %v, want ErrNotFound", err)
	}
	p.Set(faultproxy.MissingRepository("notfound/repo"))
	err = c.PushBlob(ctx, repo, b.desc, b.stream(), nil)
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 404 || errors.Is(err, ErrNotFound) || !e.HasCode(transport.NameUnknownErrorCode) {
		t.Errorf("upload to a missing repository: %v, want a 404 NAME_UNKNOWN that is not ErrNotFound", err)
	}
}
