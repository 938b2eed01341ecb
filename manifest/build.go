package manifest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/docker-zarf/docker-zarf/definition"
	"github.com/docker-zarf/docker-zarf/definition/v1alpha1"
)

// Media types and annotation keys that Zarf uses in a registry.
const (
	// MediaTypeConfig is the media type of the config blob (the definition as JSON).
	MediaTypeConfig = "application/vnd.zarf.config.v1+json"
	// MediaTypeLayer is the media type of every layer: one file of the package.
	MediaTypeLayer = "application/vnd.zarf.layer.v1.blob"
	// AnnotationBaseName names the image an images/index.json entry holds.
	AnnotationBaseName = "org.opencontainers.image.base.name"
	// AnnotationTitle carries a layer's relative path inside the package.
	AnnotationTitle = "org.opencontainers.image.title"
	// PlatformOS is the os that Zarf writes in every index entry.
	PlatformOS = "multi"
)

// OCI annotation keys Build fills from the definition.
const (
	annotationDescription = "org.opencontainers.image.description"
	annotationCreated     = "org.opencontainers.image.created"
)

// legacyKeys maps the descriptive metadata fields of zarf.dev/v1alpha1 (which
// zarf.dev/v1beta1 moves into metadata.annotations under the same short key)
// to the OCI annotation Zarf writes for them. "image" has no OCI key: Zarf
// consumes it without writing it.
var legacyKeys = []struct{ key, oci string }{
	{"url", "org.opencontainers.image.url"},
	{"authors", "org.opencontainers.image.authors"},
	{"documentation", "org.opencontainers.image.documentation"},
	{"source", "org.opencontainers.image.source"},
	{"vendor", "org.opencontainers.image.vendor"},
	{"image", ""},
}

// tagPattern is the OCI distribution spec's tag grammar.
var tagPattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)

// Layer is one file of the package as a layer of the manifest.
type Layer struct {
	Title  string // relative, slash-separated path: "components/app.tar"
	Digest string // "sha256:<hex>"
	Size   int64
}

// Built is what Build produces: the blobs to push besides the layers, and the
// descriptor to record in the tag's index.
type Built struct {
	// Config is the config blob: the package definition as JSON.
	Config []byte
	// ConfigDescriptor describes Config as the manifest references it.
	ConfigDescriptor v1.Descriptor
	// Manifest is the image manifest, exactly the bytes to push.
	Manifest []byte
	// Descriptor describes Manifest: OCI manifest media type, digest, size
	// and platform {os: multi, architecture: the package's}.
	Descriptor v1.Descriptor
}

// Build assembles the OCI image manifest Zarf publishes for def, with one
// layer per entry of layers (sorted by digest, then title, whatever their
// order here) and the annotations Zarf derives from the metadata. Layers must
// have distinct relative titles and sha256 digests.
func Build(def *definition.Package, layers []Layer) (*Built, error) {
	if def == nil {
		return nil, errors.New("building manifest: no package definition")
	}
	arch := def.Architecture()
	if arch == "" {
		return nil, fmt.Errorf("building manifest for %s: the package has no architecture", def.Metadata.Name)
	}
	descs, err := layerDescriptors(layers)
	if err != nil {
		return nil, fmt.Errorf("building manifest for %s: %w", def.Metadata.Name, err)
	}
	annotations, err := manifestAnnotations(def)
	if err != nil {
		return nil, fmt.Errorf("building manifest for %s: %w", def.Metadata.Name, err)
	}
	config, err := configBlob(def)
	if err != nil {
		return nil, fmt.Errorf("building manifest for %s: %w", def.Metadata.Name, err)
	}
	b := &Built{Config: config, ConfigDescriptor: describe(MediaTypeConfig, config)}
	m := &v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		Config:        b.ConfigDescriptor,
		Layers:        descs,
		Annotations:   annotations,
	}
	if b.Manifest, err = marshalManifest(m); err != nil {
		return nil, fmt.Errorf("building manifest for %s: %w", def.Metadata.Name, err)
	}
	b.Descriptor = describe(types.OCIManifestSchema1, b.Manifest)
	b.Descriptor.Platform = &v1.Platform{OS: PlatformOS, Architecture: arch}
	return b, nil
}

// Tag is the tag Zarf publishes def under: metadata.version, with
// "-<build.flavor>" appended for a flavored package. It fails when the
// package has no version or the result is not a valid OCI tag.
func Tag(def *definition.Package) (string, error) {
	if def == nil {
		return "", errors.New("no package definition")
	}
	v := def.Metadata.Version
	if v == "" {
		return "", fmt.Errorf("package %s has no metadata.version; a version is required to publish", def.Metadata.Name)
	}
	tag := v
	if f := def.Flavor(); f != "" {
		tag += "-" + f
	}
	if !tagPattern.MatchString(tag) {
		return "", fmt.Errorf("package %s: %q is not a valid OCI tag (letters, digits, '_', '.', '-'; at most 128)", def.Metadata.Name, tag)
	}
	return tag, nil
}

