package definition

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// TestZarfConfigMatchesFixtures: the config blob for each fixture package is
// the one Zarf pushed (manifest tests check the same through Build).
func TestZarfConfigMatchesFixtures(t *testing.T) {
	for pkg, config := range map[string]string{
		"packages/zarf-package-demo-amd64-1.0.0.tar.zst":                 "registry/demo/config-amd64.json",
		"packages/signed/zarf-package-flavored-amd64-0.2.0-upstream.tar": "registry/signed/config-amd64.json",
	} {
		p, err := Parse(fixtureYAML(t, pkg))
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.ZarfConfig()
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(fixtures + "/" + config)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s:\n got %s\nwant %s", pkg, got, want)
		}
	}
}

func TestZarfConfigRefusesV1beta1(t *testing.T) {
	p, err := Parse([]byte(betaDoc))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.ZarfConfig(); !errors.Is(err, ErrNotV1alpha1) {
		t.Errorf("err = %v, want ErrNotV1alpha1", err)
	}
}

// TestZarfConfigBoundsZarfReader: a definition too large for Zarf's YAML
// library to read cheaply (it is superlinear on hostile input: a 1 MB flow
// map of nulls took nine minutes) is read from its JSON instead.
func TestZarfConfigBoundsZarfReader(t *testing.T) {
	doc := "kind: ZarfPackageConfig\nmetadata: {name: big}\nx: [{" + strings.Repeat("a,", 40000) + "a}]\n"
	p, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	alloc := allocated(func() { got, err = p.ZarfConfig() })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ZarfConfig of %d bytes allocated %d bytes", len(doc), alloc)
	if alloc > 8<<20 {
		t.Errorf("ZarfConfig allocated %d bytes for a %d byte definition", alloc, len(doc))
	}
	if want := `{"kind":"ZarfPackageConfig","metadata":{"name":"big"},"build":{"architecture":"","timestamp":"","version":"","migrations":["scripts-to-actions","pluralize-set-variable"]},"components":null,"values":{}}`; string(got) != want {
		t.Errorf("config %s", got)
	}
}
