// Package manifest is the mapping between a Zarf package and the OCI objects
// that Zarf publishes for it: the image manifest (config blob, one layer per
// file, annotations), the tag, the image index with one os "multi" entry per
// architecture, and the subset of layers that a partial pull needs.
//
// It does no I/O. Everything it builds or decodes is bytes handed to it; the
// one place that needs more bytes, ImageBlobs, asks for them through a
// callback. The fixtures under testdata/fixtures (what the Zarf CLI v0.84
// pushed) are the ground truth for every shape produced here.
//
// It uses go-containerregistry's v1 types so that the registry package can
// push what Build returns without converting it, but marshals manifests and
// indexes in the image-spec field order (ocijson.go), and the config through
// definition.Package.ZarfConfig: the bytes, and so the digests, are Zarf's.
// It reads the OCI artifact manifests that older Zarf pushed as well.
package manifest
