package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// compare checks the pushed tag against the fixture: the index entries for
// each architecture, and per manifest the media types, the layers (digest,
// size, media type, title), their order and the annotations. The config blob
// and so the manifest digest may differ: Zarf marshals its own Go types.
func compare(args []string) error {
	f, err := parseCompare(args)
	if err != nil {
		return err
	}
	ref, err := name.NewTag(f.registry+"/"+f.repo+":"+f.tag, name.Insecure)
	if err != nil {
		return err
	}
	auth := remote.WithAuth(&authn.Basic{Username: f.user, Password: f.pass})
	idx, err := remote.Index(ref, auth)
	if err != nil {
		return fmt.Errorf("reading %s: %w", ref, err)
	}
	got, err := idx.IndexManifest()
	if err != nil {
		return err
	}
	var want v1.IndexManifest
	if err := readJSON(filepath.Join(f.fixture, "index.json"), &want); err != nil {
		return err
	}
	if got.MediaType != want.MediaType {
		return fmt.Errorf("index media type %s, fixture %s", got.MediaType, want.MediaType)
	}
	for _, arch := range strings.Split(f.archs, ",") {
		if err := compareArch(ref, auth, got, &want, arch, f.fixture); err != nil {
			return fmt.Errorf("%s %s: %w", ref, arch, err)
		}
		fmt.Printf("ok %s %s matches %s\n", ref, arch, f.fixture)
	}
	return nil
}

func compareArch(ref name.Tag, auth remote.Option, got, want *v1.IndexManifest, arch, fixture string) error {
	g, ok := entry(got, arch)
	if !ok {
		return fmt.Errorf("no os: multi entry for %s in the pushed index", arch)
	}
	w, ok := entry(want, arch)
	if !ok {
		return fmt.Errorf("no entry for %s in the fixture index", arch)
	}
	if g.MediaType != w.MediaType || !reflect.DeepEqual(g.Platform, w.Platform) {
		return fmt.Errorf("index entry %+v, fixture %+v", g, w)
	}
	img, err := remote.Image(ref.Context().Digest(g.Digest.String()), auth)
	if err != nil {
		return err
	}
	m, err := img.Manifest()
	if err != nil {
		return err
	}
	var fm v1.Manifest
	if err := readJSON(filepath.Join(fixture, "manifest-"+arch+".json"), &fm); err != nil {
		return err
	}
	return compareManifest(m, &fm)
}

func compareManifest(m, fm *v1.Manifest) error {
	switch {
	case m.MediaType != fm.MediaType:
		return fmt.Errorf("manifest media type %s, fixture %s", m.MediaType, fm.MediaType)
	case m.Config.MediaType != fm.Config.MediaType:
		return fmt.Errorf("config media type %s, fixture %s", m.Config.MediaType, fm.Config.MediaType)
	case !reflect.DeepEqual(m.Layers, fm.Layers):
		return fmt.Errorf("layers differ:\n got  %+v\n want %+v", m.Layers, fm.Layers)
	case !reflect.DeepEqual(m.Annotations, fm.Annotations):
		return fmt.Errorf("annotations differ:\n got  %v\n want %v", m.Annotations, fm.Annotations)
	}
	return nil
}

func entry(idx *v1.IndexManifest, arch string) (v1.Descriptor, bool) {
	for _, d := range idx.Manifests {
		if d.Platform != nil && d.Platform.OS == "multi" && d.Platform.Architecture == arch {
			return d, true
		}
	}
	return v1.Descriptor{}, false
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
