package signature

import (
	"bytes"
	"testing"
)

// FuzzMarkSigned: whatever zarf.yaml comes in, MarkSigned either refuses it
// or returns one that is signed and that a second marking leaves alone
// (checkMarked already proves nothing else changed).
func FuzzMarkSigned(f *testing.F) {
	f.Add(readTestdata(f, "unsigned-zarf.yaml"))
	f.Add(readTestdata(f, "signed-zarf.yaml"))
	f.Add([]byte(alpha + comps + "---\n" + beta + "  aggregateChecksum: abc\n" + comps))
	f.Add([]byte(alpha + "  provenanceFiles:\n    - checksums.txt\n\n  signed: false\n"))
	f.Add([]byte("kind: x\nbuild:\n  signed: false # comment\n  provenanceFiles: []\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := MarkSigned(in)
		if err != nil {
			return
		}
		if signed, err := IsSigned(Package{ZarfYAML: out}); err != nil || !signed {
			t.Fatalf("marked but IsSigned = %v, %v:\n%s", signed, err, out)
		}
		again, err := MarkSigned(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("second marking: %v\n%s\nthen\n%s", err, out, again)
		}
	})
}
