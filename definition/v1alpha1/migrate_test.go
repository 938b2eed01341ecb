package v1alpha1

import (
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func configOf(t *testing.T, doc string) string {
	t.Helper()
	j, err := yaml.YAMLToJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Config(j)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestConfigShape pins what the bytes depend on: Zarf's field order, empty
// structs written as {}, unknown fields dropped, numbers kept as written,
// HTML characters escaped as encoding/json escapes them.
func TestConfigShape(t *testing.T) {
	got := configOf(t, `
components:
- name: c
  unknown: dropped
  actions:
    onDeploy:
      after:
      - cmd: echo <ok> & done
        setValues: [{key: k, value: 12345678901234567890}]
metadata: {version: "1", name: pkg, authors: "A <a@b.c>"}
kind: ZarfPackageConfig
x-extra: dropped
`)
	want := `{"kind":"ZarfPackageConfig","metadata":{"name":"pkg","version":"1","authors":"A \u003ca@b.c\u003e"},` +
		`"build":{"architecture":"","timestamp":"","version":"","migrations":["scripts-to-actions","pluralize-set-variable"]},` +
		`"components":[{"name":"c","only":{"cluster":{}},"import":{},"scripts":{},"actions":{"onCreate":{"defaults":{"shell":{}}},` +
		`"onDeploy":{"defaults":{"shell":{}},"after":[{"cmd":"echo \u003cok\u003e \u0026 done","setValues":[{"key":"k","value":12345678901234567890}]}]},` +
		`"onRemove":{"defaults":{"shell":{}}}}}],"values":{}}`
	if got != want {
		t.Errorf("config:\n got %s\nwant %s", got, want)
	}
}

// TestMigrate: a definition not yet migrated has its scripts copied into
// actions and its setVariable pluralized; a migrated one has them dropped.
func TestMigrate(t *testing.T) {
	fresh := configOf(t, `kind: ZarfPackageConfig
metadata: {name: pkg}
components:
- name: c
  scripts: {retry: true, timeoutSeconds: 5, prepare: [make], before: [pre], after: [post]}
  actions: {onRemove: {before: [{cmd: x, setVariable: V}]}}
`)
	for _, want := range []string{
		`"scripts":{"timeoutSeconds":5,"retry":true,"prepare":["make"],"before":["pre"],"after":["post"]}`,
		`"onCreate":{"defaults":{"mute":true,"maxTotalSeconds":5,"maxRetries":10000,"shell":{}},"before":[{"cmd":"make"}]}`,
		`"onDeploy":{"defaults":{"mute":true,"maxTotalSeconds":5,"maxRetries":10000,"shell":{}},"before":[{"cmd":"pre"}],"after":[{"cmd":"post"}]}`,
		`"before":[{"cmd":"x","setVariable":"V","setVariables":[{"name":"V"}]}]`,
	} {
		if !strings.Contains(fresh, want) {
			t.Errorf("unmigrated: missing %s in\n%s", want, fresh)
		}
	}
	done := configOf(t, `kind: ZarfPackageConfig
metadata: {name: pkg}
build: {migrations: [scripts-to-actions, pluralize-set-variable]}
components:
- name: c
  scripts: {before: [pre]}
  actions: {onRemove: {before: [{cmd: x, setVariable: V}]}}
`)
	if strings.Contains(done, "pre") || strings.Contains(done, "setVariable") {
		t.Errorf("migrated: scripts or setVariable kept:\n%s", done)
	}
}

// TestMigrateRestoresMetadataAnnotations: "metadata.<field>" annotations
// fill empty fields and are dropped; others stay; none left means none.
func TestMigrateRestoresMetadataAnnotations(t *testing.T) {
	got := configOf(t, `kind: ZarfPackageConfig
metadata:
  name: pkg
  vendor: v
  annotations: {metadata.url: u, metadata.vendor: ignored, metadata.other: kept}
components: []
`)
	if !strings.Contains(got, `"metadata":{"name":"pkg","url":"u","vendor":"v","annotations":{"metadata.other":"kept"}}`) {
		t.Errorf("metadata: %s", got)
	}
	got = configOf(t, "kind: ZarfPackageConfig\nmetadata: {name: pkg, annotations: {metadata.url: u}}\ncomponents: []\n")
	if !strings.Contains(got, `"metadata":{"name":"pkg","url":"u"}`) {
		t.Errorf("metadata: %s", got)
	}
}
