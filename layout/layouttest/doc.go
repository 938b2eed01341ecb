// Package layouttest builds Zarf packages for tests: valid ones exactly as
// the Zarf CLI lays them out, or deliberately broken ones.
//
// A package is described by a Spec and written by Build:
//
//	path := layouttest.Build(t, t.TempDir(), layouttest.Spec{
//		Name: "demo",
//		Files: map[string]layouttest.Content{
//			"components/app.tar": layouttest.Random(3<<20, 1),
//			"images/index.json":  layouttest.String(`{}`),
//		},
//	})
//	// path is .../zarf-package-demo-amd64-0.0.1.tar.zst
//
// Build generates zarf.yaml (with the right aggregate checksum in metadata
// for v1alpha1 or build for v1beta1, and a component for every
// components/<name>.tar) and checksums.txt ("<hex> <path>" lines sorted, with
// a trailing newline). Archives have their entries in walk order, directory
// entries before their contents, and zeroed times and owners, like Zarf's.
// Content is generated while it is written, so a Spec may hold files of many
// gigabytes without holding them in memory.
//
// Spec.Break, Spec.Extra and Spec.EditZarfYAML produce broken packages: a
// wrong checksum line, a wrong aggregate checksum, a file missing or not
// listed, unsafe tar members, a bad split header, a missing part.
//
// This package writes archives with archive/tar directly and does not use
// package layout, so that tests of layout check it against an independent
// implementation.
package layouttest
