package definition

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseFixtures(t *testing.T) {
	type want struct {
		name, version, arch, flavor, checksum, description, url, vendor string
		uncompressed                                                    bool
		signed                                                          bool
		created                                                         time.Time
		components                                                      []string
		required                                                        []string
	}
	demo := want{
		name: "demo", version: "1.0.0", arch: "amd64", checksum: "1b03e8fca0c3b53dc6f56ff1bc2f84a1c9556591a1c0b07a9c084f95ca2451bc",
		description: "A small demo package with files, a manifest and an image", url: "https://example.com/demo", vendor: "Example Corp",
		created: time.Date(2026, 11, 27, 2, 3, 34, 0, time.UTC), components: []string{"config-files", "app", "extras"}, required: []string{"config-files"},
	}
	arm := demo
	arm.arch, arm.created = "arm64", time.Date(2026, 11, 27, 2, 3, 42, 0, time.UTC)
	flavored := want{
		name: "flavored", version: "0.2.0", arch: "amd64", flavor: "upstream", checksum: "2f24bee5cd8779fa49c45f4ddcf169ebcb5e88db65009a4d3a3edecf2391d42c",
		uncompressed: true, created: time.Date(2026, 11, 27, 2, 3, 46, 0, time.UTC), components: []string{"base"}, required: []string{"base"},
	}
	signed := flavored
	signed.signed = true
	source := demo
	source.arch, source.checksum, source.created = "", "", time.Time{}
	cases := []struct {
		rel  string
		want want
	}{
		{"packages/zarf-package-demo-amd64-1.0.0.tar.zst", demo},
		{"packages/zarf-package-demo-arm64-1.0.0.tar.zst", arm},
		{"packages/zarf-package-flavored-amd64-0.2.0-upstream.tar", flavored},
		{"packages/signed/zarf-package-flavored-amd64-0.2.0-upstream.tar", signed},
		{"sources/demo/zarf.yaml", source},
	}
	for _, tc := range cases {
		t.Run(tc.rel, func(t *testing.T) {
			p, err := Parse(fixtureYAML(t, tc.rel))
			if err != nil {
				t.Fatal(err)
			}
			w := tc.want
			got := want{
				name: p.Metadata.Name, version: p.Metadata.Version, arch: p.Architecture(), flavor: p.Flavor(),
				checksum: p.AggregateChecksum(), description: p.Annotation("description"), url: p.Annotation("url"),
				vendor: p.Annotation("vendor"), uncompressed: p.Metadata.Uncompressed, signed: p.Build.Signed != nil && *p.Build.Signed,
			}
			if got.created, err = p.Created(); err != nil {
				t.Fatal(err)
			}
			for _, c := range p.Components {
				got.components = append(got.components, c.Name)
				if c.IsRequired(p.APIVersion) {
					got.required = append(got.required, c.Name)
				}
			}
			if got.created.Location() != time.UTC || !got.created.Equal(w.created) {
				t.Errorf("Created() = %v, want %v in UTC", got.created, w.created)
			}
			got.created = w.created
			if !slices.Equal(got.components, w.components) || !slices.Equal(got.required, w.required) {
				t.Errorf("components %v required %v, want %v %v", got.components, got.required, w.components, w.required)
			}
			got.components, got.required = w.components, w.required
			if !reflect.DeepEqual(got, w) {
				t.Errorf("got  %+v\nwant %+v", got, w)
			}
			if p.IsInit() || p.APIVersion != "" || p.Kind != "ZarfPackageConfig" {
				t.Errorf("kind %q apiVersion %q init %v", p.Kind, p.APIVersion, p.IsInit())
			}
		})
	}
}

func TestDemoComponents(t *testing.T) {
	p, err := Parse(fixtureYAML(t, "packages/zarf-package-demo-amd64-1.0.0.tar.zst"))
	if err != nil {
		t.Fatal(err)
	}
	app, ok := p.Component("app")
	if !ok || !slices.Equal(app.ImageRefs(), []string{"127.0.0.1:5000/library/hello:1.0"}) {
		t.Errorf("app: %v %+v", ok, app)
	}
	if c, ok := p.Component("config-files"); !ok || len(c.ImageRefs()) != 0 {
		t.Errorf("config-files: %v %+v", ok, c)
	}
	if _, ok := p.Component("nope"); ok {
		t.Error("found a component that does not exist")
	}
	if got := p.Annotation("authors"); got != "Demo Team" {
		t.Errorf("authors %q", got)
	}
	// The config blob carries every field, including those Package does
	// not name.
	var doc struct {
		Metadata struct{ Name string }
		Build    struct{ Migrations []string }
	}
	if err := json.Unmarshal(p.JSON(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Metadata.Name != "demo" || len(doc.Build.Migrations) != 2 {
		t.Errorf("JSON() lost fields: %s", p.JSON())
	}
}

const betaDoc = `apiVersion: zarf.dev/v1beta1
kind: ZarfPackageConfig
metadata:
  name: beta
  description: a v1beta1 package
  version: 2.0.0
  annotations:
    url: https://beta.example
    authors: Beta Team
    team: platform
build:
  architecture: arm64
  timestamp: Mon, 02 Jan 2006 15:04:05 -0700
  aggregateChecksum: 0123abcd
  flavor: slim
components:
  - name: base
  - name: opt
    optional: true
    images:
      - name: ghcr.io/a/b:1
      - source: no-name-here
      - docker.io/library/plain:1
  - name: forced
    optional: false
`

func TestParseV1beta1(t *testing.T) {
	p, err := Parse([]byte(betaDoc))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ what, got, want string }{
		{"architecture from build", p.Architecture(), "arm64"},
		{"checksum from build", p.AggregateChecksum(), "0123abcd"},
		{"flavor", p.Flavor(), "slim"},
		{"url annotation", p.Annotation("url"), "https://beta.example"},
		{"authors annotation", p.Annotation("authors"), "Beta Team"},
		{"custom annotation", p.Annotation("team"), "platform"},
		{"description", p.Annotation("description"), "a v1beta1 package"},
		{"missing annotation", p.Annotation("vendor"), ""},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %q, want %q", c.what, c.got, c.want)
		}
	}
	created, err := p.Created()
	if err != nil || !created.Equal(time.Date(2006, 1, 2, 22, 4, 5, 0, time.UTC)) || created.Location() != time.UTC {
		t.Errorf("Created() = %v, %v", created, err)
	}
	var required []string
	for _, c := range p.Components {
		if c.IsRequired(p.APIVersion) {
			required = append(required, c.Name)
		}
	}
	if !slices.Equal(required, []string{"base", "forced"}) {
		t.Errorf("required %v, want base and forced", required)
	}
	opt, _ := p.Component("opt")
	if got := opt.ImageRefs(); !slices.Equal(got, []string{"ghcr.io/a/b:1", "docker.io/library/plain:1"}) {
		t.Errorf("ImageRefs %v", got)
	}
}

