package faultproxy

import (
	"net/http"
	"strconv"
	"strings"
)

// Media types of image indexes, which some registries refuse.
const (
	MediaTypeOCIIndex    = "application/vnd.oci.image.index.v1+json"
	MediaTypeDockerIndex = "application/vnd.docker.distribution.manifest.list.v2+json"
)

// route is a parsed /v2/ path.
type route struct {
	repo string
	kind string // "ping", "manifest", "blob", "upload", "tags", "" (anything else)
	ref  string // tag or digest (manifest), digest (blob), session id (upload)
}

// parse splits "/v2/NAME/manifests/REF", "/v2/NAME/blobs/DIGEST",
// "/v2/NAME/blobs/uploads/[ID]" and "/v2/NAME/tags/list". NAME may contain
// slashes, so the kind is found from the right.
func parse(path string) route {
	p, ok := strings.CutPrefix(path, "/v2/")
	if !ok {
		return route{}
	}
	if p == "" {
		return route{kind: "ping"}
	}
	parts := strings.Split(p, "/")
	n := len(parts)
	switch {
	case n >= 4 && parts[n-3] == "blobs" && parts[n-2] == "uploads":
		return route{repo: strings.Join(parts[:n-3], "/"), kind: "upload", ref: parts[n-1]}
	case n >= 3 && parts[n-2] == "manifests":
		return route{repo: strings.Join(parts[:n-2], "/"), kind: "manifest", ref: parts[n-1]}
	case n >= 3 && parts[n-2] == "blobs":
		return route{repo: strings.Join(parts[:n-2], "/"), kind: "blob", ref: parts[n-1]}
	case n >= 3 && parts[n-2] == "tags" && parts[n-1] == "list":
		return route{repo: strings.Join(parts[:n-2], "/"), kind: "tags"}
	}
	return route{}
}

func is(r *http.Request, method, kind string) bool {
	return r.Method == method && parse(r.URL.Path).kind == kind
}

// Any matches every request.
func Any(*http.Request) bool { return true }

// BlobGet matches GET /v2/<name>/blobs/<digest> (a download).
func BlobGet(r *http.Request) bool { return is(r, http.MethodGet, "blob") }

// BlobHead matches HEAD /v2/<name>/blobs/<digest> (an existence check).
func BlobHead(r *http.Request) bool { return is(r, http.MethodHead, "blob") }

// UploadStart matches POST /v2/<name>/blobs/uploads/ (including mounts).
func UploadStart(r *http.Request) bool { return is(r, http.MethodPost, "upload") }

// UploadPatch matches PATCH /v2/<name>/blobs/uploads/<id> (upload data).
func UploadPatch(r *http.Request) bool { return is(r, http.MethodPatch, "upload") }

// UploadStatus matches GET /v2/<name>/blobs/uploads/<id> (how much an
// upload session holds, asked before resuming).
func UploadStatus(r *http.Request) bool { return is(r, http.MethodGet, "upload") }

// UploadPut matches PUT /v2/<name>/blobs/uploads/<id>?digest=… (commit).
func UploadPut(r *http.Request) bool { return is(r, http.MethodPut, "upload") }

// UploadData matches every upload request that carries blob bytes: a PATCH,
// or a commit PUT with a body (how small blobs go up in one request).
func UploadData(r *http.Request) bool {
	return UploadPatch(r) || (UploadPut(r) && r.ContentLength != 0)
}

// Ping matches the version check GET /v2/ that starts a session with a
// registry.
func Ping(r *http.Request) bool { return is(r, http.MethodGet, "ping") }

// Token matches a request to the token server of a registry started with
// testregistry.WithBearerAuth (GET /token).
func Token(r *http.Request) bool { return r.URL.Path == "/token" }

// BodyOver matches requests that declare a body (Content-Length) of more
// than n bytes.
func BodyOver(n int64) Matcher {
	return func(r *http.Request) bool { return r.ContentLength > n }
}

// ManifestGet matches GET /v2/<name>/manifests/<ref>.
func ManifestGet(r *http.Request) bool { return is(r, http.MethodGet, "manifest") }

// ManifestHead matches HEAD /v2/<name>/manifests/<ref>.
func ManifestHead(r *http.Request) bool { return is(r, http.MethodHead, "manifest") }

// ManifestPut matches PUT /v2/<name>/manifests/<ref>.
func ManifestPut(r *http.Request) bool { return is(r, http.MethodPut, "manifest") }

// IndexPut matches a manifest PUT whose Content-Type is an OCI image index
// or a Docker manifest list.
func IndexPut(r *http.Request) bool {
	if !ManifestPut(r) {
		return false
	}
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	ct = strings.TrimSpace(ct)
	return ct == MediaTypeOCIIndex || ct == MediaTypeDockerIndex
}

// Method matches requests with HTTP method m.
func Method(m string) Matcher {
	return func(r *http.Request) bool { return r.Method == m }
}

// Repo matches requests on repository name (e.g. "ns/pkg", no host).
func Repo(name string) Matcher {
	return func(r *http.Request) bool { return parse(r.URL.Path).repo == name }
}

// Ref matches manifest requests for tag or digest ref, and blob requests
// for digest ref.
func Ref(ref string) Matcher {
	return func(r *http.Request) bool {
		rt := parse(r.URL.Path)
		return (rt.kind == "manifest" || rt.kind == "blob") && rt.ref == ref
	}
}

// ChunkOver matches upload PATCHes sent as chunks (with a Content-Range
// header) whose chunk is larger than n bytes, as GHCR refuses over 4 MiB.
// Streaming PATCHes without Content-Range are not matched.
func ChunkOver(n int64) Matcher {
	return func(r *http.Request) bool {
		cr := r.Header.Get("Content-Range")
		if !UploadPatch(r) || cr == "" {
			return false
		}
		if r.ContentLength > n {
			return true
		}
		cr = strings.TrimPrefix(cr, "bytes ")
		from, to, ok := strings.Cut(cr, "-")
		start, err1 := strconv.ParseInt(from, 10, 64)
		end, err2 := strconv.ParseInt(strings.SplitN(to, "/", 2)[0], 10, 64)
		return ok && err1 == nil && err2 == nil && end-start+1 > n
	}
}

// All matches when every m matches (and, with no m, always).
func All(ms ...Matcher) Matcher {
	return func(r *http.Request) bool {
		for _, m := range ms {
			if !m(r) {
				return false
			}
		}
		return true
	}
}

// Not inverts m.
func Not(m Matcher) Matcher {
	return func(r *http.Request) bool { return !m(r) }
}
