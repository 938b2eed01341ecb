package manifest

import (
	"encoding/json"
	"errors"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// MaxManifestSize caps every manifest or index this package decodes, as
// go-containerregistry's fetcher caps what it reads from a registry.
const MaxManifestSize = 4 << 20

// MediaTypeArtifactManifest is the OCI artifact manifest of image-spec
// 1.1's release candidates, withdrawn from the final spec. Zarf once pushed
// packages in this form where the registry accepted it: "blobs" where an
// image manifest has "layers", an artifactType, and no config.
const MediaTypeArtifactManifest types.MediaType = "application/vnd.oci.artifact.manifest.v1+json"

// artifactManifest is the artifact manifest's JSON form.
type artifactManifest struct {
	MediaType    types.MediaType   `json:"mediaType"`
	ArtifactType string            `json:"artifactType,omitempty"`
	Blobs        []v1.Descriptor   `json:"blobs,omitempty"`
	Subject      *v1.Descriptor    `json:"subject,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
}

// ErrTooLarge reports a manifest or index over MaxManifestSize.
var ErrTooLarge = errors.New("over the 4 MiB manifest limit")

// MediaTypeError reports a document of the wrong kind: an index where a
// manifest was expected or the reverse, or a media type that is neither.
type MediaTypeError struct {
	Want string          // "manifest" or "index"
	Got  types.MediaType // the document's mediaType field
}

func (e *MediaTypeError) Error() string {
	switch {
	case e.Want == "manifest" && e.Got.IsIndex():
		return fmt.Sprintf("media type %s is an index, not an image manifest", e.Got)
	case e.Want == "index" && (e.Got.IsImage() || e.Got == MediaTypeArtifactManifest):
		return fmt.Sprintf("media type %s is an image manifest, not an index", e.Got)
	}
	return fmt.Sprintf("media type %q is not an OCI or Docker %s", e.Got, e.Want)
}

// ParseManifest decodes an image manifest: schemaVersion 2, media type OCI
// image manifest, Docker schema 2 (older tools) or absent, a config digest,
// and valid digests and sizes throughout. An OCI artifact manifest (what
// older Zarf pushed) is read too, as an image manifest with its blobs as
// Layers, media type MediaTypeArtifactManifest and no config (see
// IsArtifact). An index gives *MediaTypeError.
func ParseManifest(b []byte) (*v1.Manifest, error) {
	if len(b) > MaxManifestSize {
		return nil, fmt.Errorf("manifest is %d bytes: %w", len(b), ErrTooLarge)
	}
	var m v1.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("manifest does not parse: %w", err)
	}
	if m.MediaType == MediaTypeArtifactManifest {
		return parseArtifact(b)
	}
	if m.SchemaVersion != 2 {
		return nil, fmt.Errorf("manifest has schemaVersion %d, want 2", m.SchemaVersion)
	}
	switch m.MediaType {
	case "", types.OCIManifestSchema1, types.DockerManifestSchema2:
	default:
		return nil, fmt.Errorf("manifest: %w", &MediaTypeError{Want: "manifest", Got: m.MediaType})
	}
	if m.MediaType == "" && m.Config.Digest.Algorithm == "" && has(b, "manifests") {
		return nil, fmt.Errorf("manifest: %w", &MediaTypeError{Want: "manifest", Got: types.OCIImageIndex})
	}
	if err := checkDescriptor(m.Config); err != nil {
		return nil, fmt.Errorf("manifest config: %w", err)
	}
	for i, l := range m.Layers {
		if err := checkDescriptor(l); err != nil {
			return nil, fmt.Errorf("manifest layer %d: %w", i, err)
		}
	}
	if err := checkSubject(m.Subject); err != nil {
		return nil, fmt.Errorf("manifest subject: %w", err)
	}
	return &m, nil
}

// parseArtifact reads an artifact manifest into the image manifest shape
// the rest of docker-zarf uses. It has no schemaVersion of its own; a
// present one must still be 2.
func parseArtifact(b []byte) (*v1.Manifest, error) {
	var a struct {
		artifactManifest
		SchemaVersion *int64 `json:"schemaVersion"`
	}
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("artifact manifest does not parse: %w", err)
	}
	if a.SchemaVersion != nil && *a.SchemaVersion != 2 {
		return nil, fmt.Errorf("artifact manifest has schemaVersion %d, want 2 or none", *a.SchemaVersion)
	}
	for i, l := range a.Blobs {
		if err := checkDescriptor(l); err != nil {
			return nil, fmt.Errorf("artifact manifest blob %d: %w", i, err)
		}
	}
	if err := checkSubject(a.Subject); err != nil {
		return nil, fmt.Errorf("artifact manifest subject: %w", err)
	}
	return &v1.Manifest{
		SchemaVersion: 2,
		MediaType:     MediaTypeArtifactManifest,
		ArtifactType:  a.ArtifactType,
		Layers:        a.Blobs,
		Subject:       a.Subject,
		Annotations:   a.Annotations,
	}, nil
}

// IsArtifact reports whether m was read from an OCI artifact manifest: it
// has no config, and its Layers are the artifact's blobs.
func IsArtifact(m *v1.Manifest) bool {
	return m != nil && m.MediaType == MediaTypeArtifactManifest
}

// Blobs lists every blob m references, config first when there is one:
// what a copy must carry before it pushes the manifest's bytes unchanged.
func Blobs(m *v1.Manifest) []v1.Descriptor {
	if m == nil {
		return nil
	}
	out := make([]v1.Descriptor, 0, len(m.Layers)+1)
	if !IsArtifact(m) {
		out = append(out, m.Config)
	}
	return append(out, m.Layers...)
}

// ParseIndex decodes an image index: schemaVersion 2, media type OCI image
// index, Docker manifest list (older tools) or absent, and a digest and size
// for every entry. An image manifest gives *MediaTypeError.
func ParseIndex(b []byte) (*v1.IndexManifest, error) {
	if len(b) > MaxManifestSize {
		return nil, fmt.Errorf("index is %d bytes: %w", len(b), ErrTooLarge)
	}
	var idx v1.IndexManifest
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("index does not parse: %w", err)
	}
	if idx.MediaType == MediaTypeArtifactManifest {
		return nil, fmt.Errorf("index: %w", &MediaTypeError{Want: "index", Got: idx.MediaType})
	}
	if idx.SchemaVersion != 2 {
		return nil, fmt.Errorf("index has schemaVersion %d, want 2", idx.SchemaVersion)
	}
	switch idx.MediaType {
	case "", types.OCIImageIndex, types.DockerManifestList:
	default:
		return nil, fmt.Errorf("index: %w", &MediaTypeError{Want: "index", Got: idx.MediaType})
	}
	if idx.MediaType == "" && len(idx.Manifests) == 0 && has(b, "config") {
		return nil, fmt.Errorf("index: %w", &MediaTypeError{Want: "index", Got: types.OCIManifestSchema1})
	}
	for i, d := range idx.Manifests {
		if err := checkDescriptor(d); err != nil {
			return nil, fmt.Errorf("index entry %d: %w", i, err)
		}
	}
	if err := checkSubject(idx.Subject); err != nil {
		return nil, fmt.Errorf("index subject: %w", err)
	}
	return &idx, nil
}

// has reports whether the JSON object b has a top-level key. It is used
// only on the error path, to name a document that lacks its mediaType.
func has(b []byte, key string) bool {
	var fields map[string]json.RawMessage
	if json.Unmarshal(b, &fields) != nil {
		return false
	}
	_, ok := fields[key]
	return ok
}

// checkDescriptor catches what decoding lets through: a missing digest (the
// zero Hash) and a negative size.
func checkDescriptor(d v1.Descriptor) error {
	if d.Digest.Algorithm == "" {
		return errors.New("no digest")
	}
	if d.Size < 0 {
		return fmt.Errorf("negative size %d", d.Size)
	}
	return nil
}

// checkSubject checks the optional subject descriptor: present, it must be
// whole, or re-encoding the document would write a digest that no decoder
// accepts.
func checkSubject(d *v1.Descriptor) error {
	if d == nil {
		return nil
	}
	return checkDescriptor(*d)
}

// LayersOf lists a manifest's layers with their titles. A layer without a
// title annotation (not something Zarf writes) has Title "".
func LayersOf(m *v1.Manifest) []Layer {
	if m == nil {
		return nil
	}
	out := make([]Layer, 0, len(m.Layers))
	for _, l := range m.Layers {
		out = append(out, Layer{Title: l.Annotations[AnnotationTitle], Digest: l.Digest.String(), Size: l.Size})
	}
	return out
}

// alwaysNeeded are the layers every pull fetches, whatever the selection:
// the definition, the checksums that verify everything else, signatures,
// and the values files deploy reads.
var alwaysNeeded = map[string]bool{
	"zarf.yaml":          true,
	"checksums.txt":      true,
	"zarf.yaml.sig":      true,
	"zarf.bundle.sig":    true,
	"values.yaml":        true,
	"values.schema.json": true,
}

// AlwaysNeeded reports whether a layer is fetched by every pull, partial or
// not: zarf.yaml, checksums.txt, zarf.yaml.sig, zarf.bundle.sig, values.yaml
// and values.schema.json.
func AlwaysNeeded(title string) bool { return alwaysNeeded[title] }
