package signature

import (
	"bytes"
	"errors"
	"strings"
)

// rank orders the build fields that signing writes, as both Zarf schemas
// declare them: signed, versionRequirements, provenanceFiles, then (v1beta1
// only) aggregateChecksum. A new field goes before the first field of a
// higher rank, so it lands where Zarf's marshaller would put it. Other
// fields rank 0: Zarf declares them all before signed.
func rank(key string) int {
	switch key {
	case "signed":
		return 1
	case "versionRequirements":
		return 2
	case "provenanceFiles":
		return 3
	case "aggregateChecksum":
		return 4
	}
	return 0
}

// field is one key of the build block with the lines of its value.
type field struct {
	key   string
	lines []string
}

// block is a top-level "build:" mapping in block style, cut into fields.
type block struct {
	head   []string // "build:" and any lines before the first field
	fields []field
	indent string
}

// markDoc edits one document's build block; cur is what it parsed to.
func markDoc(doc []byte, cur *build) ([]byte, error) {
	if cur == nil {
		cur = &build{}
	}
	lines := splitLines(string(doc))
	start, end := findBuild(lines)
	if start < 0 {
		return nil, errors.New("zarf.yaml: no build block to mark as signed")
	}
	if !strings.HasSuffix(lines[end-1], "\n") {
		lines[end-1] += "\n" // the file ends inside the block: fields go after it
	}
	blk := parseBlock(lines[start:end])
	if cur.Signed == nil || !*cur.Signed {
		blk.set("signed", []string{blk.indent + "signed: true\n"})
	}
	if !hasRequirement(cur.VersionRequirements) {
		blk.appendItem("versionRequirements", []string{"- version: " + BundleVersionRequirement + "\n", "  reason: " + BundleVersionReason + "\n"})
	}
	if !contains(cur.ProvenanceFiles, BundleFile) {
		blk.appendItem("provenanceFiles", []string{"- " + BundleFile + "\n"})
	}
	var out bytes.Buffer
	for _, l := range lines[:start] {
		out.WriteString(l)
	}
	blk.write(&out)
	for _, l := range lines[end:] {
		out.WriteString(l)
	}
	return out.Bytes(), nil
}

// findBuild returns the lines [start, end) of the top-level "build:" block.
func findBuild(lines []string) (int, int) {
	start := -1
	for i, l := range lines {
		if strings.TrimRight(l, " \t\r\n") == "build:" {
			start = i
			break
		}
	}
	if start < 0 {
		return -1, -1
	}
	end := start + 1
	for end < len(lines) {
		l := lines[end]
		if strings.TrimSpace(l) != "" && l[0] != ' ' {
			break
		}
		end++
	}
	return start, end
}

func parseBlock(lines []string) *block {
	blk := &block{indent: "  "}
	for _, l := range lines[1:] {
		if t := strings.TrimLeft(l, " "); t != "" && t != "\n" {
			blk.indent = l[:len(l)-len(t)]
			break
		}
	}
	blk.head = []string{lines[0]}
	for _, l := range lines[1:] {
		if key, ok := fieldKey(l, blk.indent); ok {
			blk.fields = append(blk.fields, field{key: key, lines: []string{l}})
			continue
		}
		if len(blk.fields) == 0 {
			blk.head = append(blk.head, l)
			continue
		}
		last := &blk.fields[len(blk.fields)-1]
		last.lines = append(last.lines, l)
	}
	return blk
}

// fieldKey recognises "<indent>key:" or "<indent>key: value".
func fieldKey(l, indent string) (string, bool) {
	if !strings.HasPrefix(l, indent) {
		return "", false
	}
	rest := l[len(indent):]
	if rest == "" || rest[0] == ' ' || rest[0] == '-' || rest[0] == '#' {
		return "", false
	}
	i := strings.Index(rest, ":")
	if i <= 0 {
		return "", false
	}
	return rest[:i], true
}

func (b *block) find(key string) int {
	for i, f := range b.fields {
		if f.key == key {
			return i
		}
	}
	return -1
}

// set replaces a field, or inserts it at its rank.
func (b *block) set(key string, lines []string) {
	if i := b.find(key); i >= 0 {
		b.fields[i].lines = lines
		return
	}
	at := len(b.fields)
	for i, f := range b.fields {
		if rank(f.key) > rank(key) {
			at = i
			break
		}
	}
	b.fields = append(b.fields[:at], append([]field{{key: key, lines: lines}}, b.fields[at:]...)...)
}

// appendItem appends one item to a block sequence field, creating the field
// if needed. Items take the indentation of the field's existing items (Zarf
// writes them at the key's own indentation).
func (b *block) appendItem(key string, item []string) {
	i := b.find(key)
	if i < 0 {
		b.set(key, indentAll(append([]string{key + ":\n"}, item...), b.indent))
		return
	}
	f := &b.fields[i]
	ind := b.indent
	for _, l := range f.lines[1:] {
		if t := strings.TrimLeft(l, " "); strings.HasPrefix(t, "-") {
			ind = l[:len(l)-len(t)]
			break
		}
	}
	// Items go after the last non-blank line, so trailing blank lines stay
	// at the end of the field.
	at := len(f.lines)
	for at > 1 && strings.TrimSpace(f.lines[at-1]) == "" {
		at--
	}
	rest := append(indentAll(item, ind), f.lines[at:]...)
	f.lines = append(f.lines[:at:at], rest...)
}

func (b *block) write(out *bytes.Buffer) {
	for _, l := range b.head {
		out.WriteString(l)
	}
	for _, f := range b.fields {
		for _, l := range f.lines {
			out.WriteString(l)
		}
	}
}

func indentAll(lines []string, ind string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = ind + l
	}
	return out
}

// splitLines splits s after each newline, keeping the newlines.
func splitLines(s string) []string {
	var out []string
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}

func hasRequirement(reqs []versionRequirement) bool {
	for _, r := range reqs {
		if r.Version == BundleVersionRequirement && r.Reason == BundleVersionReason {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
