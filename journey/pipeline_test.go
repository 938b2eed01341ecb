package journey

import (
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/manifest"
	"github.com/docker-zarf/docker-zarf/progress"
)

// TestPipelineDirect pins which blobs stream straight into the output:
// only big ones, only into archives, only without a cache to fill (the
// cache needs the file for resume), and only when one file uses the blob.
func TestPipelineDirect(t *testing.T) {
	big := manifest.Layer{Title: "components/big.tar", Digest: "sha256:" + strings.Repeat("a", 64), Size: StreamMin}
	small := manifest.Layer{Title: "components/small.tar", Digest: "sha256:" + strings.Repeat("b", 64), Size: StreamMin - 1}
	twin := manifest.Layer{Title: "components/twin.tar", Digest: big.Digest, Size: big.Size}
	for _, tc := range []struct {
		name    string
		scratch bool
		format  layout.Format
		layers  []manifest.Layer
		want    bool
	}{
		{"big, no cache, tar.zst", true, layout.FormatTarZst, []manifest.Layer{big, small}, true},
		{"big, no cache, tar", true, layout.FormatTar, []manifest.Layer{big}, true},
		{"big, cache", false, layout.FormatTarZst, []manifest.Layer{big}, false},
		{"big, no cache, dir", true, layout.FormatDir, []manifest.Layer{big}, false},
		{"big, shared by two files", true, layout.FormatTarZst, []manifest.Layer{big, twin}, false},
	} {
		p := newPipeline(nil, nil, &blobStore{scratch: tc.scratch}, tc.layers, tc.format, progress.Nop())
		if got := p.direct(big); got != tc.want {
			t.Errorf("%s: direct = %v, want %v", tc.name, got, tc.want)
		}
		if p.direct(small) {
			t.Errorf("%s: a blob under StreamMin streams directly", tc.name)
		}
	}
}
