package registry

import (
	"errors"
	"io"
	"net/http"
	"slices"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

// TestAuthorizeOneTokenForTheScopeSet: after Authorize, a HEAD, a mount
// from another repository, an upload and a manifest PUT all go with the
// one token it fetched; before, each new scope set cost a ping and a
// token exchange (3 of each here).
func TestAuthorizeOneTokenForTheScopeSet(t *testing.T) {
	reg := testregistry.Start(t, testregistry.WithBearerAuth(testUser, testPass, 0))
	ctx := testCtx(t)
	src, dst := mustRepo(t, reg, "auth/src"), mustRepo(t, reg, "auth/dst")
	shared, own := newBlob(t, 1000), newBlob(t, 2000)
	seed := newTestClient(Options{Keychain: keychain{testUser, testPass}})
	if err := seed.PushBlob(ctx, src, shared.desc, shared.stream(), nil); err != nil {
		t.Fatal(err)
	}
	c := newTestClient(Options{Keychain: keychain{testUser, testPass}})
	reg.Reset()
	if err := c.Authorize(ctx, dst, true, src); err != nil {
		t.Fatal(err)
	}
	if ok, err := c.BlobExists(ctx, dst, own.desc); err != nil || ok {
		t.Fatalf("BlobExists = %v, %v", ok, err)
	}
	if ok, err := c.MountBlob(ctx, dst, src, shared.desc); err != nil || !ok {
		t.Fatalf("MountBlob = %v, %v", ok, err)
	}
	if err := c.PushBlob(ctx, dst, own.desc, own.stream(), nil); err != nil {
		t.Fatal(err)
	}
	pings, tokens := 0, 0
	for _, r := range reg.Requests() {
		switch r.Path {
		case "/v2/":
			pings++
		case "/token":
			tokens++
		}
		if r.Status == http.StatusUnauthorized && r.Path != "/v2/" {
			t.Errorf("%s %s was refused: the token lacks its scope", r.Method, r.Path)
		}
	}
	if pings != 1 || tokens != 1 {
		t.Fatalf("%d pings and %d token requests, want 1 of each", pings, tokens)
	}
}

func TestScopeSets(t *testing.T) {
	pull, push := "repository:a:pull", "repository:a:pull,push"
	for _, tc := range []struct {
		have, want []string
		covers     bool
	}{
		{nil, []string{pull}, false},
		{[]string{push}, []string{pull}, true},
		{[]string{push}, []string{push}, true},
		{[]string{pull}, []string{push}, false},
		{[]string{push, "repository:b:pull"}, []string{push, "repository:b:pull"}, true},
		{[]string{push}, []string{push, "repository:b:pull"}, false},
		{[]string{"repository:a/b:c:pull"}, []string{"repository:a/b:c:pull"}, true},
	} {
		if got := covers(tc.have, tc.want); got != tc.covers {
			t.Errorf("covers(%v, %v) = %v", tc.have, tc.want, got)
		}
	}
	if got := union([]string{pull}, []string{push, "repository:b:pull"}); !slices.Equal(got, []string{push, "repository:b:pull"}) {
		t.Errorf("union = %v", got)
	}
}

// TestRelayBlobChecksSizeNotDigest: RelayBlob hands on a blob whose bytes
// are wrong but whose size is right (the target registry refuses it at the
// commit), and refuses one that is too long; StreamBlob refuses both.
func TestRelayBlobChecksSizeNotDigest(t *testing.T) {
	b := newBlob(t, 4096)
	p := faultproxy.New(1)
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	ctx := testCtx(t)
	c := newTestClient(Options{Retries: NoRetry})
	repo := mustRepo(t, reg, "relay/blob")
	if err := c.PushBlob(ctx, repo, b.desc, b.stream(), nil); err != nil {
		t.Fatal(err)
	}
	read := func(relay bool) ([]byte, error) {
		open := c.StreamBlob
		if relay {
			open = c.RelayBlob
		}
		rc, err := open(ctx, repo, b.desc, nil)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		return io.ReadAll(rc)
	}
	p.Set(faultproxy.CorruptBlob(0))
	if got, err := read(true); err != nil || len(got) != len(b.data) || got[0] == b.data[0] {
		t.Errorf("RelayBlob of a corrupted blob: %d bytes, %v; want them all, as sent", len(got), err)
	}
	if _, err := read(false); !errors.Is(err, ErrDigestMismatch) {
		t.Errorf("StreamBlob of a corrupted blob: %v, want a digest mismatch", err)
	}
	// Bytes past the size are not read, as by StreamBlob's verifier.
	p.Set(faultproxy.Scenario{Match: faultproxy.BlobGet,
		Action: faultproxy.Respond(http.StatusOK, nil, string(b.data)+"trailing")})
	if got, err := read(true); err != nil || len(got) != len(b.data) {
		t.Errorf("RelayBlob of a blob with trailing bytes: %d bytes, %v", len(got), err)
	}
	// A body that ends early fails once the retries are spent.
	p.Set(faultproxy.Scenario{Match: faultproxy.BlobGet,
		Action: faultproxy.Respond(http.StatusOK, nil, string(b.data[:100]))})
	if _, err := read(true); err == nil {
		t.Error("RelayBlob of a short blob succeeded")
	}
}
