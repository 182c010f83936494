package main

import (
	"runtime/debug"
	"runtime/metrics"
)

// simGC is "aquanet sim"'s garbage collection policy, unless GOGC is set: collect at GOGC=50
// (a run's heap is mostly its nodes' lasting state: collecting at half again of it rather than
// twice keeps a fifth less memory), but with at least gcMinHeadroom of heap between one
// collection and the next. Half again of a large run's heap (a thousand nodes and more) is
// far more than that, and the floor changes nothing there. Below, the collector's work for a
// byte allocated grows with the live heap over the headroom: with a floor of 64 MB, a chat of
// 100 nodes (some 400 MB live) spent 7.6 times as much on the collector for a byte of its data
// as a chat of 25, and ran a byte 1.5 times slower; with 256 MB, 31 s instead of 38, at 781 MB
// instead of 642 (100 nodes in rooms: 371–386 MB instead of 170–198, no slower).
type simGC struct {
	percent int // the GOGC in force
	live    []metrics.Sample
}

// gcMinHeadroom is the least heap growth between two collections.
const gcMinHeadroom = 256 << 20

// newSimGC sets GOGC=50, with the floor for the heap as it is now; restore puts back the GOGC
// there was.
func newSimGC() (g *simGC, restore func()) {
	g = &simGC{percent: 50, live: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	old := debug.SetGCPercent(g.percent)
	g.adjust()
	return g, func() { debug.SetGCPercent(old) }
}

// adjust sets GOGC for the live heap as of the last collection: 50, or more if half again of
// the live heap is less than gcMinHeadroom. A run calls it as it goes (on its progress), as
// its nodes' state grows.
func (g *simGC) adjust() {
	if g == nil {
		return
	}
	metrics.Read(g.live)
	p := 50
	if s := g.live[0]; s.Value.Kind() == metrics.KindUint64 {
		if live := s.Value.Uint64(); live > 0 {
			p = max(p, int(min(gcMinHeadroom*100/live, 10_000)))
		}
	}
	if p != g.percent {
		debug.SetGCPercent(p)
		g.percent = p
	}
}
