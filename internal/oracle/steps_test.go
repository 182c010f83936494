package oracle

import (
	"context"
	"strings"
	"testing"
)

func TestRunSteps(t *testing.T) {
	dir := Require(t)
	script := `(call %init_peer_id% ("s" "f") [] x)`
	zero := 0
	outs, err := RunSteps(context.Background(), dir, []Step{
		{Peer: "alice", Init: "alice", Script: script},
		{Peer: "alice", Init: "alice", Script: script, Prev: &zero, CallResults: map[uint32]StepCallResult{1: {Result: `"hi"`}}},
		{Peer: "alice", Init: "alice", Script: `(call`},
	})
	if err != nil {
		t.Fatal(err)
	}
	if o := outs[0]; o.RetCode != 0 || len(o.CallRequests) != 1 || o.CallRequests[0] != 1 || !strings.Contains(string(o.Data), `"sent_by"`) {
		t.Errorf("first step: %+v, want call request 1 pending", o)
	}
	if o := outs[1]; o.RetCode != 0 || len(o.CallRequests) != 0 || !strings.Contains(string(o.Data), `"\"hi\""`) {
		t.Errorf("second step: %+v, want the call executed with \"hi\"", o)
	}
	if o := outs[2]; o.RetCode != 1 || o.ErrorMessage == "" || string(o.Data) != "null" {
		t.Errorf("third step: %+v, want parse error 1 and no data", o)
	}
}

func TestRunStepsRejectsALaterStep(t *testing.T) {
	dir := Require(t)
	one := 1
	_, err := RunSteps(context.Background(), dir, []Step{{Peer: "a", Init: "a", Script: "(null)", Prev: &one}})
	if err == nil || !strings.Contains(err.Error(), "prev 1 is not an earlier step") {
		t.Fatalf("err = %v, want one naming prev 1", err)
	}
}
