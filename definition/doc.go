// Package definition reads the Zarf package definition (zarf.yaml) that
// docker-zarf needs: the metadata that names and tags a package, the build
// data, and the components with the images they use.
//
// It reads both schema generations. zarf.dev/v1alpha1 keeps the aggregate
// checksum under metadata and marks components with required: true;
// zarf.dev/v1beta1 moves the checksum under build, moves the descriptive
// fields into metadata.annotations and marks components optional: true.
// The package does no I/O: it parses bytes handed to it, refusing
// definitions a parser would need too much memory for (CheckBounds), and
// reproduces the config blob Zarf publishes for one (ZarfConfig).
package definition
