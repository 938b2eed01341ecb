package journey

import (
	"sync"

	"github.com/docker-zarf/docker-zarf/progress"
)

// gatedTracker holds back the bars of downloads started before the pull's
// checks are done (startEarly): nothing is drawn until open, so that a
// warning printed by the signature check never lands inside the frame, and
// a package the checks refuse shows no bars at all. open replays each
// held bar's progress into a real one; from then on bars pass straight
// through.
type gatedTracker struct {
	progress.Tracker
	mu      sync.Mutex
	open    bool
	pending []*heldBar
}

func (g *gatedTracker) Track(name string, size int64) progress.Bar {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.open {
		return g.Tracker.Track(name, size)
	}
	b := &heldBar{name: name, size: size}
	g.pending = append(g.pending, b)
	return b
}

// Open draws the held bars as they stand and lets later ones through.
func (g *gatedTracker) Open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.open {
		return
	}
	g.open = true
	for _, b := range g.pending {
		b.attach(g.Tracker.Track(b.name, b.size))
	}
	g.pending = nil
}

// heldBar records what happens to a transfer until it has a real bar.
type heldBar struct {
	name string
	size int64
	mu   sync.Mutex
	real progress.Bar
	ops  []func(progress.Bar) // in order; consecutive Adds merged into added
	// added is the bytes Added since the last op.
	added int64
}

func (b *heldBar) do(op func(progress.Bar)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.real != nil {
		op(b.real)
		return
	}
	b.flushAdded()
	b.ops = append(b.ops, op)
}

func (b *heldBar) flushAdded() {
	if n := b.added; n > 0 {
		b.ops = append(b.ops, func(r progress.Bar) { r.Add(n) })
		b.added = 0
	}
}

func (b *heldBar) attach(real progress.Bar) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushAdded()
	for _, op := range b.ops {
		op(real)
	}
	b.ops, b.real = nil, real
}

func (b *heldBar) Add(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.real != nil {
		b.real.Add(n)
		return
	}
	b.added += n
}

func (b *heldBar) SetCurrent(n int64) { b.do(func(r progress.Bar) { r.SetCurrent(n) }) }
func (b *heldBar) Done()              { b.do(progress.Bar.Done) }
func (b *heldBar) Skip(reason string) { b.do(func(r progress.Bar) { r.Skip(reason) }) }
func (b *heldBar) Abort(err error)    { b.do(func(r progress.Bar) { r.Abort(err) }) }
