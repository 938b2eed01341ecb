package journey

import (
	"fmt"
	"regexp"

	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/manifest"
)

// packageName is Zarf's rule for metadata.name (its schema's pattern): the
// name becomes a repository path element and a file name, so anything
// else is refused before it reaches either.
var packageName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

func checkName(name string) error {
	if !packageName.MatchString(name) {
		return fmt.Errorf("zarf.yaml: metadata.name %q is not a valid Zarf package name (lowercase letters, digits and '-', starting with a letter or digit)", name)
	}
	return nil
}

// checkTitles refuses layers whose titles could not be written into a
// package on disk: missing, unsafe (absolute, .., control characters) or
// given twice. Pull finds these when it writes; copy must find them
// before it tags anything.
func checkTitles(layers []manifest.Layer) error {
	seen := map[string]bool{}
	for _, l := range layers {
		if err := layout.CheckPath(l.Title); err != nil {
			return fmt.Errorf("layer %s has an invalid title %q: %w", l.Digest, l.Title, err)
		}
		if seen[l.Title] {
			return fmt.Errorf("two layers have the title %q", l.Title)
		}
		seen[l.Title] = true
	}
	return nil
}
