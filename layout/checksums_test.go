package layout

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/definition"
)

var (
	hexA = strings.Repeat("a", 64)
	hexB = strings.Repeat("b", 64)
)

func TestParseChecksums(t *testing.T) {
	cases := []struct {
		name, in string
		want     map[string]string
		err      string
	}{
		{"zarf empty package", "\n", map[string]string{}, ""},
		{"empty", "", map[string]string{}, ""},
		{"two lines", hexA + " components/a.tar\n" + hexB + " images/index.json\n",
			map[string]string{"components/a.tar": hexA, "images/index.json": hexB}, ""},
		{"no final newline", hexA + " a", map[string]string{"a": hexA}, ""},
		{"space in path", hexA + " a b", map[string]string{"a b": hexA}, ""},
		{"empty line", hexA + " a\n\n" + hexB + " b\n", nil, `line 2 "": empty line`},
		{"no path", hexA + "\n", nil, `want "<sha256> <path>"`},
		{"upper hex", strings.ToUpper(hexA) + " a\n", nil, "not 64 lowercase hex"},
		{"short hex", "abc a\n", nil, "not 64 lowercase hex"},
		{"two spaces", hexA + "  a\n", nil, "path starts or ends with a space"},
		{"dot dot", hexA + " ../a\n", nil, "path leaves the package"},
		{"absolute", hexA + " /a\n", nil, "absolute path"},
		{"backslash", hexA + ` a\b` + "\n", nil, "backslash"},
		{"dot element", hexA + " a/./b\n", nil, "not clean"},
		{"duplicate", hexA + " a\n" + hexB + " a\n", nil, "a is listed twice"},
		{"crlf", hexA + " a\r\n", nil, "CR line endings"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseChecksums([]byte(tc.in))
			if tc.want == nil {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || !maps.Equal(got, tc.want) {
				t.Fatalf("= %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestVerifyAggregate(t *testing.T) {
	sums := []byte(hexA + " a\n")
	right := sha256Hex(sums)
	cases := []struct {
		name, yaml string
		err        string
	}{
		{"v1alpha1", "metadata:\n  aggregateChecksum: " + right, ""},
		{"v1beta1", "apiVersion: zarf.dev/v1beta1\nbuild:\n  aggregateChecksum: " + right, ""},
		{"prefixed", "metadata:\n  aggregateChecksum: sha256:" + right, ""},
		{"wrong", "metadata:\n  aggregateChecksum: " + hexB, "checksums.txt: checksum mismatch: zarf.yaml's aggregateChecksum says sha256:" + hexB},
		{"missing", "metadata: {}", "zarf.yaml has no aggregateChecksum"},
		{"not a digest", "metadata:\n  aggregateChecksum: xyz", "is not a sha256 digest"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			def, err := definition.Parse([]byte("kind: ZarfPackageConfig\n" + strings.Replace(tc.yaml, "metadata:", "metadata:\n  name: x", 1) + "\n" + nameIfMissing(tc.yaml)))
			if err != nil {
				t.Fatal(err)
			}
			err = VerifyAggregate(def, sums)
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tc.err) && !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
			var ce *ChecksumError
			if tc.name == "wrong" && !errors.As(err, &ce) {
				t.Fatalf("err %T is not a *ChecksumError", err)
			}
		})
	}
}

func nameIfMissing(yaml string) string {
	if strings.Contains(yaml, "metadata:") {
		return ""
	}
	return "metadata:\n  name: x\n"
}

func TestFileName(t *testing.T) {
	cases := []struct {
		yaml   string
		format Format
		want   string
	}{
		{"kind: ZarfPackageConfig\nmetadata: {name: demo, version: 1.0.0, architecture: amd64}", FormatTarZst, "zarf-package-demo-amd64-1.0.0.tar.zst"},
		{"kind: ZarfPackageConfig\nmetadata: {name: flavored, version: 0.2.0, architecture: amd64}\nbuild: {flavor: upstream}", FormatTar, "zarf-package-flavored-amd64-0.2.0-upstream.tar"},
		{"kind: ZarfPackageConfig\nmetadata: {name: nover}\nbuild: {architecture: arm64}", FormatDir, "zarf-package-nover-arm64"},
		{"kind: ZarfInitConfig\nmetadata: {name: init, version: v0.84.0, architecture: amd64}", FormatTarZst, "zarf-init-amd64-v0.84.0.tar.zst"},
		{"kind: ZarfPackageConfig\nmetadata: {name: x, version: ../../etc, architecture: amd64}", FormatTar, "zarf-package-x-amd64-.._.._etc.tar"},
	}
	for _, tc := range cases {
		def, err := definition.Parse([]byte(tc.yaml))
		if err != nil {
			t.Fatal(err)
		}
		if got := FileName(def, tc.format); got != tc.want {
			t.Errorf("FileName = %q, want %q", got, tc.want)
		}
	}
}

func TestComparePaths(t *testing.T) {
	ordered := []string{"a", "a/b", "a/b/c", "a/c", "a-c", "b", "images/blobs/sha256/x", "images/index.json", "zarf.yaml"}
	for i := range ordered {
		for j := range ordered {
			got := comparePaths(ordered[i], ordered[j])
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got != want {
				t.Errorf("comparePaths(%q, %q) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
}

func TestParseSplitHeader(t *testing.T) {
	cases := []struct {
		name, in string
		err      string
	}{
		{"zarf v0.84", `{"Sha256Sum":"` + hexA + `","Bytes":3003794,"Count":4}`, ""},
		{"lower keys", `{"sha256Sum":"` + hexA + `","bytes":10,"count":1}`, ""},
		{"upper hex", `{"sha256Sum":"` + strings.ToUpper(hexA) + `","bytes":10,"count":1}`, ""},
		{"not json", `nope`, "not JSON"},
		{"bad sum", `{"sha256Sum":"xyz","bytes":10,"count":1}`, "not a sha256 digest"},
		{"zero bytes", `{"sha256Sum":"` + hexA + `","bytes":0,"count":1}`, "bytes is 0"},
		{"zero count", `{"sha256Sum":"` + hexA + `","bytes":10,"count":0}`, "count is 0"},
		{"too many", `{"sha256Sum":"` + hexA + `","bytes":10,"count":1000}`, "count is 1000"},
		{"negative", `{"sha256Sum":"` + hexA + `","bytes":-1,"count":1}`, "bytes is -1"},
		{"float", `{"sha256Sum":"` + hexA + `","bytes":1.5,"count":1}`, "not JSON"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, err := parseSplitHeader([]byte(tc.in))
			if tc.err == "" {
				if err != nil || h.Sha256Sum != hexA {
					t.Fatalf("= %+v, %v", h, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
		})
	}
}
