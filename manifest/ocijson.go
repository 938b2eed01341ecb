package manifest

import (
	"encoding/json"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The documents Zarf pushes are marshaled from the OCI image-spec's Go
// types (through oras), whose field order differs from
// go-containerregistry's: a descriptor is mediaType, digest, size, …
// where go-containerregistry writes size before digest. A digest is a hash
// of the bytes, so these mirrors of the image-spec order are what we
// marshal; go-containerregistry's types remain what we parse into.

// ociDescriptor has the field order of image-spec's Descriptor.
type ociDescriptor struct {
	MediaType    types.MediaType   `json:"mediaType"`
	Digest       string            `json:"digest"`
	Size         int64             `json:"size"`
	URLs         []string          `json:"urls,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	Data         []byte            `json:"data,omitempty"`
	Platform     *ociPlatform      `json:"platform,omitempty"`
	ArtifactType string            `json:"artifactType,omitempty"`
}

// ociPlatform has the field order of image-spec's Platform. ggcr's extra
// "features" field (not in the image spec) is kept last when present.
type ociPlatform struct {
	Architecture string   `json:"architecture"`
	OS           string   `json:"os"`
	OSVersion    string   `json:"os.version,omitempty"`
	OSFeatures   []string `json:"os.features,omitempty"`
	Variant      string   `json:"variant,omitempty"`
	Features     []string `json:"features,omitempty"`
}

// ociManifest has the field order of image-spec's Manifest.
type ociManifest struct {
	SchemaVersion int64             `json:"schemaVersion"`
	MediaType     types.MediaType   `json:"mediaType,omitempty"`
	ArtifactType  string            `json:"artifactType,omitempty"`
	Config        ociDescriptor     `json:"config"`
	Layers        []ociDescriptor   `json:"layers"`
	Subject       *ociDescriptor    `json:"subject,omitempty"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}

// ociIndex has the field order of image-spec's Index.
type ociIndex struct {
	SchemaVersion int64             `json:"schemaVersion"`
	MediaType     types.MediaType   `json:"mediaType,omitempty"`
	ArtifactType  string            `json:"artifactType,omitempty"`
	Manifests     []ociDescriptor   `json:"manifests"`
	Subject       *ociDescriptor    `json:"subject,omitempty"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}

func toOCIDescriptor(d v1.Descriptor) ociDescriptor {
	o := ociDescriptor{
		MediaType:    d.MediaType,
		Digest:       d.Digest.String(),
		Size:         d.Size,
		URLs:         d.URLs,
		Annotations:  d.Annotations,
		Data:         d.Data,
		ArtifactType: d.ArtifactType,
	}
	if p := d.Platform; p != nil {
		o.Platform = &ociPlatform{
			Architecture: p.Architecture, OS: p.OS, OSVersion: p.OSVersion,
			OSFeatures: p.OSFeatures, Variant: p.Variant, Features: p.Features,
		}
	}
	return o
}

func toOCIDescriptors(ds []v1.Descriptor) []ociDescriptor {
	out := make([]ociDescriptor, len(ds))
	for i, d := range ds {
		out[i] = toOCIDescriptor(d)
	}
	return out
}

func toOCISubject(d *v1.Descriptor) *ociDescriptor {
	if d == nil {
		return nil
	}
	o := toOCIDescriptor(*d)
	return &o
}

// marshalManifest writes m as Zarf (image-spec types) would.
func marshalManifest(m *v1.Manifest) ([]byte, error) {
	return json.Marshal(ociManifest{
		SchemaVersion: m.SchemaVersion,
		MediaType:     m.MediaType,
		ArtifactType:  m.ArtifactType,
		Config:        toOCIDescriptor(m.Config),
		Layers:        toOCIDescriptors(m.Layers),
		Subject:       toOCISubject(m.Subject),
		Annotations:   m.Annotations,
	})
}

// marshalIndex writes idx as Zarf (image-spec types) would. A nil list of
// manifests is written as [], which the image spec requires.
func marshalIndex(idx *v1.IndexManifest) ([]byte, error) {
	manifests := toOCIDescriptors(idx.Manifests)
	return json.Marshal(ociIndex{
		SchemaVersion: idx.SchemaVersion,
		MediaType:     idx.MediaType,
		ArtifactType:  idx.ArtifactType,
		Manifests:     manifests,
		Subject:       toOCISubject(idx.Subject),
		Annotations:   idx.Annotations,
	})
}
