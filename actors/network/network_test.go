package network

import (
	"fmt"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/actors/dispatch"
	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/particles"
	"github.com/aquanet/aquanet/actors/registry"
	"github.com/aquanet/aquanet/actors/router"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/internal/store"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
)

// testNode is a router, a registry and a network actor, wired as a node wires them.
type testNode struct {
	id       scenario.Identity
	router   *actor.PID
	registry *actor.PID
	network  *actor.PID
}

type world struct {
	t      *testing.T
	system *actor.ActorSystem
	loop   *dispatch.Loop
	clock  *clock.Manual
	hub    *Hub
	opts   []actor.PropsOption

	particles int // made so far: their ids
}

func newWorld(t *testing.T) *world {
	w := &world{t: t, clock: clock.NewManual(time.UnixMilli(1_700_000_000_000)), hub: NewHub()}
	w.system = actortest.System()
	w.loop, w.opts = actortest.Loop(1)
	return w
}

func (w *world) run() {
	w.t.Helper()
	if w.loop.Run(1_000_000); w.loop.Pending() != 0 {
		w.t.Fatal("the world did not go idle")
	}
}

func (w *world) node(name string) *testNode {
	id, err := scenario.NewIdentity(name)
	if err != nil {
		w.t.Fatal(err)
	}
	n := &testNode{id: id}
	db, err := store.Open(store.Options{})
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { db.Close() })
	n.registry = w.system.Root.Spawn(registry.Props(registry.Config{Host: id.PeerID, Management: id.PeerID, Clock: w.clock}, w.opts...))
	// The router and the network actor name each other: the router is given the network
	// actor's PID by name before it is spawned, and the transport delivers to the router.
	netName := "net-" + name
	n.router = w.system.Root.Spawn(router.Props(router.Config{Self: id.PeerID, Key: id.Key, Clock: w.clock, Registry: n.registry,
		Network: w.system.NewLocalPID(netName), Store: particles.NewStore(db)}, w.opts...))
	transport := w.hub.Join(id.PeerID, core.InboxFunc(func(from string, p particle.Particle) {
		w.system.Root.Send(n.router, &router.Incoming{From: from, Particle: p})
	}))
	pid, err := w.system.Root.SpawnNamed(Props(Config{Self: id.PeerID, Transport: transport, Router: n.router}, w.opts...), netName)
	if err != nil {
		w.t.Fatal(err)
	}
	n.network = pid
	w.run()
	return n
}

func (w *world) spawn(n *testNode, id string, h service.HandlerFunc) {
	w.system.Root.Send(n.registry, &registry.Spawn{ID: id, Owner: n.id.PeerID, NewHandler: func() service.Handler { return h },
		ReplyTo: w.system.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {}, w.opts...))})
	w.run()
}

func (w *world) start(n *testNode, script string) {
	w.system.Root.Send(n.router, &router.Incoming{Particle: w.particle(n, script)})
	w.run()
}

func (w *world) particle(n *testNode, script string) particle.Particle {
	w.particles++
	return actortest.Particle(w.t, n.id, particle.Particle{ID: fmt.Sprint("p-", w.particles), Timestamp: uint64(w.clock.Now().UnixMilli()),
		TTL: 60_000, MaxHops: 8, Script: script})
}

func TestTwoNodesRoundTrip(t *testing.T) {
	w := newWorld(t)
	alice, bob := w.node("alice"), w.node("bob")
	w.spawn(bob, "greeter", func(ctx service.CallContext, fn string, args []value.Value) (value.Value, error) {
		s, _ := args[0].Str()
		return value.String("hello, " + s + " from " + ctx.InitPeerID[:8]), nil
	})
	var got []string
	w.spawn(alice, "callback", func(_ service.CallContext, fn string, args []value.Value) (value.Value, error) {
		got = append(got, fn+" "+args[0].String())
		return value.Null(), nil
	})
	w.start(alice, fmt.Sprintf(`(seq (call "%s" ("greeter" "greet") ["alice"] r) (call %%init_peer_id%% ("callback" "done") [r]))`, bob.id.PeerID))
	want := `done "hello, alice from ` + alice.id.PeerID[:8] + `"`
	if len(got) != 1 || got[0] != want {
		t.Fatalf("callbacks %q, want %q", got, want)
	}
	stats := func(n *testNode) Stats {
		var s *Stats
		probe := w.system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
			if m, ok := ctx.Message().(*Stats); ok {
				s = m
			}
		}, w.opts...))
		w.system.Root.Send(n.network, &GetStats{ReplyTo: probe})
		w.run()
		return *s
	}
	if s := stats(alice); s.Sent != 1 || s.Failed != 0 {
		t.Errorf("alice's network: %+v", s)
	}
	if s := stats(bob); s.Sent != 1 || s.Failed != 0 {
		t.Errorf("bob's network: %+v", s)
	}

	// A peer that is not on the hub: the send fails and is counted, nothing else breaks.
	w.start(alice, `(call "12D3KooWNoSuchPeerxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" ("s" "f") [])`)
	if s := stats(alice); s.Failed != 1 {
		t.Errorf("alice's network after a send to nowhere: %+v", s)
	}

	// A send to this peer itself goes straight back to its router, without a hop.
	p := w.particle(alice, `(null)`)
	w.system.Root.Send(alice.network, &particles.Send{To: alice.id.PeerID, Particle: p})
	w.run()
	var rs *router.Stats
	probe := w.system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if m, ok := ctx.Message().(*router.Stats); ok {
			rs = m
		}
	}, w.opts...))
	w.system.Root.Send(alice.router, &router.GetStats{ReplyTo: probe})
	w.run()
	if s := stats(alice); s.Local != 1 || rs.Accepted != 4 { // the round trip's start and return, the send to nowhere, this one
		t.Errorf("after a local send: network %+v, router %+v", s, rs)
	}
}
