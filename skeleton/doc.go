// Package skeleton builds the skeleton of a Zarf package source, as
// `zarf package publish DIR oci://…` does before it pushes: the form that
// `import: {url: oci://…}` consumes.
//
// A skeleton is a package of architecture "skeleton" holding the source's
// definition and its local resources (files, manifests, chart directories
// and values files, data injections), one tarball per component, with the
// paths in zarf.yaml rewritten to point inside those tarballs. Images,
// repositories and remote resources stay references. Build writes it to a
// new directory that layout.Open reads like any unpacked package, so
// publishing it is the ordinary publish journey.
//
// What Build writes follows Zarf v0.84's AssembleSkeleton byte for byte
// where it can (the reproducible tarballs, checksums.txt, the config blob);
// zarf.yaml is written with an encoder that mimics goccy/go-yaml's output.
// The source directory is only read.
//
// Build refuses (*Unsupported) what Zarf refuses too (image archives, the
// values feature) and what it does not do yet: component imports (local or
// oci://), kustomizations (Zarf renders them with kustomize), files with an
// extractPath, and zarf.dev/v1beta1 sources. Like Zarf, it copies every
// local path the definition names, absolute or outside the source
// directory included, into the skeleton that will be pushed.
package skeleton
