package actors

import (
	"context"
	"fmt"
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

// A service that panics fails the call, the script's xor catches it, the service is restarted,
// and the node goes on serving particles, that service's included.
func TestPanickingServiceIsCaughtByXor(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	clk := clock.NewManual(time.UnixMilli(1_700_000_000_000))
	id, _ := scenario.NewIdentity("alice")
	failed := make(chan string, 4)
	n := startNode(t, Env{Key: id.Key, Clock: clk, Transport: network.NewHub().Join,
		OnActorFailure: func(_ string, reason any) { failed <- fmt.Sprint(reason) }})
	defer func() {
		clk.Advance(time.Hour)
		if err := n.Stop(ctx); err != nil {
			t.Error(err)
		}
	}()
	if err := n.Spawn(ctx, "flaky", service.HandlerFunc(func(_ service.CallContext, fn string, _ []value.Value) (value.Value, error) {
		if fn == "boom" {
			panic("flaky exploded")
		}
		return value.String("fine"), nil
	})); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 4)
	if err := n.Spawn(ctx, "callback", service.HandlerFunc(func(_ service.CallContext, fn string, args []value.Value) (value.Value, error) {
		got <- fn + " " + args[0].String()
		return value.Null(), nil
	})); err != nil {
		t.Fatal(err)
	}
	start := func(pid, script string) {
		n.Deliver(n.PeerID(), actortest.Particle(t, id, particle.Particle{ID: pid, Timestamp: uint64(clk.Now().UnixMilli()), TTL: 60_000, Script: script}))
	}
	wait := func() string {
		t.Helper()
		select {
		case s := <-got:
			return s
		case <-ctx.Done():
			t.Fatal("no callback")
			return ""
		}
	}
	start("p-1", `(xor (call %init_peer_id% ("flaky" "boom") [] r) (call %init_peer_id% ("callback" "caught") [:error:.$.message]))`)
	// AquaVM's message for a failed call wraps the service's (a JSON string).
	if s := wait(); s != `caught "Local service error, ret_code is 1, error message is '\"service 'flaky' failed in 'boom': flaky exploded\"'"` {
		t.Fatalf("got %s", s)
	}
	start("p-2", `(seq (call %init_peer_id% ("flaky" "ok") [] r) (call %init_peer_id% ("callback" "after") [r]))`)
	if s := wait(); s != `after "fine"` {
		t.Fatalf("got %s", s)
	}
	// The node heard of the failure, once.
	select {
	case r := <-failed:
		if r != "flaky exploded" {
			t.Errorf("failure reported with reason %q", r)
		}
	case <-ctx.Done():
		t.Error("OnActorFailure did not hear of the panic")
	}
	if len(failed) != 0 {
		t.Errorf("%d more failures reported", len(failed))
	}
}
