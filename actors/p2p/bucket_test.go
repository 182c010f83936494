package p2p

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/particle"
)

// A peer's spent rate bucket is kept (a reconnect does not refill it), also when the table of
// buckets is full and pruned: only buckets that have refilled go.
func TestSpentBucketsSurvivePruning(t *testing.T) {
	clk := clock.NewManual(time.UnixMilli(1_700_000_000_000))
	tr := &Transport{cfg: Config{Clock: clk, Rate: 10, Burst: 5}, buckets: map[peer.ID]*bucket{}}
	flooder := peer.ID("flooder")
	for range 5 {
		if !tr.allow(flooder) {
			t.Fatal("the burst was refused")
		}
	}
	if tr.allow(flooder) {
		t.Fatal("a sixth particle within the burst was allowed")
	}
	for i := range maxBuckets { // fresh identities, one particle each
		tr.allow(peer.ID(fmt.Sprint("fresh-", i)))
	}
	clk.Advance(50 * time.Millisecond) // half a token for everyone: no bucket is full yet
	tr.allow(peer.ID("one more"))      // the table is full: prune
	if _, ok := tr.buckets[flooder]; !ok {
		t.Fatal("the flooder's spent bucket was pruned")
	}
	if tr.allow(flooder) {
		t.Fatal("the flooder got a token it has not earned")
	}
	clk.Advance(time.Second) // everyone refills
	tr.allow(peer.ID("and another"))
	if len(tr.buckets) > 2 {
		t.Fatalf("%d buckets after a prune of full ones, want the new one and the flooder's at most", len(tr.buckets))
	}
}

// Fresh identities each have a full burst of their own; the node's bucket caps what all of
// them together get in. 300 peers each send five particles, with a burst of four each and
// 1,000 for the node, and a clock that stands still: each peer's fifth is cut by its own
// bucket (and spends none of the node's tokens), and of the 1,200 the peers' buckets let
// through, the node takes its burst, 1,000. A second later it takes GlobalRate more.
func TestGlobalRateLimit(t *testing.T) {
	const peers, each, burst, globalBurst, globalRate = 300, 5, 4, 1000, 100
	clk := clock.NewManual(time.Unix(1, 0))
	m, _ := newMetrics(nil)
	tr := newTransport(Config{Clock: clk, Rate: 1, Burst: burst, GlobalRate: globalRate, GlobalBurst: globalBurst}.withDefaults(), m)
	defer tr.cancel()
	from := actortest.Identity(t, "fresh")
	good := actortest.Particle(t, from, particle.Particle{ID: "p", Timestamp: 1, TTL: 1000, MaxHops: 4, Script: "(null)"})
	var stream []byte
	for range each {
		stream = appendFrame(stream, good.Encode())
	}
	delivered := 0
	send := func(id peer.ID) {
		err := tr.readParticles(id, bytes.NewReader(stream), &testScope{limit: 1 << 20}, func(string, particle.Particle) { delivered++ })
		if err != nil {
			t.Fatalf("peer %s: %v", id, err)
		}
	}
	for i := range peers {
		send(peer.ID(fmt.Sprint("fresh-", i)))
	}
	if delivered != globalBurst {
		t.Errorf("%d particles of %d fresh peers delivered, want the node's burst, %d", delivered, peers, globalBurst)
	}
	for reason, want := range map[string]float64{"rate_limited": peers, "global_rate_limited": peers*burst - globalBurst} {
		if n := testutil.ToFloat64(m.dropped.WithLabelValues(reason)); n != want {
			t.Errorf("%v dropped as %s, want %v", n, reason, want)
		}
	}

	clk.Advance(time.Second) // the node's bucket refills by GlobalRate, each peer's by one
	delivered = 0
	for i := range 2 * globalRate {
		send(peer.ID(fmt.Sprint("later-", i)))
	}
	if delivered != globalRate {
		t.Errorf("%d particles delivered a second later, want the node's rate, %d", delivered, globalRate)
	}
}
