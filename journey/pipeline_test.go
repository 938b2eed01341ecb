package journey

import (
	"strings"
	"testing"

	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/manifest"
	"github.com/docker-zarf/docker-zarf/progress"
)

// TestPipelineDirect pins which blobs stream into the output as the writer
// reaches them: only big ones, only into archives, only when one file uses
// the blob; without a cache straight from the registry, with one through
// the cache, filling it on the way.
func TestPipelineDirect(t *testing.T) {
	big := manifest.Layer{Title: "components/big.tar", Digest: "sha256:" + strings.Repeat("a", 64), Size: StreamMin}
	small := manifest.Layer{Title: "components/small.tar", Digest: "sha256:" + strings.Repeat("b", 64), Size: StreamMin - 1}
	twin := manifest.Layer{Title: "components/twin.tar", Digest: big.Digest, Size: big.Size}
	for _, tc := range []struct {
		name    string
		scratch bool
		format  layout.Format
		layers  []manifest.Layer
		streams bool // into the archive as the writer reaches it
		direct  bool // and past the store
	}{
		{"big, no cache, tar.zst", true, layout.FormatTarZst, []manifest.Layer{big, small}, true, true},
		{"big, no cache, tar", true, layout.FormatTar, []manifest.Layer{big}, true, true},
		{"big, cache", false, layout.FormatTarZst, []manifest.Layer{big}, true, false},
		{"big, no cache, dir", true, layout.FormatDir, []manifest.Layer{big}, false, false},
		{"big, cache, dir", false, layout.FormatDir, []manifest.Layer{big}, false, false},
		{"big, shared by two files", true, layout.FormatTarZst, []manifest.Layer{big, twin}, false, false},
	} {
		p := newPipeline(nil, nil, &blobStore{dir: t.TempDir(), scratch: tc.scratch}, tc.layers, tc.format, progress.Nop(), 4)
		if got := p.streamed[big.Digest]; got != tc.streams {
			t.Errorf("%s: streamed = %v, want %v", tc.name, got, tc.streams)
		}
		if got := p.direct(big); got != tc.direct {
			t.Errorf("%s: direct = %v, want %v", tc.name, got, tc.direct)
		}
		if p.streamed[small.Digest] {
			t.Errorf("%s: a blob under StreamMin streams", tc.name)
		}
	}
}
