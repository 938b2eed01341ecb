package manifest

import (
	"errors"
	"slices"
	"testing"
)

const betaComponents = `apiVersion: zarf.dev/v1beta1
kind: ZarfPackageConfig
metadata:
  name: beta
components:
- name: core
- name: extra
  optional: true
  images:
  - name: ghcr.io/a/b:1
- name: pinned
  optional: false
`

func TestSelectComponents(t *testing.T) {
	demo := readPackage(t, "zarf-package-demo-amd64-1.0.0.tar.zst").definition(t)
	beta := mustParse(t, betaComponents)
	cases := []struct {
		name  string
		beta  bool
		names []string
		want  []string
	}{
		{"nothing chosen gives the required", false, nil, []string{"config-files"}},
		{"blank names ignored", false, []string{" ", ""}, []string{"config-files"}},
		{"definition order, once", false, []string{"extras", "app", "extras", " app "}, []string{"config-files", "app", "extras"}},
		{"required chosen too", false, []string{"config-files"}, []string{"config-files"}},
		{"v1beta1: not optional is required", true, nil, []string{"core", "pinned"}},
		{"v1beta1: optional when chosen", true, []string{"extra"}, []string{"core", "extra", "pinned"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			def := demo
			if tc.beta {
				def = beta
			}
			got, err := SelectComponents(def, tc.names)
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("SelectComponents(%q) = %q, %v; want %q", tc.names, got, err, tc.want)
			}
		})
	}
	t.Run("unknown names", func(t *testing.T) {
		_, err := SelectComponents(demo, []string{"app", "nope", "gone"})
		var ce *ComponentError
		if !errors.As(err, &ce) {
			t.Fatalf("error %v is not a *ComponentError", err)
		}
		if !slices.Equal(ce.Unknown, []string{"nope", "gone"}) || !slices.Equal(ce.Known, []string{"config-files", "app", "extras"}) {
			t.Errorf("ComponentError %+v", ce)
		}
		if want := "no component nope, gone in this package (components: config-files, app, extras)"; err.Error() != want {
			t.Errorf("message %q, want %q", err, want)
		}
	})
	if _, err := SelectComponents(nil, nil); err == nil {
		t.Error("SelectComponents(nil) did not fail")
	}
}

func TestComponentTitles(t *testing.T) {
	files := readPackage(t, "zarf-package-demo-amd64-1.0.0.tar.zst")
	demo := files.definition(t)
	cases := []struct {
		name       string
		comps      []string
		titles     []string
		imageRefs  []string
		inManifest []string // the titles that the pushed manifest has
	}{
		{"files only", []string{"config-files"}, []string{"components/config-files.tar"}, nil, []string{"components/config-files.tar"}},
		{
			"image component", []string{"config-files", "app", "app", "unknown"},
			[]string{"components/config-files.tar", "components/app.tar", TitleImagesIndex, TitleImagesLayout},
			[]string{"127.0.0.1:5000/library/hello:1.0"},
			[]string{"components/config-files.tar", TitleImagesIndex, TitleImagesLayout},
		},
		{"none", nil, nil, nil, nil},
	}
	m, err := ParseManifest(registryFile(t, "demo/manifest-amd64.json"))
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, l := range LayersOf(m) {
		have[l.Title] = true
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			titles, refs := ComponentTitles(demo, tc.comps)
			if !slices.Equal(titles, tc.titles) || !slices.Equal(refs, tc.imageRefs) {
				t.Fatalf("ComponentTitles = %q, %q; want %q, %q", titles, refs, tc.titles, tc.imageRefs)
			}
			// The app component has only an image, so it has no tar: the
			// caller keeps the titles the manifest has.
			kept := slices.DeleteFunc(slices.Clone(titles), func(s string) bool { return !have[s] })
			if !slices.Equal(kept, tc.inManifest) {
				t.Errorf("titles in the manifest %q, want %q", kept, tc.inManifest)
			}
		})
	}
	beta := mustParse(t, betaComponents)
	if _, refs := ComponentTitles(beta, []string{"extra"}); !slices.Equal(refs, []string{"ghcr.io/a/b:1"}) {
		t.Errorf("v1beta1 image objects: refs %q", refs)
	}
}
