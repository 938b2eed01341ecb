package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/docker-zarf/docker-zarf/layout/layouttest"
)

// genVersion changes whenever the generated packages change, so that stale
// ones under -work are rebuilt instead of reused.
const genVersion = "3"

// benchPkg is one generated package and where its forms live.
type benchPkg struct {
	Name    string   `json:"name"`    // metadata.name, also the repository name
	Kind    string   `json:"kind"`    // big, mid, many or mixed
	Tag     string   `json:"tag"`     // the tag docker-zarf publishes under
	Archive string   `json:"archive"` // the .tar.zst docker-zarf publishes
	Dir     string   `json:"dir"`     // the same package unpacked: what oras pushes
	OCI     string   `json:"oci"`     // an OCI layout of the same manifest: what crane pushes
	Config  string   `json:"config"`  // the Zarf config blob for oras --config
	Files   []string `json:"files"`   // the package's files, relative to Dir
	Bytes   int64    `json:"bytes"`   // total size of Files
	Blobs   int      `json:"blobs"`   // len(Files)
	Version string   `json:"genVersion"`
}

// specFor describes the package of a kind; sizeGiB is used by big only.
func specFor(kind string, sizeGiB float64) (name string, spec layouttest.Spec) {
	switch kind {
	case "big":
		// One component, one file of incompressible data: pure throughput.
		name = "big-" + sizeLabel(sizeGiB)
		spec.Files = map[string]layouttest.Content{
			"components/data.tar": layouttest.Random(int64(sizeGiB*(1<<30)), 1),
		}
	case "many":
		// ~200 small image blobs over two components: per-request latency.
		name = "many"
		spec.Files, spec.Components = imageComponents([]string{"a", "b"}, 10, 9)
	case "mid":
		// Ten components of 5 MiB incompressible data: above the 4 MiB a
		// registry client may send in one request, few enough to be quick.
		name = "mid"
		spec.Files = map[string]layouttest.Content{}
		for i := range 10 {
			spec.Files[fmt.Sprintf("components/c%d.tar", i)] = layouttest.Random(5<<20, uint64(200+i))
		}
	case "mixed":
		// A 256 MiB component beside ~100 small image blobs.
		name = "mixed"
		spec.Files, spec.Components = imageComponents([]string{"imgs"}, 10, 8)
		spec.Files["components/app.tar"] = layouttest.Random(256<<20, 2)
	}
	spec.Name = name
	spec.Version = "0.0.1"
	spec.Arch = "amd64"
	return name, spec
}

// imageComponents builds components each with a small components/<n>.tar
// and images of layers 50–200 KB of incompressible data, deterministic.
func imageComponents(names []string, images, layers int) (map[string]layouttest.Content, []layouttest.Component) {
	rng := rand.New(rand.NewPCG(42, 0))
	files := map[string]layouttest.Content{}
	var comps []layouttest.Component
	var imgs []layouttest.Image
	seed := uint64(1000)
	for ci, c := range names {
		files["components/"+c+".tar"] = layouttest.Text(64<<10, uint64(100+ci))
		comp := layouttest.Component{Name: c}
		for i := range images {
			img := layouttest.Image{Ref: fmt.Sprintf("registry.example/bench/%s-%02d:1.0", c, i)}
			for range layers {
				seed++
				img.Layers = append(img.Layers, layouttest.Random(50_000+rng.Int64N(150_000), seed))
			}
			comp.Images = append(comp.Images, img.Ref)
			imgs = append(imgs, img)
		}
		comps = append(comps, comp)
	}
	for p, c := range layouttest.ImageFiles(imgs...) {
		files[p] = c
	}
	return files, comps
}

// sizeLabel names a size: 1 → "1g", 0.25 → "256m".
func sizeLabel(gib float64) string {
	mib := int64(gib * 1024)
	if mib%1024 == 0 {
		return fmt.Sprintf("%dg", mib/1024)
	}
	return fmt.Sprintf("%dm", mib)
}

// pkgKey names one package to generate: a kind and, for big, a size.
type pkgKey struct {
	kind string
	size float64
}

// kindsFor lists the packages of a benchmark: big per size, many, mixed.
func kindsFor(sizes []float64, kinds []string) []pkgKey {
	var out []pkgKey
	for _, k := range kinds {
		if k != "big" {
			out = append(out, pkgKey{k, 0})
			continue
		}
		for _, s := range sizes {
			out = append(out, pkgKey{k, s})
		}
	}
	return out
}

func genCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	work := fs.String("work", "", "work directory (packages go under WORK/pkgs)")
	sizes := fs.String("sizes", "1", "comma-separated sizes in GiB of the big package")
	kinds := fs.String("packages", "big,many,mixed", "which packages")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ss, ks, err := parseLists(*sizes, *kinds)
	if err != nil {
		return err
	}
	for _, k := range kindsFor(ss, ks) {
		if _, err := ensurePackage(ctx, *work, k.kind, k.size); err != nil {
			return err
		}
	}
	return nil
}

// ensurePackage generates a package (archive, directory and OCI layout)
// unless WORK/pkgs/<name>/meta.json says it is there at genVersion.
func ensurePackage(ctx context.Context, work, kind string, size float64) (*benchPkg, error) {
	name, spec := specFor(kind, size)
	root := filepath.Join(work, "pkgs", name)
	meta := filepath.Join(root, "meta.json")
	if p, err := readMeta(meta); err == nil && p.Version == genVersion {
		return p, nil
	}
	if err := os.RemoveAll(root); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "generating %s under %s\n", name, root)
	p := &benchPkg{Name: name, Kind: kind, Tag: spec.Version, Version: genVersion}
	var err error
	for _, sub := range []string{"archive", "dir"} {
		if err = os.MkdirAll(filepath.Join(root, sub), 0o755); err != nil {
			return nil, err
		}
	}
	if p.Archive, err = layouttest.Create(filepath.Join(root, "archive"), spec); err != nil {
		return nil, fmt.Errorf("generating %s: %w", name, err)
	}
	spec.Form = layouttest.FormDir
	if p.Dir, err = layouttest.Create(filepath.Join(root, "dir"), spec); err != nil {
		return nil, fmt.Errorf("generating %s (dir): %w", name, err)
	}
	if err := writeOCILayout(ctx, p, root); err != nil {
		return nil, fmt.Errorf("writing the OCI layout of %s: %w", name, err)
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, err
	}
	return p, os.WriteFile(meta, b, 0o644)
}

func readMeta(path string) (*benchPkg, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p benchPkg
	return &p, json.Unmarshal(b, &p)
}
