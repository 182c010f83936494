package actors

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/network"
	"github.com/aquanet/aquanet/actors/router"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
)

// BenchmarkParticles: particles through one node on protoactor's default dispatcher, each a
// script with one local call whose result goes to a callback service on the same node (two
// interpreter runs, two service calls, two synced saves before them). Pair it with
// BenchmarkPingPong. "memory" keeps the node's store in memory, "disk" in a directory.
func BenchmarkParticles(b *testing.B) {
	b.Run("memory", func(b *testing.B) { benchmarkParticles(b, "") })
	b.Run("disk", func(b *testing.B) { benchmarkParticles(b, b.TempDir()) })
}

func benchmarkParticles(b *testing.B, dir string) {
	clk := clock.NewManual(time.UnixMilli(1_700_000_000_000))
	id, _ := scenario.NewIdentity("alice")
	// Every particle comes from one initiator and stays until its deadline: lift the bounds.
	n := startNode(b, Env{Key: id.Key, Clock: clk, Transport: network.NewHub().Join, DataDir: dir,
		Bounds: router.Bounds{MaxParticlesPerInit: 1 << 30, MaxParticles: 1 << 30}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	done := make(chan struct{}, 1024)
	if err := n.Spawn(ctx, "callback", service.HandlerFunc(func(service.CallContext, string, []value.Value) (value.Value, error) {
		done <- struct{}{}
		return value.Null(), nil
	})); err != nil {
		b.Fatal(err)
	}
	script := `(seq (call %init_peer_id% ("op" "identity") ["hi"] r) (call %init_peer_id% ("callback" "done") [r]))`
	particles := make([]particle.Particle, b.N)
	for i := range particles {
		particles[i] = actortest.Particle(b, id, particle.Particle{ID: fmt.Sprint("p-", i), Timestamp: uint64(clk.Now().UnixMilli()), TTL: 600_000, Script: script})
	}
	const inFlight = 64
	b.ResetTimer()
	cpu := cpuTime(b)
	sent := 0
	for ; sent < min(inFlight, b.N); sent++ {
		n.Deliver(n.PeerID(), particles[sent])
	}
	for range b.N {
		select {
		case <-done:
		case <-ctx.Done():
			b.Fatal("particles stopped coming back")
		}
		if sent < b.N {
			n.Deliver(n.PeerID(), particles[sent])
			sent++
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "particles/s")
	// The process's CPU time per particle (every goroutine's, the garbage collector's
	// included): on a machine shared with other work, it varies less than particles/s.
	b.ReportMetric(float64((cpuTime(b)-cpu).Microseconds())/float64(b.N), "cpu-µs/particle")
	clk.Advance(time.Hour)
	if err := n.Stop(ctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPingPong: raw protoactor round trips between two actors on the default dispatcher,
// one in flight, the same machine and run as BenchmarkParticles.
func BenchmarkPingPong(b *testing.B) {
	system := actortest.System()
	done := make(chan struct{})
	type ping struct {
		left  int
		reply *actor.PID
	}
	var pinger *actor.PID
	ponger := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if m, ok := ctx.Message().(*ping); ok {
			ctx.Send(m.reply, m)
		}
	}))
	pinger = system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if m, ok := ctx.Message().(*ping); ok {
			if m.left == 0 {
				close(done)
				return
			}
			m.left--
			ctx.Send(ponger, m)
		}
	}))
	b.ResetTimer()
	system.Root.Send(pinger, &ping{left: b.N, reply: pinger})
	<-done
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
	system.Root.Stop(pinger)
	system.Root.Stop(ponger)
}
