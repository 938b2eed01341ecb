package signature

import (
	"bytes"
	"strings"
	"testing"
)

// TestMarkSignedLikeZarf: the unsigned fixture marked as signed is, byte for
// byte, the zarf.yaml that `zarf package sign` wrote; marking again changes
// nothing.
func TestMarkSignedLikeZarf(t *testing.T) {
	want := readTestdata(t, "signed-zarf.yaml")
	got, err := MarkSigned(readTestdata(t, "unsigned-zarf.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	again, err := MarkSigned(want)
	if err != nil || !bytes.Equal(again, want) {
		t.Errorf("marking a signed zarf.yaml again: %v\n%s", err, again)
	}
}

const (
	req   = "  versionRequirements:\n  - version: v0.71.0\n    reason: This package contains a bundle format signature which requires Zarf v0.71.0 or later\n"
	alpha = "apiVersion: zarf.dev/v1alpha1\nkind: ZarfPackageConfig\nmetadata:\n  name: p\nbuild:\n  architecture: amd64\n"
	beta  = "apiVersion: zarf.dev/v1beta1\nkind: ZarfPackageConfig\nmetadata:\n  name: p\nbuild:\n  architecture: amd64\n  version: v0.0.0\n"
	comps = "components:\n- name: c\n"
)

func TestMarkSignedLayouts(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{
			// Packages made before build.signed and provenanceFiles existed
			// (legacy zarf.yaml.sig): Zarf adds the three fields.
			"no signing fields",
			alpha + "  flavor: x\n" + comps,
			alpha + "  flavor: x\n  signed: true\n" + req + "  provenanceFiles:\n  - zarf.bundle.sig\n" + comps,
		},
		{
			// v1beta1 keeps aggregateChecksum after provenanceFiles; Zarf writes
			// both documents and marks both.
			"v1beta1 multi-document",
			alpha + comps + "---\n" + beta + "  aggregateChecksum: abc\n" + comps,
			alpha + "  signed: true\n" + req + "  provenanceFiles:\n  - zarf.bundle.sig\n" + comps + "---\n" +
				beta + "  signed: true\n" + req + "  provenanceFiles:\n  - zarf.bundle.sig\n  aggregateChecksum: abc\n" + comps,
		},
		{
			"indented sequences keep their indentation",
			alpha + "  signed: false\n  provenanceFiles:\n    - checksums.txt\n" + comps,
			alpha + "  signed: true\n" + req + "  provenanceFiles:\n    - checksums.txt\n    - zarf.bundle.sig\n" + comps,
		},
		{
			"another version requirement is kept",
			alpha + "  versionRequirements:\n  - version: v0.60.0\n    reason: other\n" + comps,
			alpha + "  signed: true\n  versionRequirements:\n  - version: v0.60.0\n    reason: other\n  - version: v0.71.0\n    reason: This package contains a bundle format signature which requires Zarf v0.71.0 or later\n  provenanceFiles:\n  - zarf.bundle.sig\n" + comps,
		},
		{
			"build block last, no final newline",
			alpha + "  flavor: x",
			alpha + "  flavor: x\n  signed: true\n" + req + "  provenanceFiles:\n  - zarf.bundle.sig\n",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := MarkSigned([]byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
			if signed, err := IsSigned(Package{ZarfYAML: got}); err != nil || !signed {
				t.Errorf("IsSigned = %v, %v", signed, err)
			}
		})
	}
}

// TestMarkSignedRefuses: a layout that cannot be edited in place is an
// error, never a silently different zarf.yaml.
func TestMarkSignedRefuses(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"flow-style build", "kind: ZarfPackageConfig\nbuild: {architecture: amd64}\n", "no build block"},
		{"flow-style list", alpha + "  provenanceFiles: [checksums.txt]\n", "cannot be marked as signed in place"},
		{"no build", "kind: ZarfPackageConfig\nmetadata:\n  name: p\n", "no build block"},
		{"not YAML", "kind: [\n", "parsing zarf.yaml"},
		{"empty", "", "no package definition"},
	}
	for _, c := range cases {
		_, err := MarkSigned([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

// TestReadBuildPrefersV1beta1: like Zarf, the v1beta1 document decides.
func TestReadBuildPrefersV1beta1(t *testing.T) {
	y := alpha + "  signed: false\n" + comps + "---\n" + beta + "  signed: true\n" + comps
	if signed, err := IsSigned(Package{ZarfYAML: []byte(y)}); err != nil || !signed {
		t.Errorf("IsSigned = %v, %v; want the v1beta1 document's true", signed, err)
	}
}
