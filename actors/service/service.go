// Package service runs a service instance as a protoactor-go actor: it answers each Call
// message with a Reply to the call's ReplyTo, so a particle actor can have many calls in flight
// to many services and collect the results as messages.
//
// A handler's error, or its panic, becomes a failed call (ret code 1, the message as a JSON
// string, as Fluence's node returns it), which the script can catch with xor. After a panic the
// actor also fails, so that its supervisor restarts it (with a fresh handler state, if the
// handler is made by a producer); which restarts happen is the supervisor's strategy.
//
// A service actor serves its calls one at a time, so a handler needs no lock for its own state.
// The cost is that a handler that blocks holds up the later calls to the same service (never
// those to other services, nor other particles' progress: a particle expires at its deadline
// whatever its calls do). A call whose particle's deadline has passed by the time the call's
// turn comes is not run: it fails at once, so a queue that built up behind a slow call drains
// without doing work nobody waits for.
package service

import (
	"errors"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/actors/builtin"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/fault"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/data"
	"github.com/aquanet/aquanet/interpreter/value"
)

// CallContext is what a service knows about the call it serves, enough for it to decide whether
// to serve it.
type CallContext struct {
	ParticleID string
	InitPeerID string // who started the particle
	Timestamp  uint64 // the particle's creation time, ms since the Unix epoch
	TTL        uint32 // ms after Timestamp when the particle expires
	Service    string // the service id the script called
	CallID     uint32 // the interpreter's id of this call within the particle on this peer
	// Tetraplets say where each argument came from: one list per argument.
	Tetraplets [][]data.Tetraplet
	// Certificate is the one the particle carries (particle.Particle.Certificate), if any: the
	// initiator's chain of trust from an application's developer.
	Certificate []byte
	// TriggerOwner, in a call of a particle the node started for one of its triggers (whose
	// InitPeerID is the node), is the peer that installed the trigger; empty otherwise.
	TriggerOwner string
}

// Deadline is when the particle expires, in ms since the Unix epoch.
func (c CallContext) Deadline() uint64 { return c.Timestamp + uint64(c.TTL) }

// Handler serves the functions of a service.
type Handler interface {
	Call(ctx CallContext, function string, args []value.Value) (value.Value, error)
}

// HandlerFunc is a function that is a Handler.
type HandlerFunc func(ctx CallContext, function string, args []value.Value) (value.Value, error)

// Call calls f.
func (f HandlerFunc) Call(ctx CallContext, function string, args []value.Value) (value.Value, error) {
	return f(ctx, function, args)
}

// Call asks a service actor to run one function; it replies to ReplyTo with a Reply of the same
// ID.
type Call struct {
	ID       uint32
	Function string
	Args     []value.Value
	Context  CallContext
	ReplyTo  *actor.PID
}

// Reply is a service actor's answer to a Call.
type Reply struct {
	ID     uint32
	Result interpreter.CallResult
}

// Env is what a service actor takes from its node: the clock, which tells it which calls came
// too late to run, and the fault points (nil outside a simulation): "service.fail" fails a call
// without running it, "service.delay" holds its answer back for a second.
type Env struct {
	Clock  clock.Clock
	Faults fault.Points
}

// Props returns the props of a service actor whose handler newHandler makes, once at the start
// and again at every restart. Options (a dispatcher, a mailbox) are passed to protoactor.
//
// The actor counts its calls (successes, failures, durations on clk) and answers StatQuery
// with the counts; they survive restarts.
func Props(env Env, newHandler func() Handler, opts ...actor.PropsOption) *actor.Props {
	st := &stats{}
	return actor.PropsFromProducer(func() actor.Actor {
		return &serviceActor{clock: env.Clock, faults: env.Faults, newHandler: newHandler, stats: st}
	}, opts...)
}

type serviceActor struct {
	clock      clock.Clock
	faults     fault.Points
	newHandler func() Handler
	handler    Handler
	stats      *stats // the incarnations of the actor run one after another: no lock
}

func (s *serviceActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		s.handler = s.newHandler()
	case *actor.Stopped, *actor.Restarting:
		// A handler holding resources (a Wasm instance) lets them go with its actor.
		if c, ok := s.handler.(interface{ Close() error }); ok {
			c.Close()
		}
	case *Call:
		s.serve(ctx, m)
	case *StatQuery:
		ctx.Send(m.ReplyTo, &Reply{ID: m.ID, Result: Result(s.stats.result(m.ServiceID), nil)})
	}
}

