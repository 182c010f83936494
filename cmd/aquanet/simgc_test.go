package main

import (
	"runtime/debug"
	"runtime/metrics"
	"testing"
)

// A test binary's heap is far under 512 MB: half again of it is less than the floor, so the
// policy collects at the floor's GOGC rather than at 50; restoring puts back the GOGC there was.
func TestSimGCKeepsTheHeadroomFloor(t *testing.T) {
	before := debug.SetGCPercent(70)
	defer debug.SetGCPercent(before)
	g, restore := newSimGC()
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(live)
	if l := live[0].Value.Uint64(); l == 0 || l > gcMinHeadroom*2 {
		t.Skipf("live heap %d bytes: not the small heap this test is about", l)
	}
	if got := debug.SetGCPercent(g.percent); got != g.percent || got <= 50 {
		t.Errorf("GOGC %d after newSimGC (policy says %d), want above 50 for a small heap", got, g.percent)
	}
	restore()
	if got := debug.SetGCPercent(before); got != 70 {
		t.Errorf("GOGC %d after restore, want the 70 there was", got)
	}
}

// Without the policy (GOGC set in the environment) adjusting does nothing.
func TestSimGCNilAdjustsNothing(t *testing.T) {
	before := debug.SetGCPercent(70)
	defer debug.SetGCPercent(before)
	var g *simGC
	g.adjust()
	if got := debug.SetGCPercent(70); got != 70 {
		t.Errorf("GOGC %d after a nil policy's adjust, want 70", got)
	}
}
