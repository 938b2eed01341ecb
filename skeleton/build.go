package skeleton

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	goyaml "github.com/goccy/go-yaml"

	"github.com/docker-zarf/docker-zarf/definition"
	"github.com/docker-zarf/docker-zarf/definition/v1alpha1"
)

// Arch is the architecture of every skeleton.
const Arch = "skeleton"

// ZarfVersion is the Zarf release whose skeletons Build reproduces, and the
// build.version it records by default.
const ZarfVersion = "v0.84.0"

// Options tune Build. The zero value builds what Zarf would on this
// machine, unflavored.
type Options struct {
	// Flavor keeps the components whose only.flavor is empty or equal to
	// it, and is recorded as build.flavor (Zarf's --flavor).
	Flavor string
	// HostArch keeps the components whose only.cluster.architecture is
	// empty or equal to it. Zarf filters a skeleton's components by its
	// --architecture flag, else the source's metadata.architecture, else
	// the architecture it runs on: empty means the last two.
	HostArch string
	// Now is the build timestamp; nil means time.Now.
	Now func() time.Time
	// Version is build.version; empty means ZarfVersion.
	Version string
	// TempDir is where the skeleton's directory is made; empty means
	// os.TempDir.
	TempDir string
}

// Unsupported reports a source that Zarf can make a skeleton of but Build
// cannot (yet), or that Zarf refuses too.
type Unsupported struct{ What string }

func (e *Unsupported) Error() string { return "cannot build a skeleton: " + e.What }

// Build assembles the skeleton of the package source in srcDir (a directory
// holding zarf.yaml) into a new directory under opts.TempDir, and returns
// that directory's path. The caller removes it. srcDir is only read.
func Build(ctx context.Context, srcDir string, opts Options) (_ string, err error) {
	pkg, err := loadSource(srcDir, opts)
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp(opts.TempDir, "zarf-skeleton-")
	if err != nil {
		return "", fmt.Errorf("building skeleton: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	if err := writeDocumentation(pkg.Documentation, srcDir, dir, opts.TempDir); err != nil {
		return "", fmt.Errorf("building skeleton documentation: %w", err)
	}
	for i := range pkg.Components {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		pkg.Components[i].Only.Flavor = "" // the tag names the flavor
		if err := assembleComponent(&pkg.Components[i], srcDir, dir, opts.TempDir); err != nil {
			return "", fmt.Errorf("building skeleton component %s: %w", pkg.Components[i].Name, err)
		}
	}
	sums, err := writeChecksums(dir)
	if err != nil {
		return "", err
	}
	recordBuild(pkg, opts, sums)
	// goccy/go-yaml is what Zarf writes zarf.yaml with; the same library
	// over the same field tags gives the same bytes.
	y, err := goyaml.Marshal(pkg)
	if err != nil {
		return "", fmt.Errorf("writing the skeleton's zarf.yaml: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "zarf.yaml"), y, 0o600); err != nil {
		return "", fmt.Errorf("building skeleton: %w", err)
	}
	return dir, nil
}

// loadSource reads srcDir/zarf.yaml into Zarf's types as Zarf's loader
// does (migrations, component filters) and refuses what Build cannot do.
func loadSource(srcDir string, opts Options) (*v1alpha1.Package, error) {
	raw, err := readLimited(filepath.Join(srcDir, "zarf.yaml"), definition.MaxSize)
	if err != nil {
		return nil, fmt.Errorf("reading the package source: %w", err)
	}
	// Zarf reads a source with goccy/go-yaml: YAML 1.2, where "n", "yes"
	// or "off" are strings (definition.Parse reads YAML 1.1, right for the
	// zarf.yaml of a built package, where goccy quotes them). Bound what
	// the parser may allocate first.
	if err := definition.CheckBounds(raw); err != nil {
		return nil, err
	}
	var pkg v1alpha1.Package
	if err := goyaml.Unmarshal(raw, &pkg); err != nil {
		return nil, fmt.Errorf("zarf.yaml does not parse as Zarf reads it: %w", err)
	}
	switch {
	case pkg.APIVersion != "" && pkg.APIVersion != "zarf.dev/v1alpha1":
		return nil, &Unsupported{fmt.Sprintf("apiVersion %s (only zarf.dev/v1alpha1 sources)", pkg.APIVersion)}
	case pkg.Kind != "ZarfPackageConfig" && pkg.Kind != "ZarfInitConfig":
		return nil, fmt.Errorf("zarf.yaml is not a Zarf package: kind %q", pkg.Kind)
	case pkg.Metadata.Name == "":
		return nil, errors.New("zarf.yaml has no metadata.name")
	}
	pkg.Migrate()
	if len(pkg.Components) == 0 {
		return nil, errors.New("zarf.yaml has no components")
	}
	if len(pkg.Values.Files) > 0 || pkg.Values.Schema != "" {
		return nil, &Unsupported{"creating skeleton packages with the values feature is not yet supported"}
	}
	host := cmp.Or(opts.HostArch, pkg.Metadata.Architecture, runtime.GOARCH)
	kept := pkg.Components[:0]
	for _, c := range pkg.Components {
		if a := c.Only.Cluster.Architecture; a != "" && a != host {
			continue
		}
		if f := c.Only.Flavor; f != "" && f != opts.Flavor {
			continue
		}
		if err := supported(c); err != nil {
			return nil, err
		}
		kept = append(kept, c)
	}
	pkg.Components = kept
	return &pkg, nil
}

func supported(c v1alpha1.Component) error {
	switch {
	case c.ImageArchives != nil:
		return &Unsupported{"cannot publish skeleton package with image archives"}
	case c.Import.Path != "" || c.Import.URL != "":
		return &Unsupported{fmt.Sprintf("component %s imports another package; resolve imports with zarf first", c.Name)}
	}
	for _, m := range c.Manifests {
		if len(m.Kustomizations) > 0 {
			return &Unsupported{fmt.Sprintf("component %s: kustomizations (Zarf builds them with kustomize)", c.Name)}
		}
	}
	for _, f := range c.Files {
		if f.ExtractPath != "" && !isURL(f.Source) {
			return &Unsupported{fmt.Sprintf("component %s: files with extractPath", c.Name)}
		}
	}
	return nil
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(b)) > limit {
		err = fmt.Errorf("%s is over %d bytes", path, limit)
	}
	return b, err
}

// writeChecksums writes checksums.txt as Zarf does ("<sha256> <path>" for
// every file but zarf.yaml and itself, sorted, newline-terminated) and
// returns its own sha256: the aggregate checksum.
func writeChecksums(dir string) (string, error) {
	var lines []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == "zarf.yaml" || rel == "checksums.txt" {
			return nil
		}
		sum, err := sha256File(path)
		if err != nil {
			return err
		}
		lines = append(lines, sum+" "+rel)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("building skeleton checksums: %w", err)
	}
	slices.Sort(lines)
	content := strings.Join(lines, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(dir, "checksums.txt"), []byte(content), 0o600); err != nil {
		return "", fmt.Errorf("building skeleton checksums: %w", err)
	}
	sum := sha256.Sum256([]byte(content))
	return hex.EncodeToString(sum[:]), nil
}

