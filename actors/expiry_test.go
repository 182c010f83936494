package actors

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/network"
	"github.com/aquanet/aquanet/actors/particles"
	"github.com/aquanet/aquanet/actors/router"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/particle"
)

// liveHeap returns the bytes of live heap objects after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// 10,000 particles stay until their deadline, half of them finished (no actor, only their
// entry and their data in the store, but for the router.DefaultMaxKept that finished last,
// whose actors are kept for their next arrival), half still waiting for an answer (a particle actor and
// the data saved before its call, each); after the deadline nothing is left: the actor count, the store and the live
// heap are back to what they were before. Two waves warm the node up: maps keep the room they
// grew to, and protoactor's process registry (sharded Go maps, keyed by ever new PIDs) grows by
// less with every wave (2.2, 1.3, 0.8, 0.5 MB in a run of six), which is not a leak; a leak
// grows by the same with every wave, and is what the measured wave adds.
func TestTenThousandParticlesExpire(t *testing.T) {
	count := 10_000
	if raceEnabled {
		count = 1_000
	}
	clk := clock.NewManual(time.UnixMilli(1_700_000_000_000))
	loop, opts := actortest.Loop(1)
	id, _ := scenario.NewIdentity("alice")
	// The store on disk, as in production, so that the heap is the runtime's alone.
	n := startNode(t, Env{Key: id.Key, Clock: clk, Transport: network.NewHub().Join, Bounds: router.Bounds{MaxParticlesPerInit: 20_000},
		ActorOptions: opts, DataDir: t.TempDir()})
	t.Cleanup(func() { n.db.Close() }) // the loop stops with the test; nothing writes after it
	run := func() {
		t.Helper()
		if loop.Run(100 * count); loop.Pending() != 0 {
			t.Fatal("the node did not go idle")
		}
	}
	run()
	stored := func() int {
		t.Helper()
		c, err := particles.NewStore(n.db).Count()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	wave := func(name string) {
		t.Helper()
		ps := make([]particle.Particle, count)
		for i := range ps {
			script := `(call %init_peer_id% ("op" "noop") [])`
			if i%2 == 1 {
				script = `(call %init_peer_id% ("peer" "timeout") [60000 "never"])` // past the deadline: no answer
			}
			ps[i] = actortest.Particle(t, id, particle.Particle{ID: fmt.Sprint(name, "-", i), Timestamp: uint64(clk.Now().UnixMilli()), TTL: 30_000,
				Script: script})
		}
		before := n.Actors()
		for i, p := range ps {
			n.Deliver(n.PeerID(), p)
			if i%500 == 499 {
				run()
			}
		}
		run()
		if live, want := n.Actors()-before, count/2+min(count/2, router.DefaultMaxKept); live != want {
			t.Fatalf("%s: %d actors live, want %d (a particle actor for each waiting particle, and the kept ones of the finished)", name, live, want)
		}
		if s := stored(); s != count {
			t.Fatalf("%s: %d particles' data in the store, want %d (the finished ones, and the waiting ones saved before their calls)", name, s, count)
		}
		t.Logf("%s: live heap %d MB with %d particles", name, liveHeap()>>20, count)
		clk.Advance(30 * time.Second)
		run()
		if after := n.Actors(); after != before {
			t.Fatalf("%s: %d actors after every particle expired, %d before", name, after, before)
		}
		if s := stored(); s != 0 {
			t.Fatalf("%s: %d particles' data in the store after the deadline", name, s)
		}
	}
	if raceEnabled {
		wave("race")
		return
	}
	wave("warm-up")
	wave("warm-up-2")
	base := liveHeap()
	wave("p")
	// Slack for the registry (above) and the runtime; 300 bytes kept per particle would be more.
	if after := liveHeap(); after > base+3<<20 {
		t.Fatalf("live heap %d MB after expiry, %d MB before", after>>20, base>>20)
	}
	t.Logf("live heap after expiry: %d MB, before: %d MB", liveHeap()>>20, base>>20)
}