func TestIsRequired(t *testing.T) {
	yes, no := true, false
	cases := []struct {
		name       string
		c          Component
		apiVersion string
		want       bool
	}{
		{"v1alpha1 default", Component{}, "", false},
		{"v1alpha1 required", Component{Required: &yes}, "zarf.dev/v1alpha1", true},
		{"v1alpha1 required false", Component{Required: &no}, "", false},
		{"v1alpha1 ignores optional", Component{Optional: &no}, "zarf.dev/v1alpha1", false},
		{"v1beta1 default", Component{}, "zarf.dev/v1beta1", true},
		{"v1beta1 optional", Component{Optional: &yes}, "zarf.dev/v1beta1", false},
		{"v1beta1 optional false", Component{Optional: &no}, "zarf.dev/v1beta1", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.c.IsRequired(tc.apiVersion); got != tc.want {
				t.Errorf("IsRequired = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"empty", "", "not a Zarf package"},
		{"bad yaml", "kind: [ZarfPackageConfig\n", "does not parse"},
		{"tab indent", "kind: ZarfPackageConfig\nmetadata:\n\tname: x\n", "does not parse"},
		{"list", "- kind: ZarfPackageConfig\n", "does not parse"},
		{"scalar", "hello", "does not parse"},
		{"wrong kind", "kind: Deployment\nmetadata:\n  name: x\n", `kind "Deployment"`},
		{"no kind", "metadata:\n  name: x\n", `kind ""`},
		{"no name", "kind: ZarfPackageConfig\nmetadata:\n  version: 1.0.0\n", "no metadata.name"},
		{"wrong type", "kind: ZarfPackageConfig\nmetadata:\n  name: [a]\n", "does not parse"},
		{"too large", "kind: ZarfPackageConfig\n#" + strings.Repeat("x", MaxSize), "limit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse = %+v, %v; want an error containing %q", p, err, tc.want)
			}
		})
	}
}

func TestCreated(t *testing.T) {
	cases := []struct {
		ts   string
		want time.Time
		err  bool
	}{
		{"Fri, 27 Nov 2026 02:03:34 +0000", time.Date(2026, 11, 27, 2, 3, 34, 0, time.UTC), false},
		{"Fri, 27 Nov 2026 04:03:34 +0200", time.Date(2026, 11, 27, 2, 3, 34, 0, time.UTC), false},
		{"Fri, 27 Nov 2026 02:03:34 UTC", time.Date(2026, 11, 27, 2, 3, 34, 0, time.UTC), false},
		{"2026-11-27T03:03:34+01:00", time.Date(2026, 11, 27, 2, 3, 34, 0, time.UTC), false},
		{"", time.Time{}, false},
		{"yesterday", time.Time{}, true},
	}
	for _, tc := range cases {
		t.Run(tc.ts, func(t *testing.T) {
			p := &Package{Build: Build{Timestamp: tc.ts}}
			got, err := p.Created()
			if (err != nil) != tc.err || !got.Equal(tc.want) {
				t.Fatalf("Created() = %v, %v; want %v (error %v)", got, err, tc.want, tc.err)
			}
			if !tc.err && tc.ts != "" && got.Location() != time.UTC {
				t.Errorf("Created() is in %v, want UTC", got.Location())
			}
		})
	}
}

func TestInitAndPrecedence(t *testing.T) {
	p, err := Parse([]byte("kind: ZarfInitConfig\nmetadata:\n  name: init\n  url: field\n  architecture: amd64\n  aggregateChecksum: meta\n" +
		"  annotations:\n    url: annotation\nbuild:\n  architecture: arm64\n  aggregateChecksum: build\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !p.IsInit() || p.Annotation("url") != "field" || p.Architecture() != "amd64" || p.AggregateChecksum() != "meta" {
		t.Errorf("init %v url %q arch %q checksum %q", p.IsInit(), p.Annotation("url"), p.Architecture(), p.AggregateChecksum())
	}
}
