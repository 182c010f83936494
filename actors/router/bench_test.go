package router

import (
	"fmt"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/particles"
	"github.com/aquanet/aquanet/internal/clock"
	istore "github.com/aquanet/aquanet/internal/store"
	"github.com/aquanet/aquanet/particle"
)

// BenchmarkLifecycle: the router's share of a particle's life on a node, on the deterministic
// loop and a manual clock: a particle handed in checked already (no signature to verify), its
// actor spawned, run once on a script that does nothing, finished, stopped, and forgotten at its
// deadline. The clock moves a millisecond every perMS particles and the TTL is a second, so a
// thousand milliseconds' particles wait for their deadlines at any time, as on a busy node; at
// 16 per millisecond, deadlines fall on the same millisecond, as they do on a node that takes
// 16,000 particles a second.
func BenchmarkLifecycle(b *testing.B) {
	for _, perMS := range []int{1, 16} {
		b.Run(fmt.Sprintf("%d-per-ms", perMS), func(b *testing.B) { benchmarkLifecycle(b, perMS) })
	}
}

func benchmarkLifecycle(b *testing.B, perMS int) {
	self := actortest.Identity(b, "alice")
	start := time.UnixMilli(1_700_000_000_000)
	clk := clock.NewManual(start)
	loop, opts := actortest.Loop(1)
	system := actortest.System()
	db, err := istore.Open(istore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	probe := system.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {}, opts...))
	rt := system.Root.Spawn(Props(Config{Self: self.PeerID, Key: self.Key, Clock: clk, Registry: probe, Network: probe,
		Store: particles.NewStore(db), Bounds: Bounds{MaxParticlesPerInit: 1 << 30, MaxParticles: 1 << 30}}, opts...))
	p := actortest.Particle(b, self, particle.Particle{Timestamp: uint64(start.UnixMilli()), TTL: 1_000, MaxHops: 8, Script: `(null)`})
	loop.Run(1_000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		p.ID = fmt.Sprint("p-", i)
		p.Timestamp = uint64(clk.Now().UnixMilli())
		system.Root.Send(rt, &Checked{From: self.PeerID, Particle: p})
		loop.Run(1_000)
		if i%perMS == perMS-1 {
			clk.Advance(time.Millisecond)
			loop.Run(1_000)
		}
	}
	b.StopTimer()
	if loop.Pending() != 0 {
		b.Fatal("the node did not go idle")
	}
}
