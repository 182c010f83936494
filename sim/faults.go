package sim

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/aquanet/aquanet/internal/clock"
)

// A swizzle-clog (FoundationDB's): clog a random subset of nodes one by one, hold, then unclog
// them in a random order.
type swizzle struct {
	At    time.Duration
	Nodes []int
	Gap   time.Duration // between one clog (or unclog) and the next
	Hold  time.Duration // from the last clog to the first unclog
}

// split is a partition of the nodes in two for a while.
type split struct {
	At, For time.Duration
	Side1   []int // the nodes on side 1; the others are on side 0
	OneWay  bool  // only side 0 → side 1 is cut
}

// drawSplits draws count partitions within d (none for a single node).
func drawSplits(r *rand.Rand, nodes, count int, d time.Duration) []split {
	if nodes < 2 {
		return nil
	}
	out := make([]split, count)
	for i := range out {
		s := split{At: time.Duration(r.Int64N(int64(d))), For: time.Second + time.Duration(r.Int64N(int64(29*time.Second))), OneWay: r.IntN(2) == 0}
		perm := r.Perm(nodes)
		s.Side1 = perm[:1+r.IntN(nodes-1)]
		out[i] = s
	}
	return out
}

// drawSwizzles draws count swizzle-clogs within d.
func drawSwizzles(r *rand.Rand, nodes, count int, d time.Duration) []swizzle {
	out := make([]swizzle, count)
	for i := range out {
		perm := r.Perm(nodes)
		out[i] = swizzle{At: time.Duration(r.Int64N(int64(d))), Nodes: perm[:1+r.IntN(max(1, nodes/2))],
			Gap: time.Duration(1+r.IntN(5)) * time.Second, Hold: time.Duration(1+r.IntN(20)) * time.Second}
	}
	return out
}

// skewClock is a node's view of the shared virtual clock: off ahead of it (behind if negative).
// Timers run on durations, which skew does not change.
type skewClock struct {
	base *clock.Manual
	off  time.Duration
}

func (c skewClock) Now() time.Time                                  { return c.base.Now().Add(c.off) }
func (c skewClock) AfterFunc(d time.Duration, f func()) clock.Timer { return c.base.AfterFunc(d, f) }

// scheduleFaults puts o's partitions and swizzles on the clock. Nothing breaks from
// o.Duration on: there the liveness phase heals everything.
func scheduleFaults(o Options, clk *clock.Manual, net *Net, peers []string, log *EventLog) {
	at := func(t time.Duration, f func()) {
		if t < o.Duration {
			clk.AfterFunc(t, f)
		}
	}
	names := func(idx []int) string {
		var b strings.Builder
		for i, n := range idx {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "n%d", n)
		}
		return b.String()
	}
	for _, s := range o.Splits {
		side1 := make([]string, len(s.Side1))
		for i, n := range s.Side1 {
			side1[i] = peers[n]
		}
		at(s.At, func() {
			log.mark(clk.Now(), fmt.Sprintf("split %s one_way=%v", names(s.Side1), s.OneWay))
			net.split(side1, s.OneWay)
		})
		at(s.At+s.For, func() {
			log.mark(clk.Now(), "unsplit")
			net.group = nil
		})
	}
	for _, z := range o.Swizzles {
		t := z.At
		for _, n := range z.Nodes {
			p := peers[n]
			at(t, func() { log.mark(clk.Now(), fmt.Sprintf("clog n%d", n)); net.clogged[p] = true })
			t += z.Gap
		}
		t += z.Hold
		order := append([]int(nil), z.Nodes...)
		newRand(uint64(z.At), "unclog").Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, n := range order {
			p := peers[n]
			at(t, func() { log.mark(clk.Now(), fmt.Sprintf("unclog n%d", n)); delete(net.clogged, p) })
			t += z.Gap
		}
	}
}
