package definition

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzParse feeds zarf.yaml readers arbitrary bytes. Seeds: the fixture
// definitions (added here) and the edge cases under testdata/fuzz/FuzzParse,
// among them alias bombs (alias-*).
func FuzzParse(f *testing.F) {
	for _, rel := range []string{
		"packages/zarf-package-demo-amd64-1.0.0.tar.zst",
		"packages/signed/zarf-package-flavored-amd64-0.2.0-upstream.tar",
		"sources/demo/zarf.yaml",
	} {
		f.Add(fixtureYAML(f, rel))
	}
	f.Add([]byte(betaDoc))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if err != nil {
			return
		}
		if p.Metadata.Name == "" || (p.Kind != "ZarfPackageConfig" && p.Kind != "ZarfInitConfig") {
			t.Fatalf("accepted name %q kind %q", p.Metadata.Name, p.Kind)
		}
		// The accessors never panic on what Parse accepts.
		_, _ = p.Created()
		_, _ = p.ZarfConfig()
		for _, c := range p.Components {
			_ = c.IsRequired(p.APIVersion)
			_ = c.ImageRefs()
		}
		// The config blob is JSON, and JSON is YAML: it parses back to the
		// same package.
		doc := p.JSON()
		if !json.Valid(doc) {
			t.Fatalf("JSON() is not JSON: %q", doc)
		}
		// Aliases cannot blow the document up: what is accepted is at most
		// a constant times its text plus MaxAliasExpansion (JSON escapes a
		// byte in at most 6).
		if limit := 8 * (len(b) + MaxAliasExpansion); len(doc) > limit {
			t.Fatalf("%d bytes of YAML became %d bytes of JSON, over %d", len(b), len(doc), limit)
		}
		if len(doc) > MaxSize {
			return
		}
		again, err := Parse(doc)
		if err != nil {
			t.Fatalf("JSON() does not parse back: %v\n%s", err, doc)
		}
		if !reflect.DeepEqual(again.Metadata, p.Metadata) || !reflect.DeepEqual(again.Build, p.Build) ||
			!reflect.DeepEqual(again.Components, p.Components) {
			t.Fatalf("the package changed going through JSON:\n%+v\n%+v", again, p)
		}
	})
}
