package oracle_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/aquanet/aquanet/internal/oracle"
)

// One run asks for a call, with its arguments as AquaVM has them; the next gets the call's
// result and finishes; the data's view is AquaVM's JSON.
func TestInterpreterInvoke(t *testing.T) {
	dir := oracle.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	vm, err := oracle.StartInterpreter(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	ids, err := peerIDs([]string{"alice"})
	if err != nil {
		t.Fatal(err)
	}
	alice, seed := ids[0][1], sha256.Sum256([]byte("alice"))
	inv := oracle.Invocation{Script: `(call %init_peer_id% ("s" "f") [1.0 9223372036854775807 -9007199254740993 "é"] x)`,
		InitPeerID: alice, CurrentPeerID: alice, Seed: seed[:], Timestamp: 1700000000000, TTL: 600000, ParticleID: "p"}
	first, err := vm.Invoke(inv)
	if err != nil {
		t.Fatal(err)
	}
	if first.RetCode != 0 || len(first.CallRequests) != 1 || len(first.Data) == 0 {
		t.Fatalf("first run: %+v", first)
	}
	c := first.CallRequests[0]
	if c.Service != "s" || c.Function != "f" || string(c.Args) != `[1.0,9223372036854775807,-9007199254740993,"é"]` {
		t.Errorf("call request %d %s.%s %s, want s.f [1.0,9223372036854775807,-9007199254740993,\"é\"]", c.ID, c.Service, c.Function, c.Args)
	}
	inv.Prev, inv.CallResults = first.Data, map[uint32]oracle.StepCallResult{c.ID: {Result: `{"b": 1, "a": 2}`}}
	second, err := vm.Invoke(inv)
	if err != nil {
		t.Fatal(err)
	}
	if second.RetCode != 0 || len(second.CallRequests) != 0 || bytes.Equal(second.Data, first.Data) {
		t.Errorf("second run: %+v", second)
	}
	view, err := vm.View(second.Data)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(view), `"trace"`) {
		t.Errorf("view %s has no trace", view)
	}
	if err := vm.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
}
