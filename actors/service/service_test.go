package service

import (
	"errors"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/actors/dispatch"
	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/interpreter/data"
	"github.com/aquanet/aquanet/interpreter/value"
)

// harness runs service actors under a parent with a one-for-one strategy, on a seeded loop,
// and collects the replies a probe actor receives.
type harness struct {
	t       *testing.T
	system  *actor.ActorSystem
	loop    *dispatch.Loop
	opts    []actor.PropsOption
	clock   *clock.Manual
	parent  *actor.PID
	probe   *actor.PID
	replies map[uint32]*Reply
}

type spawnReq struct {
	props *actor.Props
	out   **actor.PID
}

func newHarness(t *testing.T) *harness {
	h := &harness{t: t, replies: map[uint32]*Reply{}}
	h.system = actortest.System()
	h.loop, h.opts = actortest.Loop(1)
	h.clock = clock.NewManual(time.UnixMilli(1_700_000_000_000))
	parent := actor.PropsFromFunc(func(ctx actor.Context) {
		if r, ok := ctx.Message().(*spawnReq); ok {
			*r.out = ctx.Spawn(r.props)
		}
	}, append(h.opts, actor.WithSupervisor(actor.NewOneForOneStrategy(10, 0, actor.DefaultDecider)))...)
	h.parent = h.system.Root.Spawn(parent)
	h.probe = h.system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if r, ok := ctx.Message().(*Reply); ok {
			h.replies[r.ID] = r
		}
	}, h.opts...))
	return h
}

func (h *harness) spawn(newHandler func() Handler) *actor.PID {
	var pid *actor.PID
	h.system.Root.Send(h.parent, &spawnReq{Props(Env{Clock: h.clock}, newHandler, h.opts...), &pid})
	h.loop.Run(1000)
	if pid == nil {
		h.t.Fatal("the service was not spawned")
	}
	return pid
}

// call sends a call and runs the loop until it is idle; it returns the reply. A call without a
// TTL gets one of a minute from now.
func (h *harness) call(pid *actor.PID, id uint32, c Call) *Reply {
	h.t.Helper()
	if c.Context.TTL == 0 {
		c.Context.Timestamp, c.Context.TTL = clock.UnixMilli(h.clock), 60_000
	}
	c.ID, c.ReplyTo = id, h.probe
	h.system.Root.Send(pid, &c)
	if h.loop.Run(10_000); h.loop.Pending() != 0 {
		h.t.Fatal("the loop did not go idle")
	}
	r := h.replies[id]
	if r == nil {
		h.t.Fatalf("no reply to call %d", id)
	}
	return r
}

func args(vs ...value.Value) []value.Value { return vs }

func TestBuiltinService(t *testing.T) {
	h := newHarness(t)
	op, ok := Builtin("op")
	if !ok {
		t.Fatal("no builtin op")
	}
	if _, ok := Builtin("no-such-service"); ok {
		t.Fatal("Builtin found no-such-service")
	}
	pid := h.spawn(func() Handler { return op })
	ctx := CallContext{Service: "op"}
	if r := h.call(pid, 1, Call{Function: "concat_strings", Args: args(value.String("a"), value.String("b")), Context: ctx}); r.Result.RetCode != 0 || r.Result.Result != `"ab"` {
		t.Errorf("op.concat_strings = %+v", r.Result)
	}
	if r := h.call(pid, 2, Call{Function: "nope", Context: ctx}); r.Result.RetCode != 1 || r.Result.Result != `"Service with id 'op' not found (function nope)"` {
		t.Errorf("op.nope = %+v", r.Result)
	}
	if r := h.call(pid, 3, Call{Function: "identity", Args: args(value.Int(1), value.Int(2)), Context: ctx}); r.Result.RetCode != 1 || r.Result.Result != `"identity accepts up to 1 arguments, received 2 arguments"` {
		t.Errorf("op.identity(1, 2) = %+v", r.Result)
	}
}

