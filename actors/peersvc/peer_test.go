package peersvc

import (
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/registry"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/interpreter/value"
)

func TestPeerService(t *testing.T) {
	clk := clock.NewManual(time.UnixMilli(1_700_000_000_123))
	loop, opts := actortest.Loop(1)
	system := actortest.System()
	run := func() {
		if loop.Run(10_000); loop.Pending() != 0 {
			t.Fatal("not idle")
		}
	}
	replies := map[uint32]*service.Reply{}
	probe := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if r, ok := ctx.Message().(*service.Reply); ok {
			replies[r.ID] = r
		}
	}, opts...))
	host := "12D3Host"
	reg := system.Root.Spawn(registry.Props(registry.Config{Host: host, Management: host, Clock: clk,
		NodeServices: map[string]*actor.Props{"peer": Props(Config{Clock: clk, NodeVersion: "aquanet test", Addresses: []string{"/ip4/127.0.0.1/tcp/7777"}}, opts...)}}, opts...))
	run()
	var next uint32
	send := func(svc, fn string, args ...value.Value) uint32 {
		next++
		system.Root.Send(reg, &service.Call{ID: next, Function: fn, Args: args, ReplyTo: probe,
			Context: service.CallContext{Service: svc, InitPeerID: host, Timestamp: clock.UnixMilli(clk), TTL: 60_000}})
		run()
		return next
	}
	result := func(id uint32) string {
		t.Helper()
		r := replies[id]
		if r == nil {
			return "(no reply)"
		}
		if r.Result.RetCode != 0 {
			return "error " + r.Result.Result
		}
		return r.Result.Result
	}
	check := func(id uint32, want string) {
		t.Helper()
		if got := result(id); got != want {
			t.Errorf("call %d = %s, want %s", id, got, want)
		}
	}

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
