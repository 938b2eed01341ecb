// Package v1alpha1 mirrors the Go types that Zarf v0.84 marshals as the
// config blob of a published package (its api/v1alpha1.ZarfPackage), so
// that docker-zarf pushes byte-identical configs, and therefore the same
// manifest digests, as `zarf package publish`.
//
// encoding/json writes struct fields in declaration order and never omits
// a struct value, even one tagged omitempty. Zarf's config therefore holds
// "only":{"cluster":{}}, "import":{} and an actions tree of empty objects
// for every component. The field order, the omitempty tags and the value
// kinds (struct, pointer, slice) here are those of Zarf's types: they are
// the facts the bytes depend on. Nothing here validates a package.
package v1alpha1
