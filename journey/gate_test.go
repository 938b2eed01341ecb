package journey

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/manifest"
	"github.com/docker-zarf/docker-zarf/progress"
	"github.com/docker-zarf/docker-zarf/signature"
)

// recTracker records the bars started and what each was told.
type recTracker struct {
	mu   sync.Mutex
	bars []*recBar
}

type recBar struct {
	mu    sync.Mutex
	name  string
	added int64
	ends  []string
}

func (t *recTracker) Track(name string, size int64) progress.Bar {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := &recBar{name: name}
	t.bars = append(t.bars, b)
	return b
}

func (t *recTracker) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.bars)
}

func (t *recTracker) SetTotal(int64)                  {}
func (t *recTracker) Step(string, int64) progress.Bar { return progress.NopBar() }
func (t *recTracker) Stats() progress.Stats           { return progress.Stats{} }
func (t *recTracker) Wait()                           {}
func (b *recBar) Add(n int64)                         { b.mu.Lock(); b.added += n; b.mu.Unlock() }
func (b *recBar) SetCurrent(n int64)                  { b.mu.Lock(); b.added = n; b.mu.Unlock() }
func (b *recBar) Done()                               { b.end("done") }
func (b *recBar) Skip(r string)                       { b.end("skip " + r) }
func (b *recBar) Abort(error)                         { b.end("abort") }
func (b *recBar) end(s string)                        { b.mu.Lock(); b.ends = append(b.ends, s); b.mu.Unlock() }

// TestGatedTracker: bars started before Open reach the tracker only at
// Open, with their progress so far; later ones go straight through.
func TestGatedTracker(t *testing.T) {
	rec := &recTracker{}
	g := &gatedTracker{Tracker: rec}
	a := g.Track("a", 10)
	a.SetCurrent(2)
	a.Add(3)
	a.Add(4)
	b := g.Track("b", 5)
	b.Skip("cached")
	if rec.count() != 0 {
		t.Fatal("a bar was drawn before Open")
	}
	g.Open()
	a.Add(1)
	a.Done()
	c := g.Track("c", 1)
	c.Abort(nil)
	if rec.count() != 3 {
		t.Fatalf("%d bars after Open, want 3", rec.count())
	}
	for i, want := range []struct {
		name  string
		added int64
		ends  string
	}{{"a", 10, "[done]"}, {"b", 0, "[skip cached]"}, {"c", 0, "[abort]"}} {
		got := rec.bars[i]
		if got.name != want.name || got.added != want.added || fmt.Sprint(got.ends) != want.ends {
			t.Errorf("bar %d: %s, %d bytes, %v; want %+v", i, got.name, got.added, got.ends, want)
		}
	}
}

// TestEarlyBarsWaitForTheSignatureWarning: a package whose zarf.yaml says
// it is signed but whose signature layer is gone gets the "not verified"
// warning (no key) while the first downloads already run; no bar is drawn
// before it, so the warning never lands inside the frame.
func TestEarlyBarsWaitForTheSignatureWarning(t *testing.T) {
	reg, l := startRT(t)
	ctx := context.Background()
	c := rtClient()
	pkg, err := layout.Open(ctx, filepath.Join("..", "testdata", "fixtures", "packages", "signed", "zarf-package-flavored-amd64-0.2.0-upstream.tar"))
	if err != nil {
		t.Fatal(err)
	}
	defer pkg.Close()
	res, err := Publish(ctx, c, pkg, mustRepo(t, "oci://"+reg.Host+"/ns"), PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The same manifest without its zarf.bundle.sig layer, tagged.
	repo := mustRef(t, "oci://"+res.Reference).Context()
	h, err := v1.NewHash(res.Digest)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := c.Manifest(ctx, repo, v1.Descriptor{Digest: h})
	if err != nil {
		t.Fatal(err)
	}
	m, err := manifest.ParseManifest(mb)
	if err != nil {
		t.Fatal(err)
	}
	kept := m.Layers[:0]
	for _, d := range m.Layers {
		if d.Annotations[manifest.AnnotationTitle] != signature.BundleFile {
			kept = append(kept, d)
		}
	}
	m.Layers = kept
	raw, _ := json.Marshal(m)
	stripped := repo.Tag("stripped")
	if err := c.PutManifest(ctx, stripped, string(types.OCIManifestSchema1), raw); err != nil {
		t.Fatal(err)
	}
	rec := &recTracker{}
	barsAtWarning := -1
	v := Verify{Report: func(o signature.Outcome) {
		if o.Warning != nil {
			barsAtWarning = rec.count()
		}
	}}
	l.start()
	if _, err := Pull(ctx, c, stripped, PullOptions{Arch: "amd64", OutDir: t.TempDir(), CacheDir: t.TempDir(), Progress: rec, Verify: v}); err != nil {
		t.Fatal(err)
	}
	if barsAtWarning != 0 {
		t.Errorf("%d bars were drawn before the signature warning (-1: no warning)", barsAtWarning)
	}
	if rec.count() == 0 {
		t.Error("no bars at all")
	}
}
