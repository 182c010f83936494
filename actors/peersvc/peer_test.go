package peersvc

import (
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/network"
	"github.com/aquanet/aquanet/actors/registry"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
)

// harness is a registry with the peer service of cfg on a seeded loop; calls come from caller.
type harness struct {
	t       *testing.T
	clk     *clock.Manual
	run     func()
	send    func(caller, svc, fn string, args ...value.Value) uint32
	replies map[uint32]*service.Reply
}

func newHarness(t *testing.T, cfg Config) *harness {
	h := &harness{t: t, clk: clock.NewManual(time.UnixMilli(1_700_000_000_123)), replies: map[uint32]*service.Reply{}}
	loop, opts := actortest.Loop(1)
	system := actortest.System()
	h.run = func() {
		if loop.Run(10_000); loop.Pending() != 0 {
			t.Fatal("not idle")
		}
	}
	probe := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if r, ok := ctx.Message().(*service.Reply); ok {
			h.replies[r.ID] = r
		}
	}, opts...))
	cfg.Clock = h.clk
	reg := system.Root.Spawn(registry.Props(registry.Config{Host: cfg.Host, Management: cfg.Management, Clock: h.clk,
		NodeServices: map[string]*actor.Props{"peer": Props(cfg, opts...)}}, opts...))
	h.run()
	var next uint32
	h.send = func(caller, svc, fn string, args ...value.Value) uint32 {
		next++
		system.Root.Send(reg, &service.Call{ID: next, Function: fn, Args: args, ReplyTo: probe,
			Context: service.CallContext{Service: svc, InitPeerID: caller, Timestamp: clock.UnixMilli(h.clk), TTL: 60_000}})
		h.run()
		return next
	}
	return h
}

func (h *harness) result(id uint32) string {
	r := h.replies[id]
	if r == nil {
		return "(no reply)"
	}
	if r.Result.RetCode != 0 {
		return "error " + r.Result.Result
	}
	return r.Result.Result
}

func (h *harness) check(id uint32, want string) {
	h.t.Helper()
	if got := h.result(id); got != want {
		h.t.Errorf("call %d = %s, want %s", id, got, want)
	}
}

func TestPeerService(t *testing.T) {
	host := "12D3Host"
	h := newHarness(t, Config{Host: host, Management: host, NodeVersion: "aquanet test", Addresses: []string{"/ip4/127.0.0.1/tcp/7777"}})
	clk, run, check := h.clk, h.run, h.check
	send := func(svc, fn string, args ...value.Value) uint32 { return h.send(host, svc, fn, args...) }

	check(send("peer", "timestamp_ms"), "1700000000123")
	check(send("peer", "timestamp_sec"), "1700000000")
	check(send("peer", "identify"), `{"air_version":"0.62.0","external_addresses":["/ip4/127.0.0.1/tcp/7777"],"node_version":"aquanet test"}`)
	check(send("peer", "nope"), `error "Service with id 'peer' not found (function nope)"`)
	check(send("srv", "add_alias", value.String("peer"), value.String("x")), `error "Cannot add alias 'peer' because it is reserved"`)

	slow := send("peer", "timeout", value.Uint(1000), value.String("done"))
	short := send("peer", "timeout", value.String("250"), value.Array())
	check(send("peer", "timeout", value.String("soon")), `error "Error: Error deserializing field 'duration_ms': expected u64, got \"soon\""`)
	check(send("peer", "timeout"), `error "Error: Field 'duration_ms' is missing from args to call_service"`)
	check(slow, "(no reply)")
	check(send("peer", "timestamp_ms"), "1700000000123") // not held up by the pending timeouts
	clk.Advance(250 * time.Millisecond)
	run()
	check(short, `""`)
	check(slow, "(no reply)")
	clk.Advance(750 * time.Millisecond)
	run()
	check(slow, `"done"`)

	// A timeout that would end with the particle (60 s after the call) is never answered, and
	// keeps no timer.
	past := send("peer", "timeout", value.Uint(60_000), value.String("too late"))
	if n := clk.Pending(); n != 0 {
		t.Errorf("%d timers pending for a timeout past the particle's deadline", n)
	}
	clk.Advance(time.Minute)
	run()
	check(past, "(no reply)")
}

// The connection functions ask the transport: here a hub, on which every other peer that
// joined is connected. connect is the host's and the management peer's only.
func TestPeerConnectivity(t *testing.T) {
	host, admin, other, stranger := actortest.Identity(t, "host").PeerID, actortest.Identity(t, "admin").PeerID,
		actortest.Identity(t, "other").PeerID, actortest.Identity(t, "stranger").PeerID
	hub := network.NewHub()
	hub.Join(other, core.InboxFunc(func(string, particle.Particle) {}))
	transport := hub.Join(host, core.InboxFunc(func(string, particle.Particle) {}))
	h := newHarness(t, Config{Host: host, Management: admin, Connectivity: transport.(Connectivity)})
	p := func(id string) value.Value { return value.String(id) }

	h.check(h.send(stranger, "peer", "is_connected", p(other)), "true")
	h.check(h.send(stranger, "peer", "is_connected", p(stranger)), "false")
	h.check(h.send(stranger, "peer", "is_connected", p(host)), "false") // not to itself
	h.check(h.send(stranger, "peer", "is_connected"), `error "Error: Field 'peer_id' is missing from args to call_service"`)
	if r := h.result(h.send(stranger, "peer", "is_connected", p("not-a-peer"))); !strings.HasPrefix(r, `error "invalid peer id 'not-a-peer'`) {
		t.Errorf("is_connected(not-a-peer) = %s", r)
	}

	h.check(h.send(stranger, "peer", "get_contact", p(other)), `{"addresses":[],"peer_id":"`+other+`"}`)
	h.check(h.send(stranger, "peer", "get_contact", p(stranger)), `""`) // nox's empty outcome

	h.check(h.send(host, "peer", "connect", p(other)), "true")
	h.check(h.send(admin, "peer", "connect", p(stranger), value.Array(value.String("/ip4/127.0.0.1/tcp/7777"))), "false")
	h.check(h.send(stranger, "peer", "connect", p(other)), `error "This function is only available to the host or worker spells"`)
	if r := h.result(h.send(host, "peer", "connect", p(other), value.Array(value.String("not an address")))); !strings.HasPrefix(r, `error "Error: Error deserializing field 'addresses': invalid multiaddr 'not an address'`) {
		t.Errorf("connect with a bad address = %s", r)
	}
	h.check(h.send(host, "peer", "connect", p(other), value.Int(7)), `error "Error: Error deserializing field 'addresses': expected Vec<Multiaddr>, got 7"`)

	// A node whose transport does not track connections says so.
	bare := newHarness(t, Config{Host: host, Management: host})
	bare.check(bare.send(host, "peer", "is_connected", p(other)), `error "this node's transport does not track connections"`)
}
