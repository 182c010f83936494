package actors

import (
	"context"
	"fmt"
	"github.com/asynkron/protoactor-go/actor"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/network"
	"github.com/aquanet/aquanet/actors/registry"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
)

func TestNewNodeChecksItsEnvironment(t *testing.T) {
	id, _ := scenario.NewIdentity("alice")
	hub := network.NewHub()
	for name, env := range map[string]Env{
		"no key":       {Clock: clock.Real{}, Transport: hub.Join},
		"no transport": {Key: id.Key, Clock: clock.Real{}},
	} {
		if _, err := NewNode(env); err == nil {
			t.Errorf("%s: NewNode accepted it", name)
		}
	}
	n, err := NewNode(Env{Key: id.Key, Transport: hub.Join})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := n.env.Clock.(clock.Real); !ok {
		t.Errorf("a node without a clock has %T, want the real clock", n.env.Clock)
	}
}

// A shared system's small registry keeps what protoactor registered as it made the system (its
// dead letters and event stream): a message to an actor that is gone still goes to the dead
// letters.
func TestSharedSystemKeepsItsOwnProcesses(t *testing.T) {
	id, err := scenario.NewIdentity("solo")
	if err != nil {
		t.Fatal(err)
	}
	n, err := NewNode(Env{Key: id.Key, Transport: network.NewHub().Join, System: NewSystem(nil)})
	if err != nil {
		t.Fatal(err)
	}
	buckets := n.system.ProcessRegistry.LocalPIDs.LocalPIDs
	if len(buckets) != 1 {
		t.Fatalf("%d buckets, want 1", len(buckets))
	}
	for _, id := range []string{"deadletter", "eventstream"} {
		if _, ok := buckets[0].Get(id); !ok {
			t.Errorf("the small registry lost protoactor's %s", id)
		}
	}
	if process, _ := n.system.ProcessRegistry.Get(actor.NewPID(n.system.Address(), "gone")); process != n.system.DeadLetter {
		t.Errorf("a message to an actor that is gone goes to %T, not the dead letters", process)
	}
}

