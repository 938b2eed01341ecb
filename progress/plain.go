package progress

import (
	"io"
	"sync"
)

// plain prints one line per finished item.
type plain struct {
	mu   sync.Mutex // one line at a time
	w    io.Writer
	verb string
}

func newPlain(w io.Writer, o options) *plain {
	if w == nil {
		w = io.Discard
	}
	return &plain{w: w, verb: o.verb}
}

func (p *plain) Track(name string, size int64) Bar {
	return &plainBar{p: p, it: item{name: name, size: size}}
}

// Wait has nothing to draw: every line was printed when its item finished.
func (p *plain) Wait() {}

func (p *plain) println(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, _ = io.WriteString(p.w, line+"\n")
}

type plainBar struct {
	p  *plain
	it item
}

func (b *plainBar) Add(n int64) { b.it.add(n) }

func (b *plainBar) SetCurrent(n int64) { b.it.set(n) }

func (b *plainBar) Done() {
	if final, _, ok := b.it.finish(); ok {
		b.p.println(doneLine(b.p.verb, b.it.name, final))
	}
}

func (b *plainBar) Skip(reason string) {
	if _, _, ok := b.it.finish(); ok {
		b.p.println(skipLine(b.it.name, reason))
	}
}

func (b *plainBar) Abort(err error) {
	if _, ok := b.it.abort(); ok {
		b.p.println(failLine(b.it.name, err))
	}
}
