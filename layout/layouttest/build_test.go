package layouttest

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/definition"
)

func TestChecksumsAndDefinition(t *testing.T) {
	for _, api := range []string{"v1alpha1", "v1beta1"} {
		t.Run(api, func(t *testing.T) {
			dir := Build(t, t.TempDir(), Spec{
				Form: FormDir, APIVersion: api, Name: "demo", Version: "1.0", Flavor: "up",
				Components: []Component{{Name: "extra", Optional: true, Images: []string{"a:1"}}},
				Files: map[string]Content{
					"components/b.tar": String("b"), "components/a.tar": Zeros(10),
					"zarf.bundle.sig": String("sig"), "values.yaml": String("x: 1"),
				},
			})
			if filepath.Base(dir) != "zarf-package-demo-amd64-1.0-up" {
				t.Errorf("name %s", filepath.Base(dir))
			}
			sums := readFile(t, dir, "checksums.txt")
			line := regexp.MustCompile(`^[0-9a-f]{64} [a-z/.]+$`)
			lines := strings.Split(strings.TrimSuffix(sums, "\n"), "\n")
			if !strings.HasSuffix(sums, "\n") || !slices.IsSorted(lines) || len(lines) != 3 {
				t.Errorf("checksums.txt not like Zarf's:\n%s", sums)
			}
			for _, l := range lines {
				if !line.MatchString(l) || strings.Contains(l, "sig") {
					t.Errorf("bad line %q", l)
				}
			}
			def, err := definition.Parse([]byte(readFile(t, dir, "zarf.yaml")))
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256([]byte(sums))
			if def.AggregateChecksum() != hex.EncodeToString(sum[:]) {
				t.Errorf("aggregate %s, want sha256 of checksums.txt", def.AggregateChecksum())
			}
			if def.Metadata.Version != "1.0" || def.Flavor() != "up" || def.Architecture() != "amd64" {
				t.Errorf("metadata %+v build %+v", def.Metadata, def.Build)
			}
			var names []string
			for _, c := range def.Components {
				names = append(names, fmt.Sprintf("%s:%v", c.Name, c.IsRequired(def.APIVersion)))
			}
			if want := []string{"extra:false", "a:true", "b:true"}; !slices.Equal(names, want) {
				t.Errorf("components %v, want %v", names, want)
			}
		})
	}
}

func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestArchiveMembers(t *testing.T) {
	path := Build(t, t.TempDir(), Spec{Form: FormTar, Files: map[string]Content{
		"images/blobs/sha256/x": String("x"), "images/index.json": String("{}"), "components/a.tar": String("a"),
	}})
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []string
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(hdr.Typeflag)+" "+hdr.Name)
		if hdr.Uid != 0 || hdr.Uname != "" || hdr.ModTime.Unix() != 0 || hdr.Format != tar.FormatUSTAR {
			t.Errorf("%s not zeroed: %+v", hdr.Name, hdr)
		}
	}
	want := []string{"0 checksums.txt", "5 components", "0 components/a.tar", "5 images", "5 images/blobs",
		"5 images/blobs/sha256", "0 images/blobs/sha256/x", "0 images/index.json", "0 zarf.yaml"}
	if !slices.Equal(got, want) {
		t.Errorf("members\n got %v\nwant %v", got, want)
	}
}

func TestSplit(t *testing.T) {
	head := Build(t, t.TempDir(), Spec{Form: FormSplit, Files: map[string]Content{"components/a.tar": Random(100000, 1)}})
	var h struct {
		Sha256Sum string
		Bytes     int64
		Count     int
	}
	if err := json.Unmarshal([]byte(readFile(t, filepath.Dir(head), filepath.Base(head))), &h); err != nil {
		t.Fatal(err)
	}
	base := strings.TrimSuffix(head, ".part000")
	joined := sha256.New()
	var total int64
	for i := 1; i <= h.Count; i++ {
		b, err := os.ReadFile(fmt.Sprintf("%s.part%03d", base, i))
		if err != nil {
			t.Fatal(err)
		}
		joined.Write(b)
		total += int64(len(b))
	}
	if h.Count != 3 || total != h.Bytes || hex.EncodeToString(joined.Sum(nil)) != h.Sha256Sum {
		t.Errorf("header %+v, parts hold %d bytes", h, total)
	}
	if _, err := os.Stat(base); !os.IsNotExist(err) {
		t.Errorf("the joined archive was left behind: %v", err)
	}
}

func TestContent(t *testing.T) {
	read := func(c Content) []byte {
		b, err := io.ReadAll(c.Reader())
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	r1, r2, other := read(Random(5000, 1)), read(Random(5000, 1)), read(Random(5000, 2))
	if len(r1) != 5000 || string(r1) != string(r2) || string(r1) == string(other) {
		t.Error("Random is not deterministic per seed")
	}
	if b := read(Zeros(7)); string(b) != "\x00\x00\x00\x00\x00\x00\x00" {
		t.Errorf("Zeros(7) = %q", b)
	}
	if b := read(Text(1000, 3)); len(b) != 1000 || strings.Trim(string(b), "etaoinshrdlu cmf") != "" {
		t.Errorf("Text is not text: %q", b[:40])
	}
	sum := sha256.Sum256(r1)
	if Random(5000, 1).Digest() != "sha256:"+hex.EncodeToString(sum[:]) {
		t.Error("Digest differs from the content's sha256")
	}
	if (Content{}).Size() != 0 || len(read(Content{})) != 0 {
		t.Error("the zero Content is not empty")
	}
}

func TestImageFiles(t *testing.T) {
	files := ImageFiles(Image{Ref: "docker.io/library/a:1", Layers: []Content{String("layer")}}, Image{Ref: "b:2", Nested: true})
	var index struct {
		Manifests []descriptor `json:"manifests"`
	}
	if err := json.Unmarshal(read(t, files["images/index.json"]), &index); err != nil {
		t.Fatal(err)
	}
	if len(index.Manifests) != 2 || index.Manifests[0].Annotations[AnnotationBase] != "docker.io/library/a:1" ||
		index.Manifests[1].MediaType != MediaTypeIndex {
		t.Errorf("index %+v", index)
	}
	for path, c := range files {
		if hexDigest, ok := strings.CutPrefix(path, "images/blobs/sha256/"); ok && c.Digest() != "sha256:"+hexDigest {
			t.Errorf("%s holds %s", path, c.Digest())
		}
	}
	// oci-layout, index.json; a: layer, config, manifest; b: config, manifest, nested index.
	if len(files) != 8 {
		t.Errorf("%d files, want 8", len(files))
	}
}

func read(t *testing.T, c Content) []byte {
	t.Helper()
	b, err := io.ReadAll(c.Reader())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBreakNamesUnknownFile(t *testing.T) {
	if _, err := Create(t.TempDir(), Spec{Break: Break{Missing: "nope"}}); err == nil {
		t.Error("Create accepted a Break naming a file not in Files")
	}
}