// describe returns the descriptor of an in-memory blob.
func describe(mt types.MediaType, b []byte) v1.Descriptor {
	sum := sha256.Sum256(b)
	return v1.Descriptor{
		MediaType: mt,
		Size:      int64(len(b)),
		Digest:    v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])},
	}
}

// configBlob is the config Zarf publishes for def: for a v1alpha1
// definition, the definition read into Zarf's own types, migrated and
// re-marshaled (definition.Package.ZarfConfig). Other schema generations
// (a v1beta1 source), which Zarf converts through its generic model, fall
// back to the definition as JSON, as does a definition built by hand
// rather than by definition.Parse.
func configBlob(def *definition.Package) ([]byte, error) {
	b, err := def.ZarfConfig()
	switch {
	case err == nil:
		return b, nil
	case errors.Is(err, definition.ErrNotV1alpha1):
		if doc := def.JSON(); len(doc) > 0 {
			return doc, nil
		}
		return json.Marshal(def)
	default:
		return nil, err
	}
}

// layerDescriptors validates layers and returns them as Zarf writes them:
// the layer media type, a single title annotation, sorted by digest. Zarf's
// sort is not stable; the title breaks ties so that equal files (same
// content, two paths) always come out in the same order.
func layerDescriptors(layers []Layer) ([]v1.Descriptor, error) {
	if len(layers) == 0 {
		return nil, errors.New("no layers")
	}
	seen := make(map[string]bool, len(layers))
	descs := make([]v1.Descriptor, 0, len(layers))
	for _, l := range layers {
		if err := checkTitle(l.Title); err != nil {
			return nil, err
		}
		if seen[l.Title] {
			return nil, fmt.Errorf("layer %s: listed twice", l.Title)
		}
		seen[l.Title] = true
		h, err := v1.NewHash(l.Digest)
		if err != nil || h.Algorithm != "sha256" {
			return nil, fmt.Errorf("layer %s: digest %q is not sha256:<64 hex>", l.Title, l.Digest)
		}
		if l.Size < 0 {
			return nil, fmt.Errorf("layer %s: negative size %d", l.Title, l.Size)
		}
		descs = append(descs, v1.Descriptor{
			MediaType:   MediaTypeLayer,
			Size:        l.Size,
			Digest:      h,
			Annotations: map[string]string{AnnotationTitle: l.Title},
		})
	}
	slices.SortFunc(descs, func(a, b v1.Descriptor) int {
		if c := strings.Compare(a.Digest.String(), b.Digest.String()); c != 0 {
			return c
		}
		return strings.Compare(a.Annotations[AnnotationTitle], b.Annotations[AnnotationTitle])
	})
	return descs, nil
}

// checkTitle rejects titles that would escape the package on pull.
func checkTitle(t string) error {
	switch {
	case t == "":
		return errors.New("a layer has no title")
	case strings.HasPrefix(t, "/"), strings.Contains(t, `\`), path.Clean(t) != t, t == "..", strings.HasPrefix(t, "../"):
		return fmt.Errorf("layer title %q is not a clean relative path", t)
	}
	return nil
}

// manifestAnnotations reproduces Zarf's: title and description always, the
// descriptive fields when set, created from build.timestamp (the zero time
// when there is none, as Zarf writes), then metadata.annotations over all.
// Zarf reads the metadata after its round trip through its version-neutral
// model, where a "metadata.<field>" annotation fills that field when empty
// and is dropped.
func manifestAnnotations(def *definition.Package) (map[string]string, error) {
	m := def.Metadata
	a := map[string]string{
		AnnotationTitle:       m.Name,
		annotationDescription: m.Description,
	}
	// v1beta1 keeps the descriptive fields as short annotation keys; Zarf
	// consumes those keys into the OCI ones instead of copying them.
	consume := strings.HasSuffix(def.APIVersion, "v1beta1")
	fields := map[string]string{
		"url": m.URL, "authors": m.Authors, "documentation": m.Documentation,
		"source": m.Source, "vendor": m.Vendor, "image": m.Image,
	}
	for _, k := range legacyKeys {
		v := fields[k.key]
		if s, ok := m.Annotations[k.key]; ok && consume {
			v = s
		}
		if s, ok := m.Annotations[v1alpha1.LegacyAnnotationPrefix+k.key]; ok && v == "" {
			v = s
		}
		if v != "" && k.oci != "" {
			a[k.oci] = v
		}
	}
	created, err := def.Created()
	if err != nil {
		return nil, err
	}
	a[annotationCreated] = created.UTC().Format(time.RFC3339)
	for k, v := range m.Annotations {
		if (consume && isLegacyKey(k)) || isMetadataKey(k) {
			continue
		}
		a[k] = v
	}
	return a, nil
}

// isMetadataKey reports a "metadata.<field>" annotation, which Zarf's
// round trip consumes.
func isMetadataKey(k string) bool {
	name, ok := strings.CutPrefix(k, v1alpha1.LegacyAnnotationPrefix)
	return ok && isLegacyKey(name)
}

func isLegacyKey(k string) bool {
	for _, l := range legacyKeys {
		if l.key == k {
			return true
		}
	}
	return false
}
