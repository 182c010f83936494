package actors

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/network"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
)

// Two nodes in one shared actor system, on one loop as in the simulator, stay apart as in
// systems of their own: each serves a service of the same name, and a particle to one reaches
// only its service until the script sends it to the other; a panic in one's service is heard
// by that node alone; each counts its own actors. One is killed and started again in the
// system, as a simulator restarts a crashed node: a message to the killed one's actors (its
// timers may still send some) reaches them, not its successor's, which serve alone; the other
// node went on all along.
func TestSharedSystemKeepsNodesApart(t *testing.T) {
	loop, opts := actortest.Loop(1)
	clk := clock.NewManual(time.UnixMilli(1_700_000_000_000))
	hub := network.NewHub()
	shared := NewSystem(nil)
	calls := map[string][]string{}    // node name -> "fn arg" of each call to its service
	failures := map[string][]string{} // node name -> the failures it heard of
	start := func(name, identity string) *Node {
		t.Helper()
		n := startNode(t, Env{Key: actortest.Identity(t, identity).Key, Clock: clk, Transport: hub.Join, ActorOptions: opts, System: shared,
			OnActorFailure: func(who string, reason any) { failures[name] = append(failures[name], fmt.Sprint(reason)) }})
		// Its database closes with the test (a node of a shared system on a loop is killed, as
		// the simulator ends one): left open, its goroutines were found by the leak checks of
		// the tests that ran after it (go test -count=2).
		t.Cleanup(func() { n.Kill() }) //nolint:errcheck // the killed alice is not running any more
		var spawned error
		n.SpawnAsync("echo", service.HandlerFunc(func(_ service.CallContext, fn string, args []value.Value) (value.Value, error) {
			if fn == "boom" {
				panic(name + "'s echo exploded")
			}
			calls[name] = append(calls[name], fn+" "+args[0].String())
			return args[0], nil
		}), func(err error) { spawned = err })
		loop.Run(1 << 20)
		if spawned != nil {
			t.Fatal(spawned)
		}
		return n
	}
	alice, bob := start("alice", "alice"), start("bob", "bob")
	send := func(id, script string) {
		alice.Deliver(alice.PeerID(), actortest.Particle(t, actortest.Identity(t, "alice"),
			particle.Particle{ID: id, Timestamp: uint64(clk.Now().UnixMilli()), TTL: 60_000, MaxHops: 4, Script: script}))
		loop.Run(1 << 20)
	}
	want := func(step string, wantCalls, wantFailures map[string][]string) {
		t.Helper()
		for _, name := range []string{"alice", "bob", "alice again"} {
			if !slices.Equal(calls[name], wantCalls[name]) || !slices.Equal(failures[name], wantFailures[name]) {
				t.Errorf("%s: %s's calls %q and failures %q, want %q and %q", step, name, calls[name], failures[name], wantCalls[name], wantFailures[name])
			}
		}
	}

	send("p-1", `(call %init_peer_id% ("echo" "here") ["1"] r)`)
	want("a particle alice keeps", map[string][]string{"alice": {`here "1"`}}, nil)
	send("p-2", fmt.Sprintf(`(seq (call %%init_peer_id%% ("echo" "here") ["2"] r) (call "%s" ("echo" "there") [r] s))`, bob.PeerID()))
	want("a particle alice sends to bob", map[string][]string{"alice": {`here "1"`, `here "2"`}, "bob": {`there "2"`}}, nil)
	send("p-3", `(xor (call %init_peer_id% ("echo" "boom") ["3"] r) (null))`)
	want("a panic in alice's service", map[string][]string{"alice": {`here "1"`, `here "2"`}, "bob": {`there "2"`}},
		map[string][]string{"alice": {"alice's echo exploded"}})

	clk.Advance(2 * time.Minute) // every particle past its deadline
	loop.Run(1 << 20)
	counts := shared.Actors()
	if counts[alice.PeerID()] != alice.Actors() || counts[bob.PeerID()] != bob.Actors() || len(counts) != 2 {
		t.Fatalf("the system counts %v actors, the nodes %d (alice) and %d (bob)", counts, alice.Actors(), bob.Actors())
	}

	if err := alice.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := alice
	alice = start("alice again", "alice")
	if got := shared.Actors(); got[alice.PeerID()] != counts[alice.PeerID()] || got[bob.PeerID()] != counts[bob.PeerID()] {
		t.Errorf("after alice's restart the system counts %v actors, before it %v", got, counts)
	}
	registry := shared.system.ProcessRegistry
	old, _ := registry.Get(killed.router)
	successor, _ := registry.Get(alice.router)
	if old == shared.system.DeadLetter || old == successor {
		t.Error("a message to the killed alice's router does not reach it")
	}
	send("p-4", fmt.Sprintf(`(seq (call %%init_peer_id%% ("echo" "here") ["4"] r) (call "%s" ("echo" "there") [r] s))`, bob.PeerID()))
	want("after alice's restart", map[string][]string{"alice": {`here "1"`, `here "2"`}, "bob": {`there "2"`, `there "4"`}, "alice again": {`here "4"`}},
		map[string][]string{"alice": {"alice's echo exploded"}})
}
