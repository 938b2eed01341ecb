// Package testregistry runs real OCI registries inside a test process so
// that the project's tests exercise real protocol implementations instead of
// hand-written fakes.
//
// [Start] runs distribution v3 (the reference registry behind Docker Hub,
// GHCR-like deployments and "registry:2") through handlers.NewApp with the
// filesystem storage driver rooted in t.TempDir(), so large blobs go to disk,
// not RAM. [StartOlareg] runs olareg, a second independent implementation.
// Both are served by httptest on 127.0.0.1 and closed through t.Cleanup.
//
// Options add what real deployments put in front of a registry: HTTP basic
// auth ([WithBasicAuth], distribution's own htpasswd for [Start]), a Docker
// token server ([WithBearerAuth]), TLS with a generated CA ([WithTLS],
// [WithClientCA]) and arbitrary middleware such as a fault-injecting proxy
// ([WithHandler]).
//
// Every request is recorded ([Registry.Requests]) with the bytes that really
// crossed the wire, so tests can assert how much was transferred.
//
// The handler chain, outermost first, is:
//
//	request log → WithHandler wrappers (first option outermost) → auth front (token server, basic for olareg) → registry
//
// so faults injected by a wrapper are visible in the log exactly as the
// client saw them, and the token endpoint sits behind the wrappers like a
// real token server behind the same CDN.
package testregistry
