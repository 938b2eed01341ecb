package layouttest

import (
	"encoding/json"
	"strings"
)

// Media types and annotations of the OCI image layout Zarf writes under
// images/.
const (
	MediaTypeIndex    = "application/vnd.oci.image.index.v1+json"
	MediaTypeManifest = "application/vnd.oci.image.manifest.v1+json"
	MediaTypeConfig   = "application/vnd.oci.image.config.v1+json"
	MediaTypeLayer    = "application/vnd.oci.image.layer.v1.tar"
	AnnotationBase    = "org.opencontainers.image.base.name"
	annotationRef     = "org.opencontainers.image.ref.name"
)

// Image is an image for ImageFiles.
type Image struct {
	// Ref is the reference Zarf records in index.json
	// (org.opencontainers.image.base.name), e.g. "docker.io/library/nginx:1.27".
	Ref string
	// Layers are the layer blobs, stored uncompressed.
	Layers []Content
	// Nested puts the manifest behind an image index blob (a one-platform
	// multi-arch image), so that index.json points at an index.
	Nested bool
}

type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Platform    *platform         `json:"platform,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

type platform struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
}

// ImageFiles returns the files of an OCI image layout holding imgs, as Zarf
// stores them: images/oci-layout, images/index.json with one entry per image
// annotated with its reference, and images/blobs/sha256/<hex> for every
// manifest, index, config and layer. Merge the result into Spec.Files (and
// list the references in a Component's Images).
func ImageFiles(imgs ...Image) map[string]Content {
	files := map[string]Content{"images/oci-layout": String(`{"imageLayoutVersion":"1.0.0"}`)}
	index := struct {
		SchemaVersion int          `json:"schemaVersion"`
		MediaType     string       `json:"mediaType"`
		Manifests     []descriptor `json:"manifests"`
	}{2, MediaTypeIndex, []descriptor{}}
	for _, img := range imgs {
		d := addImage(files, img)
		d.Annotations = map[string]string{AnnotationBase: img.Ref, annotationRef: img.Ref}
		index.Manifests = append(index.Manifests, d)
	}
	files["images/index.json"] = Bytes(mustJSON(index))
	return files
}

// addImage adds an image's blobs and returns the descriptor of its top blob.
func addImage(files map[string]Content, img Image) descriptor {
	var layers []descriptor
	var diffIDs []string
	for _, l := range img.Layers {
		d := addBlob(files, MediaTypeLayer, l)
		layers = append(layers, d)
		diffIDs = append(diffIDs, d.Digest)
	}
	config := map[string]any{
		"architecture": "amd64", "os": "linux",
		"rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs},
	}
	cfg := addBlob(files, MediaTypeConfig, Bytes(mustJSON(config)))
	manifest := map[string]any{
		"schemaVersion": 2, "mediaType": MediaTypeManifest, "config": cfg, "layers": layers,
	}
	top := addBlob(files, MediaTypeManifest, Bytes(mustJSON(manifest)))
	if !img.Nested {
		return top
	}
	top.Platform = &platform{Architecture: "amd64", OS: "linux"}
	nested := map[string]any{"schemaVersion": 2, "mediaType": MediaTypeIndex, "manifests": []descriptor{top}}
	return addBlob(files, MediaTypeIndex, Bytes(mustJSON(nested)))
}

func addBlob(files map[string]Content, mediaType string, c Content) descriptor {
	digest := c.Digest()
	files["images/blobs/sha256/"+strings.TrimPrefix(digest, "sha256:")] = c
	return descriptor{MediaType: mediaType, Digest: digest, Size: c.Size()}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only fixed shapes of strings and numbers are marshalled
	}
	return b
}
