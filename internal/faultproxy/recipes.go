package faultproxy

import (
	"net/http"
	"time"
)

// Names of the recipe scenarios, for [Proxy.Fired].
const (
	NameDropUpload        = "drop-upload"
	NameDropDownload      = "drop-download"
	NameServerError       = "server-error"
	NameRateLimit         = "rate-limit"
	NamePatchCreated      = "patch-created"
	NameBodyLimit         = "body-limit"
	NameChunkLimit        = "chunk-limit"
	NameManifestInvalid   = "manifest-invalid"
	NameIndexRejected     = "index-rejected"
	NameMissingRepository = "missing-repository"
	NameCorruptBlob       = "corrupt-blob"
	NameOversizedManifest = "oversized-manifest"
	NameSlow              = "slow"
	NameTagMoved          = "tag-moved"
	NameCutUpload         = "cut-upload"
	NameCutDownload       = "cut-download"
)

// DropUpload cuts the first count blob upload bodies (a PATCH, or a commit
// PUT carrying the bytes) after `after` body bytes (the registry keeps those
// bytes in the upload session).
func DropUpload(after int64, count int) Scenario {
	return Scenario{Name: NameDropUpload, Match: UploadData, Count: count, Action: DropRequestAfter(after)}
}

// DropDownload cuts the first count blob GET responses after `after` bytes.
func DropDownload(after int64, count int) Scenario {
	return Scenario{Name: NameDropDownload, Match: BlobGet, Count: count, Action: DropResponseAfter(after)}
}

// ServerError answers the first count requests m matches (nil: any) with
// status (500, 502, 503...) and an OCI error body.
func ServerError(status, count int, m Matcher) Scenario {
	return Scenario{Name: NameServerError, Match: m, Count: count,
		Action: Error(status, "UNKNOWN", http.StatusText(status))}
}

// ServerErrorRate answers a fraction p of the requests m matches (nil: any)
// with status and an OCI error body, drawn from the proxy's seeded RNG: a
// registry or a network that fails now and then, all through a run, rather
// than the first requests only. Its name is NameServerError.
func ServerErrorRate(status int, p float64, m Matcher) Scenario {
	s := ServerError(status, 0, m)
	s.Probability = p
	return s
}

// RateLimitRate answers a fraction p of the requests m matches (nil: any)
// with 429 and Retry-After: 1, drawn from the proxy's seeded RNG. Its name
// is NameRateLimit.
func RateLimitRate(p float64, m Matcher) Scenario {
	s := RateLimit(0, m)
	s.Probability = p
	return s
}

// CutLargeBodies cuts every other body over `over` bytes halfway: blob
// upload data (a PATCH, or a PUT with the bytes) in one direction, blob
// downloads in the other, each direction alternating on its own. The
// registry keeps the half of an upload it received, as a real one does
// when the connection dies, so a client can resume from its offset.
// Fired(NameCutUpload) counts cut uploads; Fired(NameCutDownload) counts
// every blob GET, cut or not.
func CutLargeBodies(over int64) []Scenario {
	cutNext := true
	everyOther := func(*http.Request) bool { // called with the proxy's lock held
		cutNext = !cutNext
		return !cutNext
	}
	return []Scenario{
		{Name: NameCutUpload, Match: All(UploadData, BodyOver(over), everyOther), Action: DropRequestHalfway()},
		{Name: NameCutDownload, Match: BlobGet, Action: DropResponseHalfway(over)},
	}
}

// RateLimit answers the first count requests m matches (nil: any) with
// 429 Too Many Requests and Retry-After: 1.
func RateLimit(count int, m Matcher) Scenario {
	body := `{"errors":[{"code":"TOOMANYREQUESTS","message":"rate limit exceeded","detail":null}]}` + "\n"
	return Scenario{Name: NameRateLimit, Match: m, Count: count, Action: Respond(http.StatusTooManyRequests,
		http.Header{"Retry-After": {"1"}, "Content-Type": {"application/json"}}, body)}
}

// PatchCreated makes every successful blob PATCH answer 201 instead of 202,
// as ECR does.
func PatchCreated() Scenario {
	return Scenario{Name: NamePatchCreated, Match: UploadPatch,
		Action: RewriteStatus(http.StatusAccepted, http.StatusCreated)}
}

// BodyLimit answers 413 to every request with a body over n bytes,
// like ACR's monolithic-PUT limit or Cloudflare's 100 MB cap.
func BodyLimit(n int64) Scenario {
	return Scenario{Name: NameBodyLimit, Match: hasBody, Action: LimitBody(n)}
}

func hasBody(r *http.Request) bool {
	return r.Method == http.MethodPatch || r.Method == http.MethodPut || r.Method == http.MethodPost
}

// ChunkLimit answers 416 to every chunked PATCH (with Content-Range) over n
// bytes, as GHCR does over 4 MiB.
func ChunkLimit(n int64) Scenario {
	return Scenario{Name: NameChunkLimit, Match: ChunkOver(n),
		Action: Error(http.StatusRequestedRangeNotSatisfiable, "RANGE_INVALID", "chunk too large")}
}

// ManifestInvalid answers every manifest PUT with 400 MANIFEST_INVALID, as a
// registry that refuses the media type does.
func ManifestInvalid() Scenario {
	return Scenario{Name: NameManifestInvalid, Match: ManifestPut,
		Action: Error(http.StatusBadRequest, "MANIFEST_INVALID", "manifest invalid")}
}

// IndexRejected answers every image index PUT with status (400 or 415), as
// registries without index support do.
func IndexRejected(status int) Scenario {
	code := "MANIFEST_INVALID"
	if status == http.StatusUnsupportedMediaType {
		code = "UNSUPPORTED"
	}
	return Scenario{Name: NameIndexRejected, Match: IndexPut,
		Action: Error(status, code, "image index not supported")}
}

// MissingRepository answers upload starts (POST /v2/repo/blobs/uploads/) to
// repo with 404 NAME_UNKNOWN, as ECR does for a repository not created yet.
func MissingRepository(repo string) Scenario {
	return Scenario{Name: NameMissingRepository, Match: All(UploadStart, Repo(repo)),
		Action: Error(http.StatusNotFound, "NAME_UNKNOWN",
			"The repository with name '"+repo+"' does not exist in the registry")}
}

// CorruptBlob flips one byte (at offset 0) of the first count blob GET
// bodies; count 0 corrupts every one.
func CorruptBlob(count int) Scenario {
	return Scenario{Name: NameCorruptBlob, Match: BlobGet, Count: count, Action: CorruptBody(0)}
}

// OversizedManifest answers every manifest GET with a valid-looking
// manifest of size bytes and a Content-Length.
func OversizedManifest(size int64) Scenario {
	return Scenario{Name: NameOversizedManifest, Match: ManifestGet, Action: ServeOversizedManifest(size, true)}
}

// Slow delays every request m matches (nil: any) by d.
func Slow(d time.Duration, m Matcher) Scenario {
	return Scenario{Name: NameSlow, Match: m, Action: Delay(d)}
}

// TagMoved calls move after the registry answered the first GET of
// repo:tag, before the client sees the end of that response; move is
// expected to push another manifest to the tag, so every later GET by tag
// returns a different manifest.
func TagMoved(repo, tag string, move func()) Scenario {
	return Scenario{Name: NameTagMoved, Match: All(ManifestGet, Repo(repo), Ref(tag)), Count: 1,
		Action: AfterResponse(func(*http.Request) { move() })}
}
