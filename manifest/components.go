package manifest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/docker-zarf/docker-zarf/definition"
)

// Layer titles of the OCI image layout inside a package.
const (
	TitleImagesIndex  = "images/index.json"
	TitleImagesLayout = "images/oci-layout"
)

// ComponentError reports component names that the package does not have.
type ComponentError struct {
	Unknown []string // the names asked for that are not in the package
	Known   []string // every component of the package, in definition order
}

func (e *ComponentError) Error() string {
	return fmt.Sprintf("no component %s in this package (components: %s)",
		strings.Join(e.Unknown, ", "), strings.Join(e.Known, ", "))
}

// SelectComponents resolves a component selection: the named components plus
// every required one (definition.Component.IsRequired), in definition order,
// each once. Blank names are ignored, so an empty selection gives the
// required components only. An unknown name gives *ComponentError.
func SelectComponents(def *definition.Package, names []string) ([]string, error) {
	if def == nil {
		return nil, errors.New("selecting components: no package definition")
	}
	want := make(map[string]bool, len(names))
	var unknown []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if _, ok := def.Component(n); !ok {
			unknown = append(unknown, n)
			continue
		}
		want[n] = true
	}
	if len(unknown) > 0 {
		return nil, &ComponentError{Unknown: unknown, Known: componentNames(def)}
	}
	var out []string
	seen := map[string]bool{}
	for _, c := range def.Components {
		if seen[c.Name] || !(want[c.Name] || c.IsRequired(def.APIVersion)) {
			continue
		}
		seen[c.Name] = true
		out = append(out, c.Name)
	}
	return out, nil
}

func componentNames(def *definition.Package) []string {
	names := make([]string, 0, len(def.Components))
	for _, c := range def.Components {
		names = append(names, c.Name)
	}
	return names
}

// ComponentTitles lists the layers that the components comps need, and the
// images they use (each once, in order). Titles are "components/<name>.tar"
// for each component, plus images/index.json and images/oci-layout when any
// image is used. A component without content has no tar, so the caller keeps
// only the titles the manifest has. The image blobs come from ImageBlobs.
// Names that def does not have are skipped: SelectComponents checks them.
func ComponentTitles(def *definition.Package, comps []string) (titles []string, imageRefs []string) {
	if def == nil {
		return nil, nil
	}
	seenTitle, seenRef := map[string]bool{}, map[string]bool{}
	for _, name := range comps {
		c, ok := def.Component(name)
		if !ok {
			continue
		}
		titles = appendOnce(titles, seenTitle, "components/"+name+".tar")
		for _, ref := range c.ImageRefs() {
			imageRefs = appendOnce(imageRefs, seenRef, ref)
		}
	}
	if len(imageRefs) > 0 {
		titles = append(titles, TitleImagesIndex, TitleImagesLayout)
	}
	return titles, imageRefs
}

// appendOnce appends s unless seen has it.
func appendOnce(list []string, seen map[string]bool, s string) []string {
	if seen[s] {
		return list
	}
	seen[s] = true
	return append(list, s)
}
