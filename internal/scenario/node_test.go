package scenario_test

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/actors/builtin"
	"github.com/aquanet/aquanet/actors/dispatch"
	"github.com/aquanet/aquanet/actors/network"
	"github.com/aquanet/aquanet/actors/peersvc"
	"github.com/aquanet/aquanet/actors/registry"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
)

// node is the service side of a real node for the peer called name of a scenario: the
// registry actor (the builtins, the peer service, and the answer for anything else), on a
// seeded loop and a manual clock at the particle's timestamp, on a hub that every peer of the
// scenario has joined.
type node struct {
	t       *testing.T
	s       *scenario.Scenario
	clk     *clock.Manual
	loop    *dispatch.Loop
	system  *actor.ActorSystem
	reg     *actor.PID
	probe   *actor.PID
	replies map[uint32]*service.Reply
	next    uint32
}

func newNode(t *testing.T, s *scenario.Scenario, name string) *node {
	t.Helper()
	n := &node{t: t, s: s, clk: clock.NewManual(time.UnixMilli(int64(s.Particle.Timestamp))), replies: map[uint32]*service.Reply{}}
	n.loop = dispatch.NewLoop(1)
	opts := []actor.PropsOption{actor.WithDispatcher(n.loop), actor.WithMailbox(dispatch.NewMailbox)}
	n.system = actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) }))
	hub := network.NewHub()
	var transport core.Transport
	for _, p := range s.Peers {
		tr := hub.Join(s.PeerID(p), core.InboxFunc(func(string, particle.Particle) {}))
		if p == name {
			transport = tr
		}
	}
	self := s.PeerID(name)
	n.probe = n.system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if r, ok := ctx.Message().(*service.Reply); ok {
			n.replies[r.ID] = r
		}
	}, opts...))
	n.reg = n.system.Root.Spawn(registry.Props(registry.Config{Host: self, Management: self, Clock: n.clk,
		NodeServices: map[string]*actor.Props{"peer": peersvc.Props(peersvc.Config{Host: self, Management: self, Clock: n.clk,
			Connectivity: transport.(core.Connectivity)}, opts...)}}, opts...))
	n.run()
	return n
}

func (n *node) run() {
	if n.loop.Run(100_000); n.loop.Pending() != 0 {
		n.t.Fatal("the node's actors did not go idle")
	}
}

// call sends one call, as the particle's initiator makes it, and returns its id.
func (n *node) call(svc, fn string, args []value.Value) uint32 {
	n.next++
	init := n.s.PeerID(n.s.Init)
	n.system.Root.Send(n.reg, &service.Call{ID: n.next, Function: fn, Args: args, ReplyTo: n.probe,
		Context: service.CallContext{Service: svc, InitPeerID: init, Timestamp: n.s.Particle.Timestamp, TTL: n.s.Particle.TTL}})
	n.run()
	return n.next
}

func answerText(r *service.Reply) string {
	if r == nil {
		return "(no answer)"
	}
	return fmt.Sprintf("%d %s", r.Result.RetCode, r.Result.Result)
}

