package signature

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"sigs.k8s.io/yaml"
)

// maxZarfYAML caps the zarf.yaml this package parses, as definition.MaxSize.
const maxZarfYAML = 16 << 20

const apiV1beta1 = "zarf.dev/v1beta1"

// build is the part of zarf.yaml's build block that signing reads; both
// schema generations name these fields alike.
type build struct {
	Signed              *bool                `json:"signed,omitempty"`
	VersionRequirements []versionRequirement `json:"versionRequirements,omitempty"`
	ProvenanceFiles     []string             `json:"provenanceFiles,omitempty"`
}

type versionRequirement struct {
	Version string `json:"version"`
	Reason  string `json:"reason,omitempty"`
}

type docHead struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind,omitempty"`
	Build      *build `json:"build,omitempty"`
}

// segment is one YAML document of zarf.yaml, or the "---" line between two.
type segment struct {
	b     []byte
	isSep bool
}

// splitDocs cuts zarf.yaml into documents and separators, keeping every byte:
// Zarf writes a v1beta1 package as a v1alpha1 document, "---", and the
// v1beta1 document.
func splitDocs(b []byte) []segment {
	var segs []segment
	start := 0
	for off := 0; off < len(b); {
		end := bytes.IndexByte(b[off:], '\n')
		if end < 0 {
			end = len(b)
		} else {
			end += off + 1
		}
		line := bytes.TrimRight(b[off:end], " \t\r\n")
		if bytes.Equal(line, []byte("---")) {
			segs = append(segs, segment{b: b[start:off]}, segment{b: b[off:end], isSep: true})
			start = end
		}
		off = end
	}
	return append(segs, segment{b: b[start:]})
}

func parseHead(doc []byte) (docHead, error) {
	var h docHead
	if err := yaml.Unmarshal(doc, &h); err != nil {
		return docHead{}, fmt.Errorf("parsing zarf.yaml: %w", err)
	}
	return h, nil
}

// readBuild returns the build block of the document Zarf reads: the v1beta1
// one when there is one, otherwise the first.
func readBuild(zarfYAML []byte) (build, error) {
	if len(zarfYAML) > maxZarfYAML {
		return build{}, fmt.Errorf("zarf.yaml is %d bytes, more than the %d allowed", len(zarfYAML), maxZarfYAML)
	}
	var chosen *docHead
	for _, s := range splitDocs(zarfYAML) {
		if s.isSep {
			continue
		}
		h, err := parseHead(s.b)
		if err != nil {
			return build{}, err
		}
		if h.Kind == "" && h.Build == nil {
			continue // an empty document
		}
		if chosen == nil || h.APIVersion == apiV1beta1 {
			chosen = &h
		}
	}
	if chosen == nil {
		return build{}, errors.New("parsing zarf.yaml: no package definition in it")
	}
	if chosen.Build == nil {
		return build{}, nil
	}
	return *chosen.Build, nil
}

// MarkSigned makes the changes to zarf.yaml that Zarf's SignPackage makes
// before it signs: build.signed: true, BundleFile added to
// build.provenanceFiles and the BundleVersionRequirement added to
// build.versionRequirements, each once, in every document of the file.
//
// Zarf marshals the whole definition again; MarkSigned edits only the build
// block, in place, inserting each field where Zarf's field order puts it. For
// a zarf.yaml written by Zarf the result is the bytes Zarf writes. The edit is
// checked by parsing the result: if anything but those three fields differs
// (an unusual layout, such as a flow-style build block), it is an error.
func MarkSigned(zarfYAML []byte) ([]byte, error) {
	if _, err := readBuild(zarfYAML); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	for _, s := range splitDocs(zarfYAML) {
		if s.isSep {
			out.Write(s.b)
			continue
		}
		h, err := parseHead(s.b)
		if err != nil {
			return nil, err
		}
		if h.Kind == "" && h.Build == nil {
			out.Write(s.b)
			continue
		}
		doc, err := markDoc(s.b, h.Build)
		if err != nil {
			return nil, err
		}
		if err := checkMarked(s.b, doc); err != nil {
			return nil, err
		}
		out.Write(doc)
	}
	return out.Bytes(), nil
}

// checkMarked proves that marked is orig with exactly the three signing
// fields set, by comparing their parsed forms.
func checkMarked(orig, marked []byte) error {
	want, err := genericDoc(orig)
	if err != nil {
		return err
	}
	b, _ := want["build"].(map[string]any)
	if b == nil {
		b = map[string]any{}
		want["build"] = b
	}
	b["signed"] = true
	reqs, _ := b["versionRequirements"].([]any)
	req := map[string]any{"version": BundleVersionRequirement, "reason": BundleVersionReason}
	if !containsValue(reqs, req) {
		b["versionRequirements"] = append(reqs, req)
	}
	files, _ := b["provenanceFiles"].([]any)
	if !containsValue(files, BundleFile) {
		b["provenanceFiles"] = append(files, BundleFile)
	}
	errLayout := errors.New("zarf.yaml: the build block has a layout that cannot be marked as signed in place")
	got, err := genericDoc(marked)
	if err != nil {
		return fmt.Errorf("%w (%w)", errLayout, err)
	}
	if !reflect.DeepEqual(want, got) {
		return errLayout
	}
	return nil
}

func genericDoc(doc []byte) (map[string]any, error) {
	j, err := yaml.YAMLToJSON(doc)
	if err != nil {
		return nil, fmt.Errorf("parsing zarf.yaml: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(j, &m); err != nil {
		return nil, fmt.Errorf("parsing zarf.yaml: %w", err)
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

func containsValue(list []any, v any) bool {
	for _, e := range list {
		if reflect.DeepEqual(e, v) {
			return true
		}
	}
	return false
}
