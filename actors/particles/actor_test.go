package particles

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/aquanet/aquanet/actors/dispatch"
	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/registry"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
)

func TestParticleActorCallsForwardsAndExpires(t *testing.T) {
	alice, bob := identity(t, "alice"), identity(t, "bob")
	initID, err := peer.Decode(alice.PeerID)
	if err != nil {
		t.Fatal(err)
	}
	start := time.UnixMilli(1_700_000_000_000)
	clk := clock.NewManual(start)
	loop, opts := actortest.Loop(1)
	system := actortest.System()
	run := func() {
		if loop.Run(100_000); loop.Pending() != 0 {
			t.Fatal("the node did not go idle")
		}
	}

	reg := system.Root.Spawn(registry.Props(registry.Config{Host: alice.PeerID, Management: alice.PeerID, Clock: clk}, opts...))
	var sends []*Send
	var expired []*Expired
	var finished []*Finished
	store := newStore(t)
	var spawned []*registry.Spawned
	probe := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case *Send:
			sends = append(sends, m)
		case *Expired:
			expired = append(expired, m)
		case *Finished:
			finished = append(finished, m)
		case *registry.Spawned:
			spawned = append(spawned, m)
		}
	}, opts...))
	var seen []service.CallContext
	system.Root.Send(reg, &registry.Spawn{ID: "greeter", Owner: alice.PeerID, ReplyTo: probe, NewHandler: func() service.Handler {
		return service.HandlerFunc(func(ctx service.CallContext, fn string, args []value.Value) (value.Value, error) {
			seen = append(seen, ctx)
			s, _ := args[0].Str()
			return value.String("hello, " + s), nil
		})
	}})
	run()
	if len(spawned) != 1 || spawned[0].Err != nil {
		t.Fatalf("spawned %+v", spawned)
	}

	script := fmt.Sprintf(`(seq (seq (call %%init_peer_id%% ("op" "identity") ["bob"] name)
	                                 (call %%init_peer_id%% ("greeter" "greet") [name] r))
	                            (call "%s" ("s" "f") [r]))`, bob.PeerID)
	p := particle.Particle{ID: "p-1", InitPeerID: initID, Timestamp: uint64(start.UnixMilli()), TTL: 60_000, Script: script}
	pa := system.Root.Spawn(Props(Config{Particle: p, Self: alice.PeerID, Key: alice.Key, Clock: clk,
		Registry: reg, Network: probe, Reports: probe, Store: store}, opts...))
	run()

	if len(sends) != 1 || sends[0].To != bob.PeerID || len(sends[0].Particle.Data) == 0 || sends[0].Particle.ID != "p-1" {
		t.Fatalf("sends %+v", sends)
	}
	if len(seen) != 1 || seen[0].InitPeerID != alice.PeerID || seen[0].ParticleID != "p-1" || seen[0].Service != "greeter" ||
		len(seen[0].Tetraplets) != 1 || seen[0].Tetraplets[0][0].FunctionName != "identity" {
		t.Fatalf("the service saw %+v", seen)
	}
	// Done here: the data is saved and the actor says so (whoever gets the report may stop it).
	if len(finished) != 1 || finished[0].Arrivals != 1 || finished[0].Key != KeyOf(&p) {
		t.Fatalf("finished %+v", finished)
	}
	if saved, err := store.Load(KeyOf(&p)); err != nil || string(saved) != string(sends[0].Particle.Data) {
		t.Fatalf("saved %d bytes (%v), sent %d", len(saved), err, len(sends[0].Particle.Data))
	}
	// Bob's run of what alice sent asks bob for s.f with the greeting.
	b := machine(t, script, alice, bob)
	b.Arrive(sends[0].Particle.Data)
	if e := b.Step(); len(e.Calls) != 1 || e.Calls[0].Args[0].String() != `"hello, bob"` {
		t.Fatalf("bob's run: %+v", e)
	}

	// Nothing happens before the deadline; at it, the actor reports and stops.
	clk.Advance(59 * time.Second)
	run()
	if len(expired) != 0 {
		t.Fatal("expired before the deadline")
	}
	clk.Advance(time.Second)
	run()
	if len(expired) != 1 || expired[0].ID != "p-1" || len(expired[0].Pending) != 0 {
		t.Fatalf("expired %+v", expired)
	}
	// A stopped actor's mail goes to dead letters: nothing more is sent.
	system.Root.Send(pa, &Arrival{Data: nil})
	run()
	if len(sends) != 1 {
		t.Fatalf("a stopped particle actor sent again: %+v", sends)
	}
}

