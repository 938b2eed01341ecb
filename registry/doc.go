// Package registry makes every network call of docker-zarf. It speaks the
// generic OCI Distribution protocol and knows nothing of Zarf: it moves
// manifests and blobs named by descriptors.
//
// Authentication, the /v2/ ping, bearer token refresh and the user agent come
// from go-containerregistry's transport package. The rest is written here
// because go-containerregistry's remote package cannot do it: blob uploads
// that resume a cut upload from the registry's offset, downloads that resume
// with Range, per-blob progress, retries per request with one budget per
// call, a 4 MiB cap on every manifest read, and
// structured errors (*Error) that the plugin turns into one-line messages.
//
// One Client is safe for concurrent use. Every call takes a context first;
// cancelling it stops the call at once, including retry waits.
package registry