func TestHandlerSeesTheCallContext(t *testing.T) {
	h := newHarness(t)
	pid := h.spawn(func() Handler {
		return HandlerFunc(func(ctx CallContext, fn string, args []value.Value) (value.Value, error) {
			if len(ctx.Tetraplets) != 1 || ctx.Tetraplets[0][0].PeerPK != "12D3Source" {
				return value.Value{}, errors.New("no tetraplet")
			}
			return value.Array(value.String(ctx.InitPeerID), value.String(ctx.ParticleID), value.Uint(ctx.Timestamp), value.String(fn), args[0]), nil
		})
	})
	ctx := CallContext{ParticleID: "p-1", InitPeerID: "12D3Init", Timestamp: 1700000000000, TTL: 1000, Service: "chat",
		Tetraplets: [][]data.Tetraplet{{{PeerPK: "12D3Source", ServiceID: "s", FunctionName: "f"}}}}
	r := h.call(pid, 1, Call{Function: "send", Args: args(value.String("hi")), Context: ctx})
	if want := `["12D3Init","p-1",1700000000000,"send","hi"]`; r.Result.RetCode != 0 || r.Result.Result != want {
		t.Fatalf("reply %+v, want %s", r.Result, want)
	}
}

func TestErrorsAndPanicsAreFailedCallsAndPanicsRestart(t *testing.T) {
	h := newHarness(t)
	starts := 0
	pid := h.spawn(func() Handler {
		starts++
		served := 0 // the handler's state: lost at a restart
		return HandlerFunc(func(_ CallContext, fn string, _ []value.Value) (value.Value, error) {
			switch fn {
			case "fail":
				return value.Value{}, errors.New(`no "way"`)
			case "panic":
				panic("handler bug")
			}
			served++
			return value.Int(int64(served)), nil
		})
	})
	ctx := CallContext{Service: "svc"}
	if r := h.call(pid, 1, Call{Function: "count", Context: ctx}); r.Result.Result != "1" {
		t.Fatalf("first count = %+v", r.Result)
	}
	if r := h.call(pid, 2, Call{Function: "count", Context: ctx}); r.Result.Result != "2" {
		t.Fatalf("second count = %+v", r.Result)
	}
	if r := h.call(pid, 3, Call{Function: "fail", Context: ctx}); r.Result.RetCode != 1 || r.Result.Result != `"no \"way\""` {
		t.Fatalf("fail = %+v", r.Result)
	}
	if starts != 1 {
		t.Fatalf("an error restarted the service (%d starts)", starts)
	}
	if r := h.call(pid, 4, Call{Function: "panic", Context: ctx}); r.Result.RetCode != 1 || r.Result.Result != `"service 'svc' failed in 'panic': handler bug"` {
		t.Fatalf("panic = %+v", r.Result)
	}
	if starts != 2 {
		t.Fatalf("after a panic the service started %d times, want 2 (a restart)", starts)
	}
	if r := h.call(pid, 5, Call{Function: "count", Context: ctx}); r.Result.Result != "1" {
		t.Fatalf("count after the restart = %+v, want 1 (fresh state)", r.Result)
	}
}

// A call that reaches its turn after its particle's deadline is not run: it fails, naming the
// reason, and the handler never sees it. One in time, at the deadline's last millisecond, runs.
func TestCallsPastTheirDeadlineAreNotRun(t *testing.T) {
	h := newHarness(t)
	var ran []string
	pid := h.spawn(func() Handler {
		return HandlerFunc(func(ctx CallContext, fn string, args []value.Value) (value.Value, error) {
			ran = append(ran, ctx.ParticleID)
			return value.Null(), nil
		})
	})
	now := clock.UnixMilli(h.clock)
	late := CallContext{ParticleID: "late", Service: "svc", Timestamp: now - 1000, TTL: 1000}
	if r := h.call(pid, 1, Call{Function: "f", Context: late}); r.Result.RetCode != 1 ||
		r.Result.Result != `"service 'svc' did not run 'f': the particle expired 0 ms before the call's turn came"` {
		t.Errorf("late call: %+v", r.Result)
	}
	inTime := CallContext{ParticleID: "in-time", Service: "svc", Timestamp: now - 999, TTL: 1000}
	if r := h.call(pid, 2, Call{Function: "f", Context: inTime}); r.Result.RetCode != 0 {
		t.Errorf("call in time: %+v", r.Result)
	}
	if len(ran) != 1 || ran[0] != "in-time" {
		t.Errorf("the handler ran for %v, want [in-time]", ran)
	}
}

