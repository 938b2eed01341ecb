package layouttest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// timestamp is build.timestamp, fixed so that packages are reproducible.
const timestamp = "Wed, 01 Jan 2025 00:00:00 +0000"

// zarfYAML writes the definition as the Zarf CLI does after create: the
// metadata, the build block and the components.
func zarfYAML(s Spec, aggregate string) string {
	var b strings.Builder
	beta := s.APIVersion == "v1beta1"
	kind := "ZarfPackageConfig"
	if s.Init {
		kind = "ZarfInitConfig"
	}
	if beta {
		b.WriteString("apiVersion: zarf.dev/v1beta1\n")
	}
	fmt.Fprintf(&b, "kind: %s\nmetadata:\n", kind)
	field(&b, "  ", "name", s.Name)
	field(&b, "  ", "description", s.Description)
	field(&b, "  ", "version", s.Version)
	if s.Uncompressed {
		b.WriteString("  uncompressed: true\n")
	}
	field(&b, "  ", "architecture", s.Arch)
	if !beta {
		field(&b, "  ", "aggregateChecksum", aggregate)
	}
	b.WriteString("build:\n")
	field(&b, "  ", "terminal", "layouttest")
	field(&b, "  ", "user", "layouttest")
	field(&b, "  ", "architecture", s.Arch)
	field(&b, "  ", "timestamp", timestamp)
	field(&b, "  ", "version", "v0.84.0")
	field(&b, "  ", "flavor", s.Flavor)
	if beta {
		field(&b, "  ", "aggregateChecksum", aggregate)
	}
	writeComponents(&b, s, beta)
	return b.String()
}

// field writes key: value, quoted so that any value stays a string (an
// unquoted 1.0 would be a number); empty values are left out.
func field(b *strings.Builder, indent, key, value string) {
	if value != "" {
		fmt.Fprintf(b, "%s%s: %s\n", indent, key, strconv.Quote(value))
	}
}

func writeComponents(b *strings.Builder, s Spec, beta bool) {
	comps := components(s)
	if len(comps) == 0 {
		b.WriteString("components: []\n")
		return
	}
	b.WriteString("components:\n")
	for _, c := range comps {
		fmt.Fprintf(b, "- name: %s\n", strconv.Quote(c.Name))
		switch {
		case beta && c.Optional:
			b.WriteString("  optional: true\n")
		case !beta && !c.Optional:
			b.WriteString("  required: true\n")
		}
		if len(c.Images) > 0 {
			b.WriteString("  images:\n")
			for _, img := range c.Images {
				fmt.Fprintf(b, "  - %s\n", strconv.Quote(img))
			}
		}
	}
}

// components is Spec.Components plus one required component per
// components/<name>.tar file not already listed.
func components(s Spec) []Component {
	comps := slices.Clone(s.Components)
	var derived []string
	for p := range s.Files {
		name, ok := strings.CutPrefix(p, "components/")
		if !ok || !strings.HasSuffix(name, ".tar") || strings.Contains(name, "/") {
			continue
		}
		name = strings.TrimSuffix(name, ".tar")
		if !slices.ContainsFunc(comps, func(c Component) bool { return c.Name == name }) {
			derived = append(derived, name)
		}
	}
	slices.Sort(derived)
	for _, name := range derived {
		comps = append(comps, Component{Name: name})
	}
	return comps
}