// Two nodes on goroutines (protoactor's default dispatcher), joined by a hub: a particle goes
// from alice to bob's service and back to alice's; then both stop, leaving no goroutine behind.
func TestTwoNodesOnGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t)
	clk := clock.NewManual(time.UnixMilli(1_700_000_000_000))
	hub := network.NewHub()
	metrics := prometheus.NewRegistry() // shared by both nodes
	node := func(name string) (*Node, scenario.Identity) {
		id, err := scenario.NewIdentity(name)
		if err != nil {
			t.Fatal(err)
		}
		// Bob runs in a shared actor system (of one node here), as a simulator's nodes do: its
		// registry of one bucket serves goroutines registering and looking up actors at once
		// as well.
		env := Env{Key: id.Key, Clock: clk, Transport: hub.Join, Metrics: metrics}
		if name == "bob" {
			env.System = NewSystem(nil)
		}
		n, err := NewNode(env)
		if err != nil {
			t.Fatal(err)
		}
		if n.PeerID() != id.PeerID {
			t.Fatalf("peer id %s, want %s", n.PeerID(), id.PeerID)
		}
		if err := n.Start(); err != nil {
			t.Fatal(err)
		}
		return n, id
	}
	alice, aliceID := node("alice")
	bob, _ := node("bob")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if err := bob.Spawn(ctx, "greeter", service.HandlerFunc(func(c service.CallContext, fn string, args []value.Value) (value.Value, error) {
		s, _ := args[0].Str()
		return value.String("hello, " + s), nil
	})); err != nil {
		t.Fatal(err)
	}
	if err := bob.Spawn(ctx, "greeter", service.HandlerFunc(nil)); err == nil {
		t.Fatal("a second greeter was spawned")
	}
	got := make(chan string, 1)
	if err := alice.Spawn(ctx, "callback", service.HandlerFunc(func(_ service.CallContext, fn string, args []value.Value) (value.Value, error) {
		got <- args[0].String()
		return value.Null(), nil
	})); err != nil {
		t.Fatal(err)
	}

	p := actortest.Particle(t, aliceID, particle.Particle{ID: "p-1", Timestamp: uint64(clk.Now().UnixMilli()), TTL: 60_000, MaxHops: 4,
		Script: fmt.Sprintf(`(seq (call "%s" ("greeter" "greet") ["alice"] r) (call %%init_peer_id%% ("callback" "done") [r]))`, bob.PeerID())})
	alice.Deliver(alice.PeerID(), p)
	select {
	case r := <-got:
		if r != `"hello, alice"` {
			t.Fatalf("callback got %s", r)
		}
	case <-ctx.Done():
		t.Fatal("no callback")
	}

	// Deliver validates on the caller's goroutine; the router counts what failed.
	forged := p
	forged.Script += " "
	alice.Deliver(alice.PeerID(), forged)
	for s, err := alice.Stats(ctx); s.Rejected["bad_signature"] != 1; s, err = alice.Stats(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}

	// Each node counts its arrivals: alice the start and the return, bob one.
	want := fmt.Sprintf(`
# HELP aquanet_router_accepted_total Particle arrivals handed to a particle actor.
# TYPE aquanet_router_accepted_total counter
aquanet_router_accepted_total{peer="%s"} 2
aquanet_router_accepted_total{peer="%s"} 1
`, alice.PeerID(), bob.PeerID())
	if alice.PeerID() > bob.PeerID() {
		want = fmt.Sprintf(`
# HELP aquanet_router_accepted_total Particle arrivals handed to a particle actor.
# TYPE aquanet_router_accepted_total counter
aquanet_router_accepted_total{peer="%s"} 1
aquanet_router_accepted_total{peer="%s"} 2
`, bob.PeerID(), alice.PeerID())
	}
	if err := testutil.GatherAndCompare(metrics, strings.NewReader(want), "aquanet_router_accepted_total"); err != nil {
		t.Error(err)
	}
	// Each ran its Go service once; the interpreter ran on both (alice: start, return, the
	// callback's answer; bob: arrival, the greeter's answer). Alice's last run comes after the
	// callback: wait until her particle is done.
	for s, err := alice.Stats(ctx); s.Live != 0; s, err = alice.Stats(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	mfs, err := metrics.Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			who, kind := "", ""
			for _, l := range m.GetLabel() {
				if l.GetName() == "peer" {
					who = map[string]string{alice.PeerID(): "alice", bob.PeerID(): "bob"}[l.GetValue()]
				} else {
					kind = " " + l.GetValue()
				}
			}
			labels := who + kind
			switch mf.GetName() {
			case "aquanet_service_calls_total":
				seen[labels] = m.GetCounter().GetValue()
			case "aquanet_interpreter_run_seconds":
				seen[labels+" runs"] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	for k, v := range map[string]float64{"alice spawned": 1, "bob spawned": 1, "alice builtin": 0, "alice runs": 3, "bob runs": 2} {
		if seen[k] != v {
			t.Errorf("metric %q = %v, want %v (all: %v)", k, seen[k], v, seen)
		}
	}

	// A particle waiting for an answer (peer.timeout answers in a minute of the clock, which
	// does not move) is active: a stop that cannot wait that long says so, and still stops
	// everything.
	alice.Deliver(alice.PeerID(), actortest.Particle(t, aliceID, particle.Particle{ID: "p-2", Timestamp: uint64(clk.Now().UnixMilli()), TTL: 120_000,
		Script: `(call %init_peer_id% ("peer" "timeout") [60000 "late"] r)`}))
	for s, err := alice.Stats(ctx); s.Live != 1; s, err = alice.Stats(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancelShort()
	if err := alice.Stop(short); err == nil {
		t.Error("alice stopped with a live particle and no error")
	}
	// Bob's copy of p-1 is finished: it does not hold his stop up, although its deadline is a
	// minute away.
	if err := bob.Stop(ctx); err != nil {
		t.Errorf("bob: %v", err)
	}
	if err := bob.Stop(ctx); err == nil {
		t.Error("a second Stop did not fail")
	}
	alice.Deliver(alice.PeerID(), p) // dropped after Stop
}

// The pure builtins are pure services, unless an override answers one of their functions.
func TestPureServices(t *testing.T) {
	pure := pureServices([]registry.Override{{Service: "math", Functions: []string{"add"}}})
	for service, want := range map[string]bool{"op": true, "array": true, "json": true, "math": false, "peer": false, "srv": false, "chat": false} {
		if pure(service) != want {
			t.Errorf("pure(%q) = %v, want %v", service, !want, want)
		}
	}
}