func sha256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// recordBuild fills metadata and build as Zarf's recordPackageMetadata
// does for a skeleton.
func recordBuild(pkg *v1alpha1.Package, opts Options, aggregate string) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	version := opts.Version
	if version == "" {
		version = ZarfVersion
	}
	signed := false
	pkg.Metadata.Architecture = Arch
	pkg.Metadata.AggregateChecksum = aggregate
	if pkg.Kind == "ZarfInitConfig" && pkg.Metadata.Version == "" {
		pkg.Metadata.Version = version
	}
	pkg.Build = v1alpha1.BuildData{
		Architecture:        Arch,
		Timestamp:           now().Format(time.RFC1123Z),
		Version:             version,
		Migrations:          pkg.Build.Migrations,
		Flavor:              opts.Flavor,
		Signed:              &signed,
		VersionRequirements: versionRequirements(pkg),
		ProvenanceFiles:     []string{"checksums.txt"},
	}
}

// versionRequirements are Zarf's for what a skeleton can hold: charts
// without a version (v0.65.0) and templated values files (v0.78.0).
func versionRequirements(pkg *v1alpha1.Package) []v1alpha1.VersionRequirement {
	var versionless, templated bool
	for _, c := range pkg.Components {
		for _, ch := range c.Charts {
			templated = templated || len(ch.TemplatedValuesFiles) > 0
			versionless = versionless || ch.Version == ""
		}
	}
	var reqs []v1alpha1.VersionRequirement
	if versionless {
		reqs = append(reqs, v1alpha1.VersionRequirement{Version: "v0.65.0", Reason: "This package contains a chart without a version, which is only supported on v0.65.0+"})
	}
	if templated {
		reqs = append(reqs, v1alpha1.VersionRequirement{Version: "v0.78.0", Reason: "This package uses templatedValuesFiles which require v0.78.0+"})
	}
	return reqs
}

// isURL is Zarf's test for a remote resource: a scheme and a host.
func isURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && u.Host != ""
}
