package definition

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	yamlnode "go.yaml.in/yaml/v3"
)

const bombHead = "kind: ZarfPackageConfig\nmetadata: {name: bomb}\n"

// bombs are documents that are small on disk and huge once their aliases
// are expanded. Each one, unchecked, is a valid package: Parse used to
// accept it after building the whole expansion in memory.
var bombs = map[string]string{
	// One long anchored string, referenced 8,192 times: 16 MiB expanded
	// from 43 kB. go-yaml's alias ratio check counts nodes, not bytes, so it
	// lets this through; the 1.6 MB original reached hundreds of GB.
	"long string": bombHead + "s: &s " + strings.Repeat("x", 2<<10) + "\nx: [" + strings.Repeat("*s,", 8191) + "*s]\n",
	// The same through merge keys: each item merges a 64-key map.
	"merge keys": bombHead + "m: &m {" + mapOf(64) + "}\nx:\n" + strings.Repeat("- {<<: *m, k: v}\n", 4096),
	// The classic billion laughs: nine levels of ten.
	"nested": bombHead + laughs(9),
}

func mapOf(n int) string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "k" + strings.Repeat("0", i) + ": " + strings.Repeat("v", 64)
	}
	return strings.Join(keys, ", ")
}

func laughs(levels int) string {
	var b strings.Builder
	b.WriteString("l0: &l0 [lol]\n")
	for i := 1; i <= levels; i++ {
		prev := "*l" + string(rune('0'+i-1))
		b.WriteString("l" + string(rune('0'+i)) + ": &l" + string(rune('0'+i)) + " [" + strings.Repeat(prev+",", 9) + prev + "]\n")
	}
	return b.String()
}

// allocated returns the bytes allocated while f ran: a count of work, not a
// clock, so the test cannot flake on a loaded machine.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestParseRefusesAliasBombs: a definition whose aliases expand past
// MaxAliasExpansion is refused before it is expanded, allocating a few times
// its own size. Before the check, "long string" and "merge keys" were
// accepted after allocating hundreds of MB.
func TestParseRefusesAliasBombs(t *testing.T) {
	for name, doc := range bombs {
		t.Run(name, func(t *testing.T) {
			var err error
			b := []byte(doc)
			alloc := allocated(func() { _, err = Parse(b) })
			t.Logf("%d bytes on disk, %d bytes allocated: %v", len(doc), alloc, err)
			if !errors.Is(err, ErrAliasExpansion) {
				t.Fatalf("err = %v, want ErrAliasExpansion", err)
			}
			if limit := uint64(len(doc))*200 + 4<<20; alloc > limit {
				t.Errorf("allocated %d bytes refusing a %d byte document, want under %d", alloc, len(doc), limit)
			}
		})
	}
}

// TestParseRefusesSelfAlias: an alias inside its own anchor is a cycle.
func TestParseRefusesSelfAlias(t *testing.T) {
	for _, doc := range []string{
		bombHead + "a: &a [x, *a]\n",
		"kind: ZarfPackageConfig\nmetadata: &m {name: a, again: *m}\n",
	} {
		if _, err := Parse([]byte(doc)); !errors.Is(err, ErrAliasExpansion) {
			t.Errorf("%q: err = %v, want ErrAliasExpansion", doc, err)
		}
	}
}

// TestParseKeepsModestAliases: a hand-written source that shares blocks
// through anchors still parses, aliases expanded, up to the limit.
func TestParseKeepsModestAliases(t *testing.T) {
	doc := `kind: ZarfPackageConfig
metadata: {name: anchored, version: 1.0.0}
x-common: &common
  required: true
  images: [a:1, b:2]
components:
  - {name: one, <<: *common}
  - <<: *common
    name: two
`
	p, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Components {
		if !c.IsRequired(p.APIVersion) || len(c.ImageRefs()) != 2 {
			t.Errorf("component %s: required %v images %v, want the anchored block", c.Name, c.IsRequired(p.APIVersion), c.ImageRefs())
		}
	}
	// Just under the limit: 448 aliases of a 2 KiB string add ~0.9 MiB.
	under := bombHead + "s: &s " + strings.Repeat("x", 2<<10) + "\nx: [" + strings.Repeat("*s,", 447) + "*s]\n"
	if _, err := Parse([]byte(under)); err != nil {
		t.Errorf("an expansion under MaxAliasExpansion: %v", err)
	}
	over := bombHead + "s: &s " + strings.Repeat("x", 2<<10) + "\nx: [" + strings.Repeat("*s,", 600) + "*s]\n"
	if _, err := Parse([]byte(over)); !errors.Is(err, ErrAliasExpansion) {
		t.Errorf("an expansion over MaxAliasExpansion: %v", err)
	}
}

// TestParseRefusesTooManyNodes: node count, not bytes, drives the parser's
// memory (about 200 bytes a node). Half a megabyte of "1," is refused before it
// is parsed; it used to be accepted after allocating 64 MB.
func TestParseRefusesTooManyNodes(t *testing.T) {
	doc := bombHead + "x: [" + strings.Repeat("1,", MaxSeparators) + "1]\n"
	var err error
	b := []byte(doc)
	alloc := allocated(func() { _, err = Parse(b) })
	t.Logf("%d bytes, %d allocated: %v", len(doc), alloc, err)
	if !errors.Is(err, ErrTooManyNodes) {
		t.Fatalf("err = %v, want ErrTooManyNodes", err)
	}
	if alloc > 64<<10 {
		t.Errorf("allocated %d bytes to refuse", alloc)
	}
	// At the limit, the document goes on to the parser (not run here: it
	// takes seconds).
	ok := bombHead + "x: [" + strings.Repeat("1,", MaxSeparators-countSeparators([]byte(bombHead+"x: [1]\n"))) + "1]\n"
	if err := checkNodes([]byte(ok)); err != nil {
		t.Errorf("a document at the limit: %v", err)
	}
}

// TestCountSeparatorsBoundsNodes checks the claim that makes the count a
// bound: a document has at most 2n+1 nodes for n separators.
func TestCountSeparatorsBoundsNodes(t *testing.T) {
	for _, doc := range []string{
		"a", "a: b", "a:\nb:\nc:\n", "{a, b, c}", "- - - x", "[[[[]]]]", "a:\n  b:\n    c: d\n",
		"? a\n: b\n", "k: |\n  line\n  line\n", "[a, {b: c}, [d]]",
	} {
		n, err := nodeCount([]byte(doc))
		if err != nil {
			t.Fatalf("%q: %v", doc, err)
		}
		if s := countSeparators([]byte(doc)); n > 2*s+1 {
			t.Errorf("%q: %d nodes for %d separators", doc, n, s)
		}
	}
}

// nodeCount counts the nodes of the first document, aliases as one each.
func nodeCount(data []byte) (int, error) {
	var root yamlnode.Node
	if err := yamlnode.Unmarshal(data, &root); err != nil {
		return 0, err
	}
	var count func(n *yamlnode.Node) int
	count = func(n *yamlnode.Node) int {
		c := 1
		for _, k := range n.Content {
			c += count(k)
		}
		return c
	}
	return count(&root) - 1, nil // the document node is no value
}
