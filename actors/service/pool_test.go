package service

import (
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/interpreter/value"
)

func (h *harness) spawnPool(size int, newHandler func() Handler) *actor.PID {
	var pid *actor.PID
	h.system.Root.Send(h.parent, &spawnReq{PoolProps(Env{Clock: h.clock}, size, newHandler, h.opts...), &pid})
	h.loop.Run(1000)
	if pid == nil {
		h.t.Fatal("the pool was not spawned")
	}
	return pid
}

// send sends a call without running the loop.
func (h *harness) send(pid *actor.PID, id uint32, fn string) {
	h.system.Root.Send(pid, &Call{ID: id, Function: fn, ReplyTo: h.probe,
		Context: CallContext{Service: "svc", Timestamp: clock.UnixMilli(h.clock), TTL: 60_000}})
}

// A pool makes a handler only when every one it has is busy, never more than its size; calls
// beyond that wait and are all answered, each under its caller's id; a panic restarts only the
// worker it happened in; the stats count the calls of every worker; stopping the pool closes
// every handler.
func TestPoolServesCallsOnAtMostSizeHandlers(t *testing.T) {
	h := newHarness(t)
	made, closed := 0, 0
	pid := h.spawnPool(2, func() Handler {
		made++
		me := made
		return closingHandler{HandlerFunc(func(_ CallContext, fn string, _ []value.Value) (value.Value, error) {
			if fn == "panic" {
				panic("handler bug")
			}
			return value.Int(int64(me)), nil
		}), &closed}
	})
	for id := uint32(1); id <= 5; id++ {
		h.send(pid, id, "who")
	}
	h.loop.Run(10_000)
	if made != 2 {
		t.Fatalf("5 calls at once on a pool of 2 made %d handlers", made)
	}
	servedBy := map[string]int{}
	for id := uint32(1); id <= 5; id++ {
		r := h.replies[id]
		if r == nil || r.Result.RetCode != 0 {
			t.Fatalf("call %d: %+v", id, r)
		}
		servedBy[r.Result.Result]++
	}
	if servedBy["1"] == 0 || servedBy["2"] == 0 || servedBy["1"]+servedBy["2"] != 5 {
		t.Fatalf("calls served by %v, want both handlers", servedBy)
	}
	// One call at a time: always the first worker, whose instance is warm.
	for id := uint32(10); id < 13; id++ {
		if r := h.call(pid, id, Call{Function: "who", Context: CallContext{Service: "svc"}}); r.Result.Result != "1" {
			t.Fatalf("a lone call was served by handler %s, want 1", r.Result.Result)
		}
	}
	if r := h.call(pid, 20, Call{Function: "panic", Context: CallContext{Service: "svc"}}); r.Result.RetCode != 1 {
		t.Fatalf("panic: %+v", r.Result)
	}
	if made != 3 || closed != 1 {
		t.Fatalf("after a panic: %d handlers made, %d closed; want 3 and 1", made, closed)
	}
	if r := h.call(pid, 21, Call{Function: "who", Context: CallContext{Service: "svc"}}); r.Result.Result != "3" {
		t.Fatalf("after the restart the first worker answers as handler %s, want 3", r.Result.Result)
	}
	h.system.Root.Send(pid, &StatQuery{ID: 30, ServiceID: "svc", ReplyTo: h.probe})
	h.loop.Run(1000)
	var stat struct {
		Result []struct {
			Total struct {
				Success uint64 `json:"success_req_count"`
				Failed  uint64 `json:"failed_req_count"`
			} `json:"total_stats"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(h.replies[30].Result.Result), &stat); err != nil || len(stat.Result) != 1 {
		t.Fatalf("pool stats %s: %v", h.replies[30].Result.Result, err)
	}
	if s, f := stat.Result[0].Total.Success, stat.Result[0].Total.Failed; s != 9 || f != 1 {
		t.Fatalf("pool stats: %d successes, %d failures; want 9 and 1", s, f)
	}
	h.system.Root.Stop(pid)
	h.loop.Run(1000)
	if closed != 3 {
		t.Fatalf("after the pool stopped, %d of 3 handlers closed", closed)
	}
}

// On the real dispatcher the workers of a pool run at once: two calls that block until both
// have started finish (on one service actor, the second would wait for the first forever).
func TestPoolRunsCallsInParallel(t *testing.T) {
	system := actortest.System()
	var started atomic.Int32
	both := make(chan struct{})
	pid := system.Root.Spawn(PoolProps(Env{Clock: clock.Real{}}, 2, func() Handler {
		return HandlerFunc(func(CallContext, string, []value.Value) (value.Value, error) {
			if started.Add(1) == 2 {
				close(both)
			}
			select {
			case <-both:
				return value.Null(), nil
			case <-time.After(10 * time.Second):
				return value.Value{}, errTimeout
			}
		})
	}))
	defer system.Root.Stop(pid)
	replies := make(chan *Reply, 2)
	probe := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if r, ok := ctx.Message().(*Reply); ok {
			replies <- r
		}
	}))
	for id := uint32(1); id <= 2; id++ {
		system.Root.Send(pid, &Call{ID: id, Function: "f", ReplyTo: probe,
			Context: CallContext{Service: "svc", Timestamp: uint64(time.Now().UnixMilli()), TTL: 60_000}})
	}
	for range 2 {
		select {
		case r := <-replies:
			if r.Result.RetCode != 0 {
				t.Fatalf("call %d: %+v (the calls did not run at once)", r.ID, r.Result)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("no reply in 20 s")
		}
	}
}

type timeoutError struct{}

func (timeoutError) Error() string { return "the other call never started" }

var errTimeout = timeoutError{}
