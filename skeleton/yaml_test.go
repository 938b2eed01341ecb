package skeleton

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	goyaml "github.com/goccy/go-yaml"

	"github.com/docker-zarf/docker-zarf/definition/v1alpha1"
)

// trickySource holds strings that YAML 1.1 and 1.2 read differently, that
// need quotes, and multi-line commands.
const trickySource = `kind: ZarfPackageConfig
metadata:
  name: tricky
  version: "1.0"
  description: yes
  authors: "Zarf <zarf@zarf.dev> # not a comment"
variables:
  - name: ANSWER
    default: n
    prompt: true
components:
  - name: on
    description: "- starts like a list: and has colons"
    required: true
    actions:
      onDeploy:
        before:
          - cmd: |
              echo one
              echo "two: 2"
          - cmd: |-
              line
              last
            setVariable: OUT
        after:
          - cmd: "tab\there"
            setValues: [{key: k, value: 12}, {key: f, value: 1.5}, {key: m, value: {a: [1, true]}}]
    files:
      - source: "@weird name.txt"
        target: /tmp/0o17
`

// TestSkeletonYAMLReadsBackAsZarfReadsIt: whatever goccy writes into the
// skeleton's zarf.yaml, definition.Parse (YAML 1.1, what publish and pull
// use) reads the same values, so the config docker-zarf computes from it is
// the one Zarf computes (goccy decode, migrations, encoding/json).
func TestSkeletonYAMLReadsBackAsZarfReadsIt(t *testing.T) {
	src := writeSource(t, map[string]string{"zarf.yaml": trickySource, "@weird name.txt": "w"})
	def, dir := build(t, src, Options{})
	raw, err := os.ReadFile(filepath.Join(dir, "zarf.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var zarfs v1alpha1.Package
	if err := goyaml.Unmarshal(raw, &zarfs); err != nil {
		t.Fatal(err)
	}
	zarfs.Migrate()
	want, err := json.Marshal(&zarfs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := def.ZarfConfig()
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("config from the skeleton's zarf.yaml:\n got %s\nwant %s\nzarf.yaml:\n%s", got, want, raw)
	}
	if def.Metadata.Description != "yes" || def.Components[0].Name != "on" {
		t.Errorf("YAML 1.2 strings changed: description %q component %q", def.Metadata.Description, def.Components[0].Name)
	}
}
