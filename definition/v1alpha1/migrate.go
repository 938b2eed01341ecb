package v1alpha1

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	goyaml "github.com/goccy/go-yaml"
)

// The migrations Zarf records in build.migrations once it has run them.
const (
	MigrationScriptsToActions = "scripts-to-actions"
	MigrationPluralizeSetVar  = "pluralize-set-variable"

	// legacyScriptsMaxRetries caps a migrated "retry: true" (which meant
	// retry forever) as Zarf does.
	legacyScriptsMaxRetries = 10000
)

// Decode reads a definition from its JSON form (definition.Package.JSON),
// as Zarf reads zarf.yaml into its types: unknown fields are dropped, and
// numbers inside free-form values keep their text.
func Decode(doc []byte) (*Package, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var p Package
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("reading the definition as Zarf's v1alpha1 types: %w", err)
	}
	return &p, nil
}

// Migrate applies what Zarf applies every time it loads a v1alpha1
// definition, publish included: deprecated scripts become actions (or are
// dropped once migrated), a single setVariable becomes setVariables (or is
// dropped once pluralized), and build.migrations lists both. Then what the
// round trip through Zarf's version-neutral model does: "metadata.<field>"
// annotations (v1beta1's home for url, image, authors, documentation,
// source and vendor) fill those fields when empty and are dropped.
func (p *Package) Migrate() {
	if p.Kind == "" {
		p.Kind = "ZarfPackageConfig"
	}
	p.Metadata.restoreLegacyAnnotations()
	scriptsDone := slices.Contains(p.Build.Migrations, MigrationScriptsToActions)
	setVarDone := slices.Contains(p.Build.Migrations, MigrationPluralizeSetVar)
	for i := range p.Components {
		c := &p.Components[i]
		if scriptsDone {
			c.DeprecatedScripts = DeprecatedScripts{}
		} else {
			c.migrateScripts()
		}
		for _, set := range []*ActionSet{&c.Actions.OnCreate, &c.Actions.OnDeploy, &c.Actions.OnRemove} {
			for _, list := range [][]Action{set.Before, set.After, set.OnSuccess, set.OnFailure} {
				for j := range list {
					migrateSetVariable(&list[j], setVarDone)
				}
			}
		}
	}
	p.Build.Migrations = []string{MigrationScriptsToActions, MigrationPluralizeSetVar}
}

// LegacyAnnotationPrefix marks the metadata fields that v1beta1 keeps as
// annotations: "metadata.url" and so on.
const LegacyAnnotationPrefix = "metadata."

func (m *Metadata) restoreLegacyAnnotations() {
	if m.Annotations == nil {
		return
	}
	fields := map[string]*string{
		"url": &m.URL, "image": &m.Image, "authors": &m.Authors,
		"documentation": &m.Documentation, "source": &m.Source, "vendor": &m.Vendor,
	}
	kept := make(map[string]string, len(m.Annotations))
	for k, v := range m.Annotations {
		name, legacy := strings.CutPrefix(k, LegacyAnnotationPrefix)
		if f, ok := fields[name]; legacy && ok {
			if *f == "" {
				*f = v
			}
			continue
		}
		kept[k] = v
	}
	m.Annotations = nil
	if len(kept) > 0 {
		m.Annotations = kept
	}
}

// migrateScripts turns scripts into actions, leaving the scripts in place
// as Zarf does.
func (c *Component) migrateScripts() {
	s := c.DeprecatedScripts
	defaults := ActionDefaults{Mute: !s.ShowOutput, MaxTotalSeconds: s.TimeoutSeconds}
	if s.Retry {
		defaults.MaxRetries = legacyScriptsMaxRetries
	}
	add := func(set *ActionSet, list *[]Action, cmds []string) {
		if len(cmds) == 0 {
			return
		}
		set.Defaults = defaults
		for _, cmd := range cmds {
			*list = append(*list, Action{Cmd: cmd})
		}
	}
	add(&c.Actions.OnCreate, &c.Actions.OnCreate.Before, s.Prepare)
	add(&c.Actions.OnDeploy, &c.Actions.OnDeploy.Before, s.Before)
	add(&c.Actions.OnDeploy, &c.Actions.OnDeploy.After, s.After)
}

func migrateSetVariable(a *Action, done bool) {
	switch {
	case done:
		a.DeprecatedSetVariable = ""
	case a.DeprecatedSetVariable != "" && len(a.SetVariables) == 0:
		a.SetVariables = []Variable{{Name: a.DeprecatedSetVariable}}
	}
}

// ConfigFromYAML is the config blob Zarf publishes for a zarf.yaml: read
// with goccy/go-yaml into Zarf's types, as Zarf reads it (YAML 1.2, the
// first document), migrated, and marshaled with encoding/json (which, like
// Zarf's, escapes <, > and & in strings). The caller bounds the input's
// size and aliases first (definition.CheckBounds).
func ConfigFromYAML(raw []byte) ([]byte, error) {
	var p Package
	if err := goyaml.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("reading the definition as Zarf's v1alpha1 types: %w", err)
	}
	p.Migrate()
	return json.Marshal(&p)
}

// Config is ConfigFromYAML for a definition already turned into JSON (by
// definition.Parse, YAML 1.1): the same bytes unless the YAML holds
// something the two YAML versions read differently.
func Config(doc []byte) ([]byte, error) {
	p, err := Decode(doc)
	if err != nil {
		return nil, err
	}
	p.Migrate()
	return json.Marshal(p)
}