// onlyPoint is fault points where exactly one point always fires.
type onlyPoint string

func (p onlyPoint) Fire(point string) bool { return point == string(p) }

// The service actor's fault points: "service.fail" fails a call without running the handler;
// "service.delay" answers a second later on the clock.
func TestServiceFaultPoints(t *testing.T) {
	ran := 0
	handler := func() Handler {
		return HandlerFunc(func(CallContext, string, []value.Value) (value.Value, error) { ran++; return value.Int(1), nil })
	}
	h := newHarness(t)
	var failing *actor.PID
	h.system.Root.Send(h.parent, &spawnReq{Props(Env{Clock: h.clock, Faults: onlyPoint("service.fail")}, handler, h.opts...), &failing})
	h.loop.Run(1000)
	if r := h.call(failing, 1, Call{Function: "f", Context: CallContext{Service: "svc"}}); r.Result.RetCode != 1 ||
		r.Result.Result != `"service 'svc' did not run 'f': a fault was injected"` || ran != 0 {
		t.Fatalf("service.fail: %+v, handler ran %d times", r.Result, ran)
	}

	var slow *actor.PID
	h.system.Root.Send(h.parent, &spawnReq{Props(Env{Clock: h.clock, Faults: onlyPoint("service.delay")}, handler, h.opts...), &slow})
	h.loop.Run(1000)
	h.system.Root.Send(slow, &Call{ID: 2, Function: "f", ReplyTo: h.probe,
		Context: CallContext{Service: "svc", Timestamp: clock.UnixMilli(h.clock), TTL: 60_000}})
	h.loop.Run(1000)
	if h.replies[2] != nil || ran != 1 {
		t.Fatalf("service.delay answered at once (ran %d)", ran)
	}
	h.clock.Advance(time.Second)
	h.loop.Run(1000)
	if r := h.replies[2]; r == nil || r.Result.Result != "1" {
		t.Fatalf("service.delay: no answer a second later: %+v", r)
	}
}

func TestFailureCarriesItsRetCodeAndValue(t *testing.T) {
	r := Result(value.Value{}, &Failure{RetCode: 42, Value: value.Array(value.String("why"))})
	if r.RetCode != 42 || r.Result != `["why"]` {
		t.Fatalf("Result(Failure) = %+v", r)
	}
	if r := Result(value.Value{}, errors.New("plain")); r.RetCode != 1 || r.Result != `"plain"` {
		t.Fatalf("Result(error) = %+v", r)
	}
}

// closingHandler counts its closes.
type closingHandler struct {
	HandlerFunc
	closed *int
}

func (c closingHandler) Close() error { *c.closed++; return nil }

func TestAHandlerThatHoldsResourcesIsClosedWithItsActor(t *testing.T) {
	h := newHarness(t)
	made, closed := 0, 0
	pid := h.spawn(func() Handler {
		made++
		return closingHandler{HandlerFunc(func(ctx CallContext, fn string, args []value.Value) (value.Value, error) {
			if fn == "panic" {
				panic("handler bug")
			}
			return value.Null(), nil
		}), &closed}
	})
	h.call(pid, 1, Call{Function: "panic"})
	if made != 2 || closed != 1 {
		t.Fatalf("after a panic: %d handlers made, %d closed; want 2 and 1 (the failed one closed at the restart)", made, closed)
	}
	h.system.Root.Stop(pid)
	h.loop.Run(1000)
	if closed != 2 {
		t.Fatalf("after the actor stopped: %d closed, want 2", closed)
	}
}