// With Config.Told the actor arms no timer: it outlives its deadline until it is told to
// expire (the router tells it), then reports and stops.
func TestToldActorExpiresWhenTold(t *testing.T) {
	alice, initID, clk, loop, opts, system := aliceOnALoop(t)
	var expired []*Expired
	probe := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if m, ok := ctx.Message().(*Expired); ok {
			expired = append(expired, m)
		}
	}, opts...))
	run := func() {
		if loop.Run(100_000); loop.Pending() != 0 {
			t.Fatal("the node did not go idle")
		}
	}
	// The call goes to the probe, which never answers: the particle stays active.
	p := particle.Particle{ID: "p-1", InitPeerID: initID, Timestamp: uint64(clk.Now().UnixMilli()), TTL: 60_000,
		Script: `(call %init_peer_id% ("s" "f") [] r)`}
	pa := system.Root.Spawn(Props(Config{Particle: p, Self: alice.PeerID, Key: alice.Key, Clock: clk,
		Registry: probe, Network: probe, Reports: probe, Store: newStore(t), Told: true}, opts...))
	run()
	if n := clk.Pending(); n != 0 {
		t.Fatalf("%d timers pending, want none", n)
	}
	clk.Advance(time.Hour)
	run()
	if len(expired) != 0 {
		t.Fatalf("expired untold: %+v", expired)
	}
	system.Root.Send(pa, Expire{})
	run()
	if len(expired) != 1 || expired[0].ID != "p-1" || len(expired[0].Pending) != 1 {
		t.Fatalf("expired %+v", expired)
	}
}

// saves is the particle store, recording how each save was asked for.
type saves struct {
	*Store
	how []string // "durably" or "plain", in order
}

func (s *saves) Write(k Key, w core.Write) error {
	if w.Durably {
		s.how = append(s.how, "durably")
	} else {
		s.how = append(s.how, "plain")
	}
	return s.Store.Write(k, w)
}

// A run whose calls are all to pure services saves nothing before them (a crash may run them
// again, to the same result); a run with a call to any other service saves durably first, so
// that the call runs at most once.
func TestOnlyCallsToImpureServicesWaitForTheDisk(t *testing.T) {
	alice, initID, clk, loop, opts, system := aliceOnALoop(t)
	reg := system.Root.Spawn(registry.Props(registry.Config{Host: alice.PeerID, Management: alice.PeerID, Clock: clk}, opts...))
	var finished int
	probe := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if _, ok := ctx.Message().(*Finished); ok {
			finished++
		}
	}, opts...))
	system.Root.Send(reg, &registry.Spawn{ID: "greeter", Owner: alice.PeerID, ReplyTo: probe, NewHandler: func() service.Handler {
		return service.HandlerFunc(func(service.CallContext, string, []value.Value) (value.Value, error) { return value.String("hi"), nil })
	}})
	store := &saves{Store: newStore(t)}
	// op and math are pure here; greeter is not.
	pure := func(s string) bool { return s == "op" || s == "math" }
	script := `(seq (seq (call %init_peer_id% ("op" "identity") ["x"] a)
	                     (par (call %init_peer_id% ("op" "noop") []) (call %init_peer_id% ("math" "add") [1 2] n)))
	                (call %init_peer_id% ("greeter" "greet") [a] r))`
	p := particle.Particle{ID: "p-1", InitPeerID: initID, Timestamp: uint64(clk.Now().UnixMilli()), TTL: 60_000, Script: script}
	system.Root.Spawn(Props(Config{Particle: p, Self: alice.PeerID, Key: alice.Key, Clock: clk,
		Registry: reg, Network: probe, Reports: probe, Store: store, Pure: pure}, opts...))
	if loop.Run(100_000); loop.Pending() != 0 || finished != 1 {
		t.Fatalf("the particle did not finish (%d pending)", loop.Pending())
	}
	// Nothing before op.identity, nor before op.noop and math.add; greeter.greet; the data
	// once done.
	if want := []string{"durably", "plain"}; !slices.Equal(store.how, want) {
		t.Fatalf("saves %v, want %v", store.how, want)
	}
}

