package actors

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/network"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
)

// A handler that blocks past its particle's deadline holds up neither the other branch of the
// same par nor other particles; the particle expires on time and leaves no actor behind; calls
// queued behind the blocked one whose particles expired meanwhile are never run; and once the
// handler returns, the service serves again.
func TestBlockingHandlerBlocksNoOtherParticle(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	clk := clock.NewManual(time.UnixMilli(1_700_000_000_000))
	id, _ := scenario.NewIdentity("alice")
	n := startNode(t, Env{Key: id.Key, Clock: clk, Transport: network.NewHub().Join})
	release := make(chan struct{})
	released := false
	defer func() {
		if !released {
			close(release)
		}
		clk.Advance(time.Hour)
		if err := n.Stop(ctx); err != nil {
			t.Error(err)
		}
	}()

	var slowRuns atomic.Int32
	entered := make(chan string, 4)
	if err := n.Spawn(ctx, "slow", service.HandlerFunc(func(c service.CallContext, _ string, _ []value.Value) (value.Value, error) {
		slowRuns.Add(1)
		entered <- c.ParticleID
		<-release
		return value.String("slow done"), nil
	})); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 8)
	if err := n.Spawn(ctx, "callback", service.HandlerFunc(func(c service.CallContext, fn string, args []value.Value) (value.Value, error) {
		got <- c.ParticleID + " " + fn
		return value.Null(), nil
	})); err != nil {
		t.Fatal(err)
	}
	start := func(pid string, ttl uint32, script string) {
		n.Deliver(n.PeerID(), actortest.Particle(t, id, particle.Particle{ID: pid, Timestamp: uint64(clk.Now().UnixMilli()), TTL: ttl, Script: script}))
	}
	wait := func(want string) {
		t.Helper()
		select {
		case s := <-got:
			if s != want {
				t.Fatalf("callback %q, want %q", s, want)
			}
		case <-ctx.Done():
			t.Fatalf("no callback %q", want)
		}
	}
	waitFor := func(live, finished int) {
		t.Helper()
		for {
			s, err := n.Stats(ctx)
			if err != nil {
				t.Fatalf("waiting for %d live particles and %d finished: %v", live, finished, err)
			}
			if s.Live == live && s.Finished == finished {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}

	// The actors of the node and its services; the short-lived actors that answered Spawn
	// stop on their own, soon.
	base := settledActorCount(t, n)
	start("blocked", 1_000, `(par (call %init_peer_id% ("slow" "wait") [] r) (call %init_peer_id% ("callback" "beside") []))`)
	if p := <-entered; p != "blocked" {
		t.Fatalf("slow entered for %s", p)
	}
	wait("blocked beside") // the par's other branch went on
	start("queued", 1_000, `(call %init_peer_id% ("slow" "wait") [])`)
	start("other", 60_000, `(call %init_peer_id% ("callback" "other") [])`)
	wait("other other")
	waitFor(2, 1) // "other" is done: its entry waits for its deadline, its actor is kept for a next arrival

	clk.Advance(time.Second) // the deadline of "blocked" and "queued"
	waitFor(0, 1)
	// "blocked" and "queued" had their particle actors still waiting: they are gone, and what is
	// left is the node and the kept actor of "other".
	if live := settledActorCount(t, n); live != base+1 {
		t.Errorf("%d actors after the expiry, %d before the particles and the one kept", live, base)
	}

	start("after", 60_000, `(seq (call %init_peer_id% ("slow" "wait") [] r) (call %init_peer_id% ("callback" "after") [r]))`)
	close(release)
	released = true
	if p := <-entered; p != "after" {
		t.Fatalf("slow ran for %s, whose particle had expired", p)
	}
	wait("after after")
	if runs := slowRuns.Load(); runs != 2 {
		t.Errorf("slow ran %d times, want 2 (blocked, after)", runs)
	}
}

// settledActorCount returns the node's actor count once it has not changed for 20 ms (actors
// that answered a request stop on their own), failing the test after a second.
func settledActorCount(t *testing.T, n *Node) int {
	t.Helper()
	last, same := n.Actors(), 0
	for range 1000 {
		time.Sleep(time.Millisecond)
		c := n.Actors()
		if c != last {
			last, same = c, 0
			continue
		}
		if same++; same == 20 {
			return c
		}
	}
	t.Fatal("the actor count did not settle")
	return 0
}
