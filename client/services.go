package client

import (
	"fmt"

	"github.com/aquanet/aquanet/actors/builtin"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/value"
)

// serve answers one call the script makes on the client: a served service first, then the
// client's own (see the package doc), then the builtins.
func (r *run) serve(call interpreter.CallRequest) interpreter.CallResult {
	if s := r.c.service(call.Service); s != nil {
		return r.callServed(s, call)
	}
	switch call.Service {
	case "getDataSrv": // how Aqua reads a function's arguments, and the relay's id
		if call.Function == "-relay-" {
			return service.Result(value.String(r.c.relay.ID.String()), nil)
		}
		v, ok := r.args[call.Function]
		if !ok { // a failed call, not a panic: the script may catch it with xor
			return service.Result(value.Value{}, fmt.Errorf("getDataSrv: no argument %s in the run's arguments", call.Function))
		}
		return service.Result(v, nil)
	case "callbackSrv", "return":
		// Answered with null at once: the script goes on, and the event is the caller's to
		// act on (a callback that must answer with a value is a served service).
		r.report(Event{Service: call.Service, Function: call.Function, Args: call.Args})
		return service.Result(value.Null(), nil)
	case "errorHandlingSrv":
		// Counted, not returned at once: the script runs to its end, so that every event it
		// makes is reported, and then the run fails.
		r.failed++
		r.report(Event{Service: call.Service, Function: call.Function, Args: call.Args, Error: true})
		return service.Result(value.Null(), nil)
	}
	// The pure builtins, so that a script can compute on the client as on any node (e.g.
	// op.identity to pick a value, array.length on a stream it gathered here).
	if f, ok := builtin.Lookup(call.Service, call.Function); ok {
		return service.Result(f(call.Args))
	}
	return service.Result(value.Value{}, service.NotFound(call.Service, call.Function))
}

// report records an event and hands it to the OnEvent function, if any.
func (r *run) report(ev Event) {
	r.res.Events = append(r.res.Events, ev)
	if r.onEvent != nil {
		r.onEvent(ev)
	}
}

// callServed calls a served handler, one call at a time per service. A panic is a failed
// call, as on a node: the script can catch it, and the client goes on.
func (r *run) callServed(s *served, call interpreter.CallRequest) (res interpreter.CallResult) {
	cc := service.CallContext{ParticleID: r.p.ID, InitPeerID: r.c.self.String(), Timestamp: r.p.Timestamp, TTL: r.p.TTL,
		Service: call.Service, CallID: call.ID, Tetraplets: call.Tetraplets}
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() {
		if p := recover(); p != nil {
			res = service.Result(value.Value{}, fmt.Errorf("service '%s' failed in '%s': %v", call.Service, call.Function, p))
		}
	}()
	return service.Result(s.h.Call(cc, call.Function, call.Args))
}
