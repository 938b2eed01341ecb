package registry

import (
	"bytes"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

// uploadCounts sums an upload's requests from the registry's log.
type uploadCounts struct {
	posts, patches, statuses int
	patchBytes               int64
}

func countUploads(log []testregistry.RequestLog) uploadCounts {
	var n uploadCounts
	for _, r := range log {
		switch {
		case r.Method == http.MethodPost:
			n.posts++
		case r.Method == http.MethodPatch:
			n.patches++
			n.patchBytes += r.BytesIn
		case r.Method == http.MethodGet && !r.IsBlobGet() && !r.IsManifest():
			n.statuses++
		}
	}
	return n
}

// TestPushUnderFaults pushes through a fault-injecting proxy in front of a
// real registry: drops resume (chunked) or restart (monolithic), transient
// statuses are retried, permanent ones are not.
func TestPushUnderFaults(t *testing.T) {
	p := faultproxy.New(1)
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	const size = 256 << 10
	tests := []struct {
		name      string
		chunk     int64
		seekable  bool
		faults    []faultproxy.Scenario
		wantPosts int
		wantBytes int64 // bytes the PATCHes carried in all; 0: don't check
	}{
		{"chunked drop resumes from registry offset", 64 << 10, false,
			[]faultproxy.Scenario{faultproxy.DropUpload(30<<10, 1)}, 1, size},
		{"chunked drop resumes, seekable source", 64 << 10, true,
			[]faultproxy.Scenario{faultproxy.DropUpload(10<<10, 2)}, 1, size},
		{"monolithic drop resumes from registry offset", 0, false,
			[]faultproxy.Scenario{faultproxy.DropUpload(100<<10, 1)}, 1, size},
		{"monolithic drops resume, seekable source", 0, true,
			[]faultproxy.Scenario{faultproxy.DropUpload(50<<10, 3)}, 1, size},
		{"cut after one byte: the ambiguous Range 0-0 starts over", 0, false,
			[]faultproxy.Scenario{faultproxy.DropUpload(1, 1)}, 2, size + 1},
		{"registry without upload status starts over", 0, false, []faultproxy.Scenario{
			faultproxy.DropUpload(100<<10, 1),
			{Match: faultproxy.UploadStatus, Action: faultproxy.Error(http.StatusNotFound, "BLOB_UPLOAD_UNKNOWN", "no status")}},
			2, size + 100<<10},
		{"503 on chunk", 64 << 10, false,
			[]faultproxy.Scenario{faultproxy.ServerError(503, 2, faultproxy.UploadPatch)}, 1, size},
		{"500 on POST, 502 on PUT", 0, false, []faultproxy.Scenario{
			faultproxy.ServerError(500, 2, faultproxy.UploadStart),
			faultproxy.ServerError(502, 1, faultproxy.UploadPut)}, 0, 0},
		{"429 on POST", 0, false, []faultproxy.Scenario{faultproxy.RateLimit(2, faultproxy.UploadStart)}, 3, size},
		{"ECR 201 for PATCH, monolithic", 0, false, []faultproxy.Scenario{faultproxy.PatchCreated()}, 1, size},
		{"ECR 201 for PATCH, chunked", 100 << 10, false, []faultproxy.Scenario{faultproxy.PatchCreated()}, 1, size},
		{"body limit passed with chunks", 64 << 10, false, []faultproxy.Scenario{faultproxy.BodyLimit(100 << 10)}, 1, size},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(Options{ChunkSize: tt.chunk})
			c.putMax = 0 // these cases are about the PATCH path
			repo := mustRepo(t, reg, "faults/push")
			b := newBlob(t, size)
			open := b.stream()
			if tt.seekable {
				open = b.file(t)
			}
			p.Set(tt.faults...)
			reg.Reset()
			if err := c.PushBlob(testCtx(t), repo, b.desc, open, nil); err != nil {
				t.Fatalf("PushBlob: %v", err)
			}
			p.Clear()
			n := countUploads(reg.Requests())
			if tt.wantPosts > 0 && n.posts != tt.wantPosts {
				t.Errorf("%d upload sessions, want %d", n.posts, tt.wantPosts)
			}
			if tt.wantBytes > 0 && n.patchBytes != tt.wantBytes {
				t.Errorf("PATCHes carried %d bytes, want %d", n.patchBytes, tt.wantBytes)
			}
			if got := fetchBytes(t, c, repo, b.desc); !bytes.Equal(got, b.data) {
				t.Fatal("fetched bytes differ")
			}
		})
	}
}

