package progress

import (
	"io"
	"math"
	"sync"
	"unicode/utf8"

	"github.com/vbauerster/cupwriter"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// maxNameWidth keeps a bar's name column narrow enough for the counters and
// speed to fit: an image blob title is 84 characters.
const maxNameWidth = 40

// bars draws mpb bars. mpb serialises all drawing in its own goroutines;
// the mutex guards only the totals and the set of unfinished bars.
type bars struct {
	p     *mpb.Progress
	verb  string
	total *mpb.Bar

	mu     sync.Mutex
	size   int64             // sum of the tracked sizes, the total bar's total
	live   map[*barItem]bool // bars not yet finished, for Wait to abort
	waited bool
}

// terminalWriter returns an mpb console writer for w and whether w is a
// terminal. It sees through wrappers that expose their descriptor, as
// docker's *streams.Out does, which mpb alone would take for a plain writer.
func terminalWriter(w io.Writer) (*cupwriter.Writer, bool) {
	if w == nil {
		return nil, false
	}
	cw := cupwriter.New(w, false)
	if f, ok := w.(interface{ FD() uintptr }); ok && !cw.IsTerminal() {
		cw.SetTermFd(int(f.FD()))
	}
	return cw, cw.IsTerminal()
}

// newBars starts an mpb container on cw. Tests add options to render
// into a buffer.
func newBars(o options, cw mpb.ConsoleWriter, extra ...mpb.ContainerOption) *bars {
	p := mpb.New(append([]mpb.ContainerOption{mpb.WithConsoleWriter(cw)}, extra...)...)
	b := &bars{p: p, verb: o.verb, live: map[*barItem]bool{}}
	// The total bar never completes by itself (total 0): Wait completes it.
	b.total = p.New(0, mpb.BarStyle(),
		mpb.BarPriority(math.MaxInt32), // drawn last, below the transfers
		mpb.PrependDecorators(decor.Name("total", decor.WCSyncSpaceR)),
		mpb.AppendDecorators(counters(decor.WCSyncSpace), speed(decor.WCSyncSpace)),
	)
	return b
}

func counters(wc decor.WC) decor.Decorator {
	return decor.Any(func(s decor.Statistics) string {
		if s.Total <= 0 {
			return FormatSize(s.Current)
		}
		return FormatSize(s.Current) + " / " + FormatSize(s.Total)
	}, wc)
}

func speed(wc decor.WC) decor.Decorator {
	return decor.AverageSpeed(decor.SizeB1024(0), "% .1f", wc)
}

// Track adds a bar. Each transfer's bar starts with total 0, so mpb never
// completes it on its own (a retry may rewind it); Done, Skip or Abort ends
// it. After Wait it returns a bar that draws nothing.
func (b *bars) Track(name string, size int64) Bar {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.waited {
		return NopBar()
	}
	mb, err := b.p.Add(0, mpb.BarStyle().Build(),
		mpb.BarRemoveOnComplete(),
		mpb.PrependDecorators(decor.Name(shorten(name), decor.WCSyncSpaceR)),
		mpb.AppendDecorators(counters(decor.WCSyncSpace), speed(decor.WCSyncSpace)),
	)
	if err != nil {
		return NopBar()
	}
	it := &barItem{t: b, bar: mb, it: item{name: name, size: size}}
	if size > 0 {
		mb.SetTotal(size, false)
		b.size += size
		b.total.SetTotal(b.size, false)
	}
	b.live[it] = true
	return it
}

// Wait aborts any bar the caller left unfinished (so that mpb cannot hang),
// completes the total bar, and draws the final state.
func (b *bars) Wait() {
	b.mu.Lock()
	if b.waited {
		b.mu.Unlock()
		return
	}
	b.waited = true
	for it := range b.live {
		if _, ok := it.it.abort(); ok {
			it.bar.Abort(true)
		}
	}
	clear(b.live)
	b.mu.Unlock()
	b.total.SetTotal(-1, true)
	b.p.Wait()
}

// finished forgets a finished bar and adjusts the total bar: grow adds to
// its total (the final size of an item whose size was unknown), shrink
// removes a failed item's size.
func (b *bars) finished(it *barItem, grow int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.live, it)
	if grow != 0 && !b.waited {
		b.size += grow
		b.total.SetTotal(b.size, false)
	}
}

// println prints a line above the bars. mpb flushes it at the next refresh.
func (b *bars) println(line string) {
	_, _ = b.p.Write([]byte(line + "\n"))
}

// shorten cuts a long name for the bar's name column; the final line keeps
// the whole name.
func shorten(name string) string {
	if utf8.RuneCountInString(name) <= maxNameWidth {
		return name
	}
	r := []rune(name)
	return string(r[:maxNameWidth-1]) + "…"
}

// barItem is one transfer's mpb bar.
type barItem struct {
	t   *bars
	bar *mpb.Bar
	it  item
}

func (i *barItem) Add(n int64) {
	if i.it.add(n) {
		i.bar.IncrInt64(n)
		i.t.total.IncrInt64(n)
	}
}

func (i *barItem) SetCurrent(n int64) {
	if delta, ok := i.it.set(n); ok {
		i.bar.SetCurrent(n)
		i.t.total.IncrInt64(delta)
	}
}

func (i *barItem) Done() {
	if final, ok := i.complete(); ok {
		i.t.println(doneLine(i.t.verb, i.it.name, final))
	}
}

func (i *barItem) Skip(reason string) {
	if _, ok := i.complete(); ok {
		i.t.println(skipLine(i.it.name, reason))
	}
}

// complete ends the bar at its final count: SetTotal with force completes
// even a bar of unknown size, which mpb would otherwise never complete.
func (i *barItem) complete() (int64, bool) {
	final, delta, ok := i.it.finish()
	if !ok {
		return 0, false
	}
	i.bar.SetTotal(final, true)
	i.t.total.IncrInt64(delta)
	var grow int64
	if i.it.size <= 0 {
		grow = final
	}
	i.t.finished(i, grow)
	return final, true
}

func (i *barItem) Abort(err error) {
	counted, ok := i.it.abort()
	if !ok {
		return
	}
	i.bar.Abort(true)
	i.t.total.IncrInt64(-counted)
	i.t.finished(i, -max(i.it.size, 0))
	i.t.println(failLine(i.it.name, err))
}
