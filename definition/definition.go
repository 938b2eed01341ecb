package definition

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// MaxSize caps the zarf.yaml that Parse accepts. Real definitions are a few
// kilobytes; the cap keeps a hostile package from making us allocate without
// bound while still leaving room for very large init packages.
const MaxSize = 16 << 20

// Package is the subset of a Zarf package definition that docker-zarf uses.
// Fields that docker-zarf does not interpret are kept only in the raw bytes.
type Package struct {
	APIVersion string      `json:"apiVersion,omitempty"`
	Kind       string      `json:"kind"`
	Metadata   Metadata    `json:"metadata"`
	Build      Build       `json:"build"`
	Components []Component `json:"components"`

	// doc is the whole definition as generic JSON, so that the config blob
	// carries every field, including those this struct does not name.
	doc json.RawMessage
	// raw is the zarf.yaml as read, from which ZarfConfig reads as Zarf does.
	raw []byte
}

// Metadata is zarf.yaml's metadata block.
type Metadata struct {
	Name              string            `json:"name"`
	Description       string            `json:"description,omitempty"`
	Version           string            `json:"version,omitempty"`
	URL               string            `json:"url,omitempty"`
	Image             string            `json:"image,omitempty"`
	Authors           string            `json:"authors,omitempty"`
	Documentation     string            `json:"documentation,omitempty"`
	Source            string            `json:"source,omitempty"`
	Vendor            string            `json:"vendor,omitempty"`
	Architecture      string            `json:"architecture,omitempty"`
	Uncompressed      bool              `json:"uncompressed,omitempty"`
	AggregateChecksum string            `json:"aggregateChecksum,omitempty"`
	Annotations       map[string]string `json:"annotations,omitempty"`
}

// Build is zarf.yaml's build block, written by `zarf package create`.
type Build struct {
	Architecture      string `json:"architecture,omitempty"`
	Timestamp         string `json:"timestamp,omitempty"`
	Flavor            string `json:"flavor,omitempty"`
	AggregateChecksum string `json:"aggregateChecksum,omitempty"`
	Signed            *bool  `json:"signed,omitempty"`
}

// Component is one entry of zarf.yaml's components list.
type Component struct {
	Name     string `json:"name"`
	Required *bool  `json:"required,omitempty"`
	Optional *bool  `json:"optional,omitempty"`
	Images   []any  `json:"images,omitempty"`
}

// Parse reads a zarf.yaml. It fails when the YAML is malformed, when the
// document is not a Zarf package, or when the package has no name.
func Parse(data []byte) (*Package, error) {
	if err := CheckBounds(data); err != nil {
		return nil, err
	}
	doc, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("zarf.yaml does not parse: %w", err)
	}
	var p Package
	if err := json.Unmarshal(doc, &p); err != nil {
		return nil, fmt.Errorf("zarf.yaml does not parse: %w", err)
	}
	if p.Kind != "ZarfPackageConfig" && p.Kind != "ZarfInitConfig" {
		return nil, fmt.Errorf("zarf.yaml is not a Zarf package: kind %q", p.Kind)
	}
	if p.Metadata.Name == "" {
		return nil, errors.New("zarf.yaml has no metadata.name")
	}
	p.doc, p.raw = doc, bytes.Clone(data)
	return &p, nil
}

// JSON returns the whole definition as JSON, every field kept, as read
// under YAML 1.1. The config blob that Zarf publishes is ZarfConfig.
func (p *Package) JSON() []byte { return p.doc }

// Architecture is metadata.architecture, or build.architecture when the
// former is empty (v1beta1 records it only at build time).
func (p *Package) Architecture() string {
	if p.Metadata.Architecture != "" {
		return p.Metadata.Architecture
	}
	return p.Build.Architecture
}

// AggregateChecksum is the sha256 hex of checksums.txt, read from
// metadata (v1alpha1) or build (v1beta1).
func (p *Package) AggregateChecksum() string {
	if p.Metadata.AggregateChecksum != "" {
		return p.Metadata.AggregateChecksum
	}
	return p.Build.AggregateChecksum
}

// Flavor is build.flavor; empty for an unflavored package.
func (p *Package) Flavor() string { return p.Build.Flavor }

// IsInit reports whether this is an init package, which Zarf names
// zarf-init-<arch>-<version>.
func (p *Package) IsInit() bool { return p.Kind == "ZarfInitConfig" }

// Created parses build.timestamp (Zarf writes RFC 1123 with a numeric zone)
// and returns it in UTC. It returns the zero time and no error when the
// definition has no timestamp, as a skeleton source does.
func (p *Package) Created() (time.Time, error) {
	ts := p.Build.Timestamp
	if ts == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC1123Z, time.RFC1123, time.RFC3339} {
		if t, err := time.Parse(layout, ts); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("zarf.yaml build.timestamp %q is not a time", ts)
}

// Annotation returns a descriptive field by its OCI annotation suffix
// (url, authors, documentation, source, vendor), reading the v1alpha1
// metadata field first and then v1beta1's metadata.annotations.
func (p *Package) Annotation(key string) string {
	m := p.Metadata
	byKey := map[string]string{
		"url": m.URL, "authors": m.Authors, "documentation": m.Documentation,
		"source": m.Source, "vendor": m.Vendor, "description": m.Description,
	}
	if v := byKey[key]; v != "" {
		return v
	}
	return m.Annotations[key]
}

// IsRequired reports whether a component is always deployed: required: true
// in v1alpha1, and anything not marked optional: true in v1beta1.
func (c Component) IsRequired(apiVersion string) bool {
	if c.Required != nil {
		return *c.Required
	}
	if strings.HasSuffix(apiVersion, "v1beta1") {
		return c.Optional == nil || !*c.Optional
	}
	return false
}

// ImageRefs lists the image references a component uses. v1alpha1 lists
// plain strings; v1beta1 allows objects with a name field.
func (c Component) ImageRefs() []string {
	refs := make([]string, 0, len(c.Images))
	for _, img := range c.Images {
		switch v := img.(type) {
		case string:
			refs = append(refs, v)
		case map[string]any:
			if name, ok := v["name"].(string); ok {
				refs = append(refs, name)
			}
		}
	}
	return refs
}

// Component returns the named component, or false.
func (p *Package) Component(name string) (Component, bool) {
	for _, c := range p.Components {
		if c.Name == name {
			return c, true
		}
	}
	return Component{}, false
}
