package definition

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/docker-zarf/docker-zarf/definition/v1alpha1"
)

// CheckBounds refuses a zarf.yaml that any YAML parser would need too much
// memory for: over MaxSize bytes, over MaxSeparators possible nodes, or
// with aliases that expand past MaxAliasExpansion. Parse calls it; a caller
// that reads a definition with another YAML library calls it first.
func CheckBounds(data []byte) error {
	if len(data) > MaxSize {
		return fmt.Errorf("zarf.yaml is %d bytes, over the %d byte limit", len(data), MaxSize)
	}
	if err := checkNodes(data); err != nil {
		return err
	}
	// An alias always starts with '*'; without one there is nothing to
	// expand and no reason to parse twice.
	if bytes.IndexByte(data, '*') >= 0 {
		return checkAliases(data)
	}
	return nil
}

// ErrNotV1alpha1 reports a definition of another schema generation than
// zarf.dev/v1alpha1, which ZarfConfig does not convert.
var ErrNotV1alpha1 = errors.New("not a zarf.dev/v1alpha1 definition")

// maxZarfReaderSeparators bounds the definitions ZarfConfig reads with
// Zarf's YAML library, which is superlinear on hostile input (measured on a
// loaded 2-core machine: 16k-node flow maps take about a second, 520k ones
// nine minutes and 480 MB). Larger definitions, thirty times Zarf's largest
// example, are read from their JSON, which gives the same bytes unless the
// YAML holds something YAML 1.1 and 1.2 read differently.
const maxZarfReaderSeparators = 1 << 14

// ZarfConfig is the config blob that Zarf v0.84 publishes for this
// definition, byte for byte: zarf.yaml read as Zarf reads it (goccy/go-yaml
// into Zarf's v1alpha1 types), with Zarf's load-time migrations applied,
// marshaled in their field order. Fields Zarf does not know are dropped, as
// Zarf drops them. Should Zarf's reader refuse what Parse accepted, or the
// definition be too large for it, the definition's JSON is read instead. A
// v1beta1 definition gives ErrNotV1alpha1; a Package not made by Parse is
// marshaled from its fields.
func (p *Package) ZarfConfig() ([]byte, error) {
	if p.APIVersion != "" && p.APIVersion != "zarf.dev/v1alpha1" {
		return nil, fmt.Errorf("zarf.yaml apiVersion %q: %w", p.APIVersion, ErrNotV1alpha1)
	}
	if len(p.raw) > 0 && countSeparators(p.raw) <= maxZarfReaderSeparators {
		if b, err := v1alpha1.ConfigFromYAML(p.raw); err == nil {
			return b, nil
		}
	}
	doc := p.doc
	if len(doc) == 0 {
		var err error
		if doc, err = json.Marshal(p); err != nil {
			return nil, err
		}
	}
	b, err := v1alpha1.Config(doc)
	if err != nil {
		return nil, fmt.Errorf("zarf.yaml: %w", err)
	}
	return b, nil
}
