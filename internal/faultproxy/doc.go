// Package faultproxy is an http.Handler middleware that injects the failures
// real registries and the proxies in front of them produce (see
// shared/REGISTRIES.md), in front of a real test registry.
//
// A [Proxy] holds an ordered list of [Scenario] values, switchable at run time
// from the test (all methods are safe for concurrent use). For each request
// the first scenario that still has budget, whose [Matcher] accepts the
// request and whose probability draw (from the proxy's seeded RNG) succeeds,
// handles it with its [Action]; requests no scenario takes go to the registry
// untouched.
//
//	p := faultproxy.New(1)
//	reg := testregistry.Start(t, testregistry.WithHandler(p.Middleware))
//	p.Set(faultproxy.DropUpload(64<<10, 1)) // cut the first blob PATCH after 64 KiB
//	... push ...
//	if p.Fired(faultproxy.NameDropUpload) != 1 { ... }
//
// Scenarios are plain data, so a test can also write its own:
//
//	p.Add(faultproxy.Scenario{
//		Name:   "moved",
//		Match:  faultproxy.All(faultproxy.ManifestGet, faultproxy.Ref("1.0.0")),
//		Count:  1,
//		Action: faultproxy.AfterResponse(func(*http.Request) { pushOtherManifest() }),
//	})
//
// The recipes (DropUpload, ServerError, BodyLimit, ...) cover the failures
// the project tests against; [Matcher] helpers and [Action] constructors
// compose new ones.
package faultproxy