// The scenario host answers every builtin call as a node does, on the same arguments: a broad
// sweep of every function of every builtin service with assorted arguments, unknown functions
// and services, and the peer service.
func TestBuiltinsAsANode(t *testing.T) {
	s, err := scenario.Parse([]byte("peers: [alice, bob]\ninit: alice\nparticle: {ttl: 10000}\nscript: (null)"))
	if err != nil {
		t.Fatal(err)
	}
	v := func(text string) value.Value {
		x, err := value.Parse([]byte(text), value.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	argSets := [][]value.Value{
		{}, {v("1"), v("2")}, {v("7"), v("-3")}, {v("1.5"), v("2")}, {v(`"a"`), v(`"b"`)}, {v(`"hello"`)},
		{v(`[1, 2, 3]`), v("1"), v("2")}, {v(`["a", "b", "a"]`), v(`["b"]`)}, {v(`{"a": 1}`), v(`"b"`), v("2")},
		{v(`"{\"k\": [1, 2]}"`)}, {v("true")}, {v("null")}, {v(`"3mJr7AoUXx2Wqd"`)}, {v(`[104, 105]`)},
		{v(`"x"`), v("[true]"), v("[]")}, {v("18446744073709551615"), v("1")},
	}
	type tc struct {
		svc, fn string
		args    []value.Value
	}
	var cases []tc
	for _, svc := range append(builtin.Services(), "nosuch") {
		for _, fn := range append(builtin.Functions(svc), "nosuch") {
			for _, a := range argSets {
				cases = append(cases, tc{svc, fn, a})
			}
		}
	}
	stranger, err := scenario.NewIdentity("carol")
	if err != nil {
		t.Fatal(err)
	}
	alice, bob, carol := s.PeerID("alice"), s.PeerID("bob"), stranger.PeerID
	for _, a := range [][]value.Value{{}, {v(`"` + bob + `"`)}, {v(`"` + alice + `"`)}, {v(`"` + carol + `"`)}, {v(`"nope"`)}, {v("1")},
		{v(`"` + bob + `"`), v(`["/ip4/127.0.0.1/tcp/1"]`)}, {v(`"` + bob + `"`), v(`[["/dns/x"]]`)}, {v(`"` + bob + `"`), v(`["no address"]`)},
		{v(`"` + bob + `"`), v("7")}} {
		for _, fn := range []string{"identify", "timestamp_ms", "timestamp_sec", "is_connected", "get_contact", "connect", "nosuch"} {
			cases = append(cases, tc{"peer", fn, a})
		}
	}
	for _, name := range []string{"alice", "bob"} { // connect differs: alice is the initiator
		n := newNode(t, s, name)
		for _, c := range cases {
			ours, later, never, _ := scenario.AnswerBuiltin(s, name, c.svc, c.fn, c.args)
			if later || never {
				t.Errorf("%s.%s%v on %s: answered later or never", c.svc, c.fn, c.args, name)
				continue
			}
			got := fmt.Sprintf("%d %s", ours.RetCode, ours.Result)
			if want := answerText(n.replies[n.call(c.svc, c.fn, c.args)]); got != want {
				t.Errorf("%s.%s%v on %s:\n ours: %s\n node: %s", c.svc, c.fn, c.args, name, got, want)
			}
		}
	}
}

// peer.timeout: the same argument errors, the same answer after the same time, and no answer
// for a timeout that would end with the particle.
func TestPeerTimeoutAsANode(t *testing.T) {
	s, err := scenario.Parse([]byte("peers: [alice]\ninit: alice\nparticle: {ttl: 10000}\nscript: (null)"))
	if err != nil {
		t.Fatal(err)
	}
	v := func(text string) value.Value {
		x, err := value.Parse([]byte(text), value.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	for _, args := range [][]value.Value{
		{}, {v("250")}, {v(`"250"`), v(`"done"`)}, {v("250"), v(`["done"]`)}, {v("250"), v("[]")}, {v("250"), v("null")},
		{v("250"), v("7")}, {v(`"soon"`)}, {v("-1")}, {v("2.5")}, {v("9999")}, {v("10000")}, {v("99999999999")},
	} {
		n := newNode(t, s, "alice")
		id := n.call("peer", "timeout", args)
		res, later, never, ms := scenario.AnswerBuiltin(s, "alice", "peer", "timeout", args)
		ours := fmt.Sprintf("%d %s", res.RetCode, res.Result)
		switch {
		case never:
			n.clk.Advance(time.Minute)
			n.run()
			if r := n.replies[id]; r != nil {
				t.Errorf("timeout%v: never answered here, the node answers %s", args, answerText(r))
			}
		case later:
			if ms > 0 {
				n.clk.Advance(time.Duration(ms-1) * time.Millisecond)
				n.run()
				if r := n.replies[id]; r != nil {
					t.Errorf("timeout%v: answered after %d ms here, by the node before: %s", args, ms, answerText(r))
				}
			}
			n.clk.Advance(time.Millisecond)
			n.run()
			if want := answerText(n.replies[id]); ours != want {
				t.Errorf("timeout%v after %d ms:\n ours: %s\n node: %s", args, ms, ours, want)
			}
		default:
			if want := answerText(n.replies[id]); ours != want {
				t.Errorf("timeout%v:\n ours: %s\n node: %s", args, ours, want)
			}
		}
	}
}
