package formatter

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/docker-zarf/docker-zarf/journey"
	"github.com/docker-zarf/docker-zarf/manifest"
)

// TestViewsEscapeWhatRegistriesSay: every name that comes from a registry
// or a package is shown escaped, in each table.
func TestViewsEscapeWhatRegistriesSay(t *testing.T) {
	const evil = "\x1b[2Jx"
	var b bytes.Buffer
	if err := Tags(&b, []journey.Tag{{Tag: evil, Architectures: []string{evil}, Size: 1}}, true); err != nil {
		t.Fatal(err)
	}
	if err := Layers(&b, Text, []manifest.Layer{{Title: evil}}); err != nil {
		t.Fatal(err)
	}
	if err := Published(&b, journey.Published{Architecture: evil, Replaced: "sha256:a"}, evil); err != nil {
		t.Fatal(err)
	}
	if err := Cache(&b, journey.CacheInfo{Dir: evil}, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsRune(b.String(), 0x1b) {
		t.Fatalf("a raw ESC reached the output:\n%q", b.String())
	}
	if n := strings.Count(b.String(), `\x1b[2Jx`); n != 7 {
		t.Fatalf("want the escaped name 7 times, got %d:\n%s", n, b.String())
	}
}

func TestTagsTable(t *testing.T) {
	var b bytes.Buffer
	rows := []journey.Tag{{Tag: "1.0.0", Architectures: []string{"amd64", "arm64"}, Size: 2048, Digest: "sha256:ab"}, {Tag: "old"}}
	if err := Tags(&b, rows, true); err != nil {
		t.Fatal(err)
	}
	want := "TAG    ARCHITECTURES  SIZE  DIGEST\n1.0.0  amd64,arm64    2KiB  sha256:ab\nold    -              0B    \n"
	if b.String() != want {
		t.Fatalf("got\n%q\nwant\n%q", b.String(), want)
	}
}

func TestPruneWarningSaysWhatGoes(t *testing.T) {
	for _, tc := range []struct {
		all   bool
		until time.Duration
		want  string
	}{
		{false, 0, "remove all partial downloads in the cache /c"},
		{true, 0, "remove all blobs in the cache /c"},
		{true, 24 * time.Hour, "not used in the last 24h in the cache /c"},
		{false, 90 * time.Minute, "not used in the last 1h30m in the cache /c"},
	} {
		if got := PruneWarning("/c", tc.all, tc.until); !strings.Contains(got, tc.want) {
			t.Errorf("PruneWarning(all=%v, until=%v) = %q, want it to say %q", tc.all, tc.until, got, tc.want)
		}
	}
}
