package manifest

import (
	"errors"
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// ArchError reports that an index has no package for the wanted architecture.
type ArchError struct {
	Want string   // the architecture asked for
	Have []string // the architectures of the index's os "multi" entries, in index order
}

func (e *ArchError) Error() string {
	if len(e.Have) == 0 {
		return fmt.Sprintf("no %q package in the index: it lists no Zarf package architectures", e.Want)
	}
	return fmt.Sprintf("no %q package in the index (available: %s)", e.Want, strings.Join(e.Have, ", "))
}

// MergeIndex returns the tag's index after publishing the manifest d, as Zarf
// updates it: existing nil (the tag does not exist yet) gives a new OCI index
// holding only d; otherwise the entry with d's platform (os and architecture,
// os "multi" for what Build returns) is replaced in place, or d is appended.
// Every other entry and the index annotations are kept as they were. A Docker
// manifest list is rewritten as an OCI index. existing that is an image
// manifest (an old Zarf :<version>-<arch> tag) gives *MediaTypeError; the
// caller decides whether to overwrite it by passing nil.
func MergeIndex(existing []byte, d v1.Descriptor) ([]byte, error) {
	if d.Platform == nil || d.Platform.Architecture == "" {
		return nil, errors.New("updating index: the manifest descriptor has no platform architecture")
	}
	if d.Digest.Algorithm == "" {
		return nil, errors.New("updating index: the manifest descriptor has no digest")
	}
	if d.MediaType == "" {
		d.MediaType = types.OCIManifestSchema1
	}
	idx := &v1.IndexManifest{}
	if len(existing) > 0 {
		var err error
		if idx, err = ParseIndex(existing); err != nil {
			return nil, fmt.Errorf("updating index: %w", err)
		}
	}
	idx.SchemaVersion = 2
	idx.MediaType = types.OCIImageIndex
	idx.Manifests = replaceEntry(idx.Manifests, d)
	b, err := marshalIndex(idx)
	if err != nil {
		return nil, fmt.Errorf("updating index: %w", err)
	}
	return b, nil
}

// replaceEntry puts d where the first entry of the same os and architecture
// was, drops any later duplicate of it, or appends d.
func replaceEntry(entries []v1.Descriptor, d v1.Descriptor) []v1.Descriptor {
	out := make([]v1.Descriptor, 0, len(entries)+1)
	placed := false
	for _, e := range entries {
		if !samePlatform(e.Platform, d.Platform) {
			out = append(out, e)
			continue
		}
		if !placed {
			out = append(out, d)
			placed = true
		}
	}
	if !placed {
		out = append(out, d)
	}
	return out
}

func samePlatform(a, b *v1.Platform) bool {
	return a != nil && b != nil && a.OS == b.OS && a.Architecture == b.Architecture
}

// SelectPlatform picks the package for arch from a tag's index: the entry
// with os "multi" and that architecture. When there is none it returns
// *ArchError listing the architectures present.
func SelectPlatform(index []byte, arch string) (v1.Descriptor, error) {
	idx, err := ParseIndex(index)
	if err != nil {
		return v1.Descriptor{}, err
	}
	var have []string
	for _, e := range idx.Manifests {
		if e.Platform == nil || e.Platform.OS != PlatformOS {
			continue
		}
		if e.Platform.Architecture == arch && arch != "" {
			return e, nil
		}
		have = append(have, e.Platform.Architecture)
	}
	return v1.Descriptor{}, &ArchError{Want: arch, Have: have}
}
