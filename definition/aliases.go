package definition

import (
	"errors"
	"fmt"

	yamlnode "go.yaml.in/yaml/v3"
)

// MaxAliasExpansion caps what YAML aliases may add to a definition once
// expanded, counted in estimated bytes of the expanded document.
//
// Why a bound rather than refusing aliases: a built package's zarf.yaml is
// machine-written and never holds one, but a package source (what a skeleton
// publish reads) is written by hand, and anchors there are legitimate and
// small. A "billion laughs" document is tiny on disk yet expands, in the
// YAML-to-JSON conversion, to far more than memory: a 1.6 MB zarf.yaml
// reached hundreds of GB. go-yaml's own alias ratio check does not stop it
// because it counts nodes, not bytes: one long anchored string referenced
// many times stays under the ratio. A hand-written definition's aliases add
// kilobytes; a mebibyte is far above that and keeps the conversion's peak
// memory in the tens of megabytes.
const MaxAliasExpansion = 1 << 20

// nodeWeight is what each node costs beyond its text in the estimate, so
// that an expansion made of many empty nodes (each one a map or interface in
// memory) is not counted as free.
const nodeWeight = 16

// MaxSeparators caps the bytes of a definition that can start a YAML node
// (see countSeparators), and so its nodes: there are at most twice as many
// nodes as separators, plus one. Parsing costs about 200 bytes of memory per
// node whatever the text, so a 16 MiB file of "1,1,1,…" would take gigabytes.
// 2^18 separators peak at 56 to 90 MB RSS (measured: dense flow sequences,
// flow maps of nulls, an alias bomb refused), and are 500 times what the
// largest definition among Zarf v0.84's own packages and examples holds.
const MaxSeparators = 1 << 18

// ErrTooManyNodes reports a definition over MaxSeparators.
var ErrTooManyNodes = errors.New("too many YAML nodes")

// countSeparators counts the bytes that can begin a node: line breaks, flow
// indicators, commas, sequence dashes and mapping indicators. Every
// collection owns at least one of them, and every scalar but the first
// follows one (shared at most with the collection it opens), so a document
// has at most 2n+1 nodes. A dash or colon inside a scalar is counted too:
// the count errs high, never low, in a single pass.
func countSeparators(data []byte) int {
	n := 0
	for _, c := range data {
		switch c {
		case '\n', ',', '[', '{', ':', '-', '?':
			n++
		}
	}
	return n
}

// checkNodes refuses a document that may hold too many nodes to parse.
func checkNodes(data []byte) error {
	if n := countSeparators(data); n > MaxSeparators {
		return fmt.Errorf("zarf.yaml: %w: %d separators, over the limit of %d", ErrTooManyNodes, n, MaxSeparators)
	}
	return nil
}

// ErrAliasExpansion reports a definition whose aliases expand past
// MaxAliasExpansion, or an anchor that contains an alias to itself.
var ErrAliasExpansion = errors.New("YAML aliases expand too far")

// checkAliases parses data into a node tree, where an alias is a pointer to
// its anchor and nothing is expanded, and measures what expansion would add.
// The measure is linear in the size of the tree: each node's expanded size is
// computed once and reused by every alias to it.
func checkAliases(data []byte) error {
	var root yamlnode.Node
	if err := yamlnode.Unmarshal(data, &root); err != nil {
		return fmt.Errorf("zarf.yaml does not parse: %w", err)
	}
	m := measurer{sizes: map[*yamlnode.Node]sizes{}, inWalk: map[*yamlnode.Node]bool{}}
	s, err := m.size(&root)
	if err != nil {
		return err
	}
	if extra := s.expanded - s.literal; extra > MaxAliasExpansion {
		return fmt.Errorf("zarf.yaml: %w: aliases add more than %d bytes (%d on disk)", ErrAliasExpansion, MaxAliasExpansion, len(data))
	}
	return nil
}

// measurer memoises the sizes of every node measured, so that each node is
// walked once however many aliases point at it or at an anchor around it.
type measurer struct {
	sizes  map[*yamlnode.Node]sizes
	inWalk map[*yamlnode.Node]bool // being measured: an alias to it is a cycle
}

type sizes struct{ expanded, literal int64 }

// limit saturates sizes far below int64 overflow; anything past it is refused.
const limit = 1 << 40

// size returns n's estimated size with aliases expanded, and as written.
func (m *measurer) size(n *yamlnode.Node) (sizes, error) {
	if n == nil {
		return sizes{}, nil
	}
	if s, ok := m.sizes[n]; ok {
		return s, nil
	}
	if m.inWalk[n] {
		return sizes{}, fmt.Errorf("zarf.yaml: %w: anchor %q contains an alias to itself", ErrAliasExpansion, n.Anchor)
	}
	m.inWalk[n] = true
	own := int64(len(n.Value)) + nodeWeight
	s := sizes{expanded: own, literal: own}
	if n.Kind == yamlnode.AliasNode {
		target, err := m.size(n.Alias)
		if err != nil {
			return sizes{}, err
		}
		s.expanded = target.expanded
	}
	for _, c := range n.Content {
		cs, err := m.size(c)
		if err != nil {
			return sizes{}, err
		}
		s.expanded, s.literal = min(s.expanded+cs.expanded, limit), min(s.literal+cs.literal, limit)
	}
	delete(m.inWalk, n)
	m.sizes[n] = s
	return s, nil
}