// TestPushPermanentFailures: statuses no retry can fix come back at once as
// a structured *Error.
func TestPushPermanentFailures(t *testing.T) {
	p := faultproxy.New(1)
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	tests := []struct {
		name        string
		chunk       int64
		retries     int
		fault       faultproxy.Scenario
		status      int
		code        string
		wantPatches int
		wantPosts   int
	}{
		{"413 body limit", 0, 0, faultproxy.BodyLimit(100 << 10), 413, "", 1, 1},
		{"416 chunk over limit", 128 << 10, 0, faultproxy.ChunkLimit(64 << 10), 416, "RANGE_INVALID", 1, 1},
		{"404 NAME_UNKNOWN (ECR)", 0, 0, faultproxy.MissingRepository("faults/perm"), 404, "NAME_UNKNOWN", 0, 1},
		{"503 until 3 retries run out", 0, 3, faultproxy.ServerError(503, 0, faultproxy.UploadStart), 503, "UNKNOWN", 0, 4},
		{"503, one retry", 0, 1, faultproxy.ServerError(503, 0, faultproxy.UploadStart), 503, "UNKNOWN", 0, 2},
		{"503, NoRetry", 0, NoRetry, faultproxy.ServerError(503, 0, faultproxy.UploadStart), 503, "UNKNOWN", 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(Options{ChunkSize: tt.chunk, Retries: tt.retries})
			c.putMax = 0 // the PATCH path; TestSmallBlobsGoInTheCommit covers the PUT
			repo := mustRepo(t, reg, "faults/perm")
			b := newBlob(t, 256<<10)
			p.Set(tt.fault)
			reg.Reset()
			err := c.PushBlob(testCtx(t), repo, b.desc, b.stream(), nil)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("PushBlob error %v (%T), want *Error", err, err)
			}
			if e.StatusCode != tt.status || e.Code != tt.code || e.Host != reg.Host || e.Repository != "faults/perm" || e.Op != opUpload {
				t.Errorf("error %+v, want status %d code %q on %s/faults/perm", e, tt.status, tt.code, reg.Host)
			}
			n := countUploads(reg.Requests())
			if n.patches != tt.wantPatches || n.posts != tt.wantPosts {
				t.Errorf("%d PATCH, %d POST; want %d, %d", n.patches, n.posts, tt.wantPatches, tt.wantPosts)
			}
		})
	}
}

// TestRetryAfterHonoured: a 429 with Retry-After: 1 delays the retry by a
// second even though the backoff schedule would retry sooner.
func TestRetryAfterHonoured(t *testing.T) {
	p := faultproxy.New(1)
	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
	c := newTestClient(Options{})
	c.backoff.retryAfterCap = defaultRetryAfterCap
	repo := mustRepo(t, reg, "faults/ratelimit")
	b := newBlob(t, 1000)
	p.Set(faultproxy.RateLimit(1, faultproxy.BlobHead))
	start := time.Now()
	ok, err := c.BlobExists(testCtx(t), repo, b.desc)
	if err != nil || ok {
		t.Fatalf("BlobExists = %v, %v", ok, err)
	}
	if took := time.Since(start); took < 900*time.Millisecond {
		t.Errorf("retried after %s, want about 1s (Retry-After)", took)
	}
	if p.Fired(faultproxy.NameRateLimit) != 1 {
		t.Error("rate limit never fired")
	}
}
