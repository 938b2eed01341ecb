package layout_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/layout/layouttest"
)

// TestUnverifiedReadsTheSameBytes: OpenUnverified and WalkUnverified give
// every file's exact bytes in every form, and Seekable packages hand out
// Seekers, which an upload resumes without keeping what it sent. They do
// not hash: that is the point (the registry checks what is pushed).
func TestUnverifiedReadsTheSameBytes(t *testing.T) {
	for _, tc := range forms {
		t.Run(tc.name, func(t *testing.T) {
			spec := tc.spec
			spec.Files = smallFiles()
			p, err := layout.Open(context.Background(), layouttest.Build(t, t.TempDir(), spec))
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			want := map[string][]byte{}
			err = p.Walk(context.Background(), func(f layout.File, r io.Reader) error {
				b, err := io.ReadAll(r)
				want[f.Path] = b
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			walked := 0
			err = p.WalkUnverified(context.Background(), func(f layout.File, r io.Reader) error {
				b, err := io.ReadAll(r)
				if !bytes.Equal(b, want[f.Path]) {
					t.Errorf("WalkUnverified %s: %d bytes differ from Walk's %d", f.Path, len(b), len(want[f.Path]))
				}
				walked++
				return err
			})
			if err != nil || walked != len(p.Files) {
				t.Fatalf("WalkUnverified: %d of %d files, %v", walked, len(p.Files), err)
			}
			for _, f := range p.Files {
				rc, err := p.OpenUnverified(f)
				if err != nil {
					t.Fatal(err)
				}
				b, err := io.ReadAll(rc)
				rc.Close()
				if err != nil || !bytes.Equal(b, want[f.Path]) {
					t.Errorf("OpenUnverified %s: %d bytes, %v", f.Path, len(b), err)
				}
				if _, ok := rc.(io.Seeker); ok != (p.Seekable() && (tc.form != layout.FormSplit)) {
					t.Errorf("OpenUnverified %s: Seeker %v", f.Path, ok)
				}
			}
		})
	}
}
