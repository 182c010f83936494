package p2p

import (
	"fmt"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/aquanet/aquanet/internal/clock"
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
