package actors

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"go.uber.org/goleak"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/network"
	"github.com/aquanet/aquanet/actors/particles"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
)

// A node restarted on its store goes on from the data it had: a copy of a particle that
// arrives again after the restart is still a replay (the store keeps which arrivals it merged),
// and one with other data runs without repeating the calls the node made before. Data of
// particles whose deadline passed while the node was down is gone at the start.
func TestRestartedNodeDoesNotRepeatCalls(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	clk := clock.NewManual(time.UnixMilli(1_700_000_000_000))
	id, _ := scenario.NewIdentity("alice")
	fs := vfs.NewMem()
	var calls atomic.Int32
	done := make(chan string, 4)
	start := func() *Node {
		t.Helper()
		n := startNode(t, Env{Key: id.Key, Clock: clk, Transport: network.NewHub().Join, DataDir: "alice", FS: fs})
		if err := n.Spawn(ctx, "counter", service.HandlerFunc(func(c service.CallContext, _ string, _ []value.Value) (value.Value, error) {
			calls.Add(1)
			done <- c.ParticleID
			return value.Null(), nil
		})); err != nil {
			t.Fatal(err)
		}
		return n
	}
	finished := func(n *Node, want int) {
		t.Helper()
		for s, err := n.Stats(ctx); s.Finished != want || s.Live != 0; s, err = n.Stats(ctx) {
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Millisecond)
		}
	}
	script := `(call %init_peer_id% ("counter" "count") [])`
	short := actortest.Particle(t, id, particle.Particle{ID: "short", Timestamp: uint64(clk.Now().UnixMilli()), TTL: 10_000, Script: script})
	long := actortest.Particle(t, id, particle.Particle{ID: "long", Timestamp: uint64(clk.Now().UnixMilli()), TTL: 60_000, Script: script})

	n := start()
	n.Deliver(n.PeerID(), short)
	n.Deliver(n.PeerID(), long)
	<-done
	<-done
	finished(n, 2)
	if err := n.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	clk.Advance(20 * time.Second) // "short" expires while the node is down
	n = start()
	defer func() {
		if err := n.Stop(ctx); err != nil {
			t.Error(err)
		}
	}()
	if _, err := n.Stats(ctx); err != nil { // the router has started, and cleared the store
		t.Fatal(err)
	}
	c, err := particles.NewStore(n.db).Count()
	if err != nil || c != 1 {
		t.Fatalf("%d particles' data after the restart (%v), want 1: the expired one is gone", c, err)
	}
	n.Deliver(n.PeerID(), long)
	for s, err := n.Stats(ctx); s.Replays != 1; s, err = n.Stats(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if s.Accepted != 0 {
			t.Fatalf("a replay after the restart was accepted: %+v", s)
		}
		time.Sleep(time.Millisecond)
	}
	other := long
	other.Data = []byte("\x01other data") // not a replay; fails to decode, changes nothing
	n.Deliver(n.PeerID(), other)
	// The replay left the particle's entry behind as finished, so Finished is 1 already: wait
	// until the new data was accepted and its run ended.
	for s, err := n.Stats(ctx); s.Accepted != 1 || s.Live != 0; s, err = n.Stats(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	if s, err := n.Stats(ctx); err != nil || s.Accepted != 1 || s.Replays != 1 || s.Finished != 1 {
		t.Fatalf("after a replay and new data: %+v (%v), want one replay and one accepted", s, err)
	}
	if got := calls.Load(); got != 2 {
		t.Fatalf("counter ran %d times, want 2: the restarted node ran a call again", got)
	}
}
