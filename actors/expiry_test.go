package actors

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/network"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/particle"
)

func actorCount(s *actor.ActorSystem) int {
	n := 0
	for _, bucket := range s.ProcessRegistry.LocalPIDs.LocalPIDs {
		n += bucket.Count()
	}
	return n
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// 10,000 particles live until their deadline, then leave nothing behind: the node's actor count
// and heap come back to what they were before.
func TestTenThousandParticlesExpire(t *testing.T) {
	const count = 10_000
	clk := clock.NewManual(time.UnixMilli(1_700_000_000_000))
	loop, opts := actortest.Loop(1)
	id, _ := scenario.NewIdentity("alice")
	n, err := NewNode(Env{Key: id.Key, Clock: clk, Transport: network.NewHub().Join,
		ActorOptions: opts})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(); err != nil {
		t.Fatal(err)
	}
	run := func() {
		t.Helper()
		if loop.Run(100 * count); loop.Pending() != 0 {
			t.Fatal("the node did not go idle")
		}
	}
	run()
	particles := make([]particle.Particle, count)
	for i := range particles {
		particles[i] = actortest.Particle(t, id, particle.Particle{ID: fmt.Sprint("p-", i), Timestamp: uint64(clk.Now().UnixMilli()), TTL: 30_000,
			Script: `(call %init_peer_id% ("op" "noop") [])`})
	}
	baseActors, baseHeap := actorCount(n.system), heapInUse()

	for i, p := range particles {
		n.Deliver(p)
		if i%500 == 499 {
			run()
		}
	}
	run()
	if live := actorCount(n.system) - baseActors; live != count {
		t.Fatalf("%d particle actors live, want %d", live, count)
	}
	t.Logf("heap in use: %d MB before, %d MB with %d particles live", baseHeap>>20, heapInUse()>>20, count)
	clk.Advance(30 * time.Second)
	run()
	if after := actorCount(n.system); after != baseActors {
		t.Fatalf("%d actors after every particle expired, %d before", after, baseActors)
	}
	particles = nil
	// Slack for the runtime's own bookkeeping; 10,000 live particles held tens of megabytes.
	if after := heapInUse(); after > baseHeap+4<<20 {
		t.Fatalf("heap in use %d MB after expiry, %d MB before", after>>20, baseHeap>>20)
	}
}
