package journey

import (
	"strings"
	"testing"
)

// FuzzParseReference checks that any string either parses into a reference
// that keeps its registry, repository and tag or digest, or is refused with
// an error; never a panic, never a reference without a tag or digest.
func FuzzParseReference(f *testing.F) {
	for _, s := range []string{
		"oci://registry.example.com/team/demo:1.0.0",
		"oci://localhost:5000/demo@sha256:d9256f27c2e6c633855522d2529a309515dc66492252fe451996d11ed1eae25e",
		"oci://127.0.0.1:5000/a/b/c:0.2.0-upstream",
		"registry.example.com/team/demo:1.0.0",
		"oci://Registry/Team:1",
		"oci://",
		"oci://host/demo",
		"oci://host/de mo:1",
		"oci://[::1]:5000/x:y",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := ParseReference(s)
		if err != nil {
			return
		}
		if !strings.HasPrefix(s, "oci://") {
			t.Fatalf("%q parsed without the oci:// scheme", s)
		}
		if ref.Identifier() == "" || ref.Context().RepositoryStr() == "" {
			t.Fatalf("%q parsed into %q without a repository or identifier", s, ref)
		}
		if _, err := ParseRepository("oci://" + ref.Context().String()); err != nil {
			t.Fatalf("repository of %q does not parse back: %v", s, err)
		}
	})
}
