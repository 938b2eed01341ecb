package faultproxy

import (
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
)

// Matcher selects the requests a scenario applies to. It is called with the
// proxy's lock held, so it must only look at the request (never read its
// body or block).
type Matcher func(r *http.Request) bool

// Action handles a request a scenario took. next is the real registry; an
// action may call it (pass through, possibly altered) or answer by itself.
type Action func(w http.ResponseWriter, r *http.Request, next http.Handler)

// Scenario is one fault: which requests, what happens, how often.
type Scenario struct {
	// Name identifies the scenario for [Proxy.Fired]. Default "".
	Name string
	// Match selects requests. Default (nil): every request.
	Match Matcher
	// Action handles the selected requests. Required; a nil Action passes
	// the request through (and still counts as fired).
	Action Action
	// Count > 0 limits the scenario to its first Count firings ("the first N
	// matching requests"); then it steps aside. Default 0: unlimited.
	Count int
	// Probability in (0, 1) fires the scenario for that fraction of matching
	// requests, drawn from the proxy's seeded RNG so runs are reproducible.
	// Default 0 (or >= 1): every matching request.
	Probability float64
}

// entry is a scenario plus how often it fired.
type entry struct {
	Scenario
	fired int
}

// Proxy injects faults; the zero value is not usable, call [New].
type Proxy struct {
	mu        sync.Mutex
	rng       *rand.Rand
	scenarios []*entry

	bytesIn, bytesOut atomic.Int64 // body bytes, see BytesIn and BytesOut
}

// BytesIn is how many request body bytes the proxy has read from clients
// (passed on to the registry, or read by an action before it cut the
// request). A body answered before it was read (a 413, a 503) counts
// nothing: what a client sent twice shows here as bytes over the blob's
// size.
func (p *Proxy) BytesIn() int64 { return p.bytesIn.Load() }

// BytesOut is how many response body bytes the proxy has written to
// clients, cut responses included.
func (p *Proxy) BytesOut() int64 { return p.bytesOut.Load() }

// countingBody counts the request body bytes read through it.
type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c countingBody) Read(b []byte) (int, error) {
	n, err := c.ReadCloser.Read(b)
	c.n.Add(int64(n))
	return n, err
}

// countingWriter counts the response body bytes written through it.
// Unwrap keeps Hijack and Flush reachable for http.ResponseController.
type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (c countingWriter) Write(b []byte) (int, error) {
	n, err := c.ResponseWriter.Write(b)
	c.n.Add(int64(n))
	return n, err
}

func (c countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// Flush passes on: actions that trickle or stream a body flush as they go,
// and a writer that hid Flush would make them panic.
func (c countingWriter) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// New returns a proxy with no scenarios whose probability draws come from
// an RNG seeded with seed.
func New(seed uint64) *Proxy {
	return &Proxy{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// Set replaces all scenarios (their fired counts start at zero).
func (p *Proxy) Set(s ...Scenario) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.scenarios = nil
	p.add(s)
}

// Add appends scenarios after the existing ones (earlier ones win).
func (p *Proxy) Add(s ...Scenario) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.add(s)
}

func (p *Proxy) add(s []Scenario) {
	for _, sc := range s {
		p.scenarios = append(p.scenarios, &entry{Scenario: sc})
	}
}

// Clear removes all scenarios: every request passes through.
func (p *Proxy) Clear() { p.Set() }

// Fired reports how many requests the current scenarios named name handled.
func (p *Proxy) Fired(name string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, e := range p.scenarios {
		if e.Name == name {
			n += e.fired
		}
	}
	return n
}

// Middleware wraps next (the registry) with fault injection; it plugs into
// testregistry.WithHandler.
func (p *Proxy) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = countingBody{ReadCloser: r.Body, n: &p.bytesIn}
		}
		w = countingWriter{ResponseWriter: w, n: &p.bytesOut}
		if act, ok := p.pick(r); ok && act != nil {
			act(w, r, next)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// pick chooses the first scenario that takes r and counts its firing.
func (p *Proxy) pick(r *http.Request) (Action, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.scenarios {
		if e.Count > 0 && e.fired >= e.Count {
			continue
		}
		if e.Match != nil && !e.Match(r) {
			continue
		}
		if e.Probability > 0 && e.Probability < 1 && p.rng.Float64() >= e.Probability {
			continue
		}
		e.fired++
		return e.Action, true
	}
	return nil, false
}