func (s *serviceActor) serve(ctx actor.Context, c *Call) {
	env := Env{Clock: s.clock, Faults: s.faults}
	if r := env.Refusal(c); r != nil {
		ctx.Send(c.ReplyTo, r)
		return
	}
	start := s.clock.Now()
	defer func() {
		if r := recover(); r != nil {
			s.stats.record(c.Function, false, false, 0, c.Context.Timestamp)
			ctx.Send(c.ReplyTo, &Reply{ID: c.ID, Result: failure(fmt.Sprintf("service '%s' failed in '%s': %v", c.Context.Service, c.Function, r))})
			panic(r) // the actor fails too: its supervisor decides about the restart
		}
	}()
	v, err := s.handler.Call(c.Context, c.Function, c.Args)
	var nf *notFoundError
	s.stats.record(c.Function, err == nil, errors.As(err, &nf), s.clock.Now().Sub(start).Seconds(), c.Context.Timestamp)
	env.Answer(ctx, c, v, err)
}

// Refusal is the reply to a call that is not to run, or nil if it is to: its particle expired
// before the call's turn came, or the fault point "service.fail" fired. Whoever serves calls
// asks it first, as a service actor does.
func (e Env) Refusal(c *Call) *Reply {
	if now := clock.UnixMilli(e.Clock); now >= c.Context.Deadline() {
		return &Reply{ID: c.ID, Result: failure(fmt.Sprintf("service '%s' did not run '%s': the particle expired %d ms before the call's turn came",
			c.Context.Service, c.Function, now-c.Context.Deadline()))}
	}
	if fault.On(e.Faults, "service.fail") {
		return &Reply{ID: c.ID, Result: failure(fmt.Sprintf("service '%s' did not run '%s': a fault was injected", c.Context.Service, c.Function))}
	}
	return nil
}

// Answer sends the call's result, v or err, to its ReplyTo, a second late if the fault point
// "service.delay" fires.
func (e Env) Answer(ctx actor.Context, c *Call, v value.Value, err error) {
	reply := &Reply{ID: c.ID, Result: Result(v, err)}
	if fault.On(e.Faults, "service.delay") {
		system, to := ctx.ActorSystem(), c.ReplyTo
		e.Clock.AfterFunc(time.Second, func() { system.Root.Send(to, reply) })
		return
	}
	ctx.Send(c.ReplyTo, reply)
}

// Failure is an error a handler returns to fail the call with a ret code and value of its
// own choosing; any other error fails it with ret code 1 and the error's message as a JSON
// string, as Fluence's node does.
type Failure struct {
	RetCode int32 // not 0
	Value   value.Value
}

func (f *Failure) Error() string {
	return fmt.Sprintf("call failed with ret code %d: %s", f.RetCode, f.Value)
}

// Result is the call result of a handler's answer: v as JSON, or err as a failed call.
func Result(v value.Value, err error) interpreter.CallResult {
	var f *Failure
	if errors.As(err, &f) && f.RetCode != 0 {
		return interpreter.CallResult{RetCode: f.RetCode, Result: string(f.Value.AppendJSON(nil))}
	}
	if err != nil {
		return failure(err.Error())
	}
	return interpreter.CallResult{Result: string(v.AppendJSON(nil))}
}

// failure is a failed call with message msg: ret code 1 and the message as a JSON string.
func failure(msg string) interpreter.CallResult {
	return interpreter.CallResult{RetCode: 1, Result: value.String(msg).String()}
}

// Builtin returns a handler for the builtin service id of package builtin, if there is one. An
// unknown function fails as on Fluence's node.
func Builtin(id string) (Handler, bool) {
	if builtin.Functions(id) == nil {
		return nil, false
	}
	return HandlerFunc(func(ctx CallContext, function string, args []value.Value) (value.Value, error) {
		f, ok := builtin.Lookup(id, function)
		if !ok {
			return value.Value{}, NotFound(ctx.Service, function)
		}
		return f(args)
	}), true
}

// NotFound is the error of a call to a function no service provides, worded as Fluence's node
// words it. A handler should return it for a function it does not have: such calls count in
// the service's stats, but not under the function's name.
//
// On nox the text is the same whether the service is missing or only the function is: a
// builtin, or a custom service, that lacks the function answers NotDefined and the call falls
// through to the app services, which lack the service, so the node reports "Service with id
// 'op' not found (function nosuch)" for ("op" "nosuch") as for ("nosuch" "f")
// (particle-builtins/src/builtins.rs builtins_call and call, aquamarine/src/particle_functions.rs).
// Only a Wasm (Marine) service words a missing function differently, and aquanet has none.
func NotFound(service, function string) error {
	return &notFoundError{service, function}
}

type notFoundError struct{ service, function string }

func (e *notFoundError) Error() string {
	return fmt.Sprintf("Service with id '%s' not found (function %s)", e.service, e.function)
}