// With Config.Local, the calls it answers (small calls to pure builtins) never reach the
// registry, and the particle goes on with their results in the same turn: only greeter's call
// is a message, and the particle still saves durably before it.
func TestLocalCallsAreAnsweredInTheActorsTurn(t *testing.T) {
	alice, initID, clk, loop, opts, system := aliceOnALoop(t)
	var finished []*Finished
	probe := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if m, ok := ctx.Message().(*Finished); ok {
			finished = append(finished, m)
		}
	}, opts...))
	// The registry: greeter answers "hi"; every call that reaches it is recorded.
	var routed []string
	reg := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if c, ok := ctx.Message().(*service.Call); ok {
			routed = append(routed, c.Context.Service+"."+c.Function)
			ctx.Send(c.ReplyTo, &service.Reply{ID: c.ID, Result: service.Result(value.String("hi"), nil)})
		}
	}, opts...))
	pure := func(s string) bool { return s == "op" || s == "math" }
	store := &saves{Store: newStore(t)}
	script := `(seq (seq (call %init_peer_id% ("op" "identity") ["x"] a)
	                     (par (call %init_peer_id% ("op" "noop") []) (call %init_peer_id% ("math" "add") [1 2] n)))
	                (seq (call %init_peer_id% ("greeter" "greet") [a n] r)
	                     (call %init_peer_id% ("op" "array") [a n r] out)))`
	p := particle.Particle{ID: "p-1", InitPeerID: initID, Timestamp: uint64(clk.Now().UnixMilli()), TTL: 60_000, Script: script}
	system.Root.Spawn(Props(Config{Particle: p, Self: alice.PeerID, Key: alice.Key, Clock: clk, Registry: reg, Network: probe,
		Reports: probe, Store: store, Pure: pure, Local: registry.Local(clk, nil, nil, pure)}, opts...))
	if loop.Run(100_000); loop.Pending() != 0 || len(finished) != 1 {
		t.Fatalf("the particle did not finish (%d pending)", loop.Pending())
	}
	if want := []string{"greeter.greet"}; !slices.Equal(routed, want) {
		t.Fatalf("calls routed to the registry: %v, want %v", routed, want)
	}
	if want := []string{"durably", "plain"}; !slices.Equal(store.how, want) {
		t.Fatalf("saves %v, want %v", store.how, want)
	}
	// The last call's result is in the data saved: it ran here, after greeter's answer.
	saved, err := store.Load(KeyOf(&p))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(saved), `["x",3,"hi"]`) {
		t.Fatalf("the saved data lacks op.array's result: %s", saved)
	}
}

// TestLocalAnswersLeaveRoomForTheMailbox: a particle whose every answer makes its next call to a
// pure builtin is answered in the actor's own turn, but the actor still reads its mailbox every
// few runs: a Stop (the router's, the node's) takes effect within a few runs, not after the
// script's last call.
func TestLocalAnswersLeaveRoomForTheMailbox(t *testing.T) {
	alice, initID, clk, loop, opts, system := aliceOnALoop(t)
	probe := system.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {}, opts...))
	pure := func(s string) bool { return s == "math" }
	local := registry.Local(clk, nil, nil, pure)
	// A fold that grows its own stream by one value per answer: 1,023 calls, one per run, until
	// the stream is full (the uncatchable error that ends the script).
	script := `(seq (ap 0 $s) (fold $s x (seq (call %init_peer_id% ("math" "add") [x 1] $s) (next x))))`
	p := particle.Particle{ID: "p-loop", InitPeerID: initID, Timestamp: uint64(clk.Now().UnixMilli()), TTL: 60_000, Script: script}
	const stopAt = 100
	var pid *actor.PID
	calls := 0
	counting := func(c *service.Call) (interpreter.CallResult, bool) {
		if calls++; calls == stopAt {
			system.Root.Stop(pid)
		}
		return local(c)
	}
	pid = system.Root.Spawn(Props(Config{Particle: p, Self: alice.PeerID, Key: alice.Key, Clock: clk, Registry: probe, Network: probe,
		Reports: probe, Store: newStore(t), Pure: pure, Local: counting}, opts...))
	loop.Run(100_000)
	if calls < stopAt {
		t.Fatalf("only %d calls were made", calls)
	}
	if after := calls - stopAt; after > 100 {
		t.Fatalf("the particle's actor answered %d calls after it was told to stop", after)
	}
}

// aliceOnALoop is what the particle actor's tests start from: alice as the particle's
// initiator (her identity and peer id), a manual clock, and a deterministic loop for the actors.
func aliceOnALoop(t *testing.T) (scenario.Identity, peer.ID, *clock.Manual, *dispatch.Loop, []actor.PropsOption, *actor.ActorSystem) {
	t.Helper()
	alice := identity(t, "alice")
	initID, err := peer.Decode(alice.PeerID)
	if err != nil {
		t.Fatal(err)
	}
	loop, opts := actortest.Loop(1)
	return alice, initID, clock.NewManual(time.UnixMilli(1_700_000_000_000)), loop, opts, actortest.System()
}
