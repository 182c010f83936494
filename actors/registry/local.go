package registry

import (
	"fmt"

	"github.com/aquanet/aquanet/actors/builtin"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/fault"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/value"
)

// Local returns what answers a call to a builtin of package builtin, in its caller's own turn,
// when the call's arguments are small (small) and pure says the builtin is pure (a service an
// override takes is not): a pure function of small arguments never blocks, so it needs no actor
// of its own. A particle's actor answers such calls so, without the call and its answer as
// messages (an Aqua hop's op.noop on a relay is answered in the turn the particle arrived in),
// and the registry answers those that reach it so. The answer is the builtin actor's (its
// refusals included, and counted in metrics); any other call gets false and goes to the
// builtin's actor, as does one the fault point "service.delay" fires for (a late answer needs
// an actor's turn), where the actor draws its faults again.
//
// A builtin never panics (package builtin); one that did anyway fails its call with the panic's
// message instead of failing the caller.
func Local(clk clock.Clock, faults fault.Points, metrics *Metrics, pure func(service string) bool) func(*service.Call) (interpreter.CallResult, bool) {
	handlers := map[string]service.Handler{}
	for _, id := range builtin.Services() {
		if h, ok := service.Builtin(id); ok && pure != nil && pure(id) {
			handlers[id] = h
		}
	}
	env := service.Env{Clock: clk, Faults: faults}
	return func(c *service.Call) (r interpreter.CallResult, ok bool) {
		h, found := handlers[c.Context.Service]
		if !found || !small(c.Args) {
			return r, false
		}
		if refusal := env.Refusal(c); refusal != nil {
			metrics.call("builtin")
			return refusal.Result, true
		}
		if fault.On(faults, "service.delay") {
			return r, false
		}
		metrics.call("builtin")
		defer func() {
			if p := recover(); p != nil {
				r, ok = service.Result(value.Value{}, fmt.Errorf("service '%s' failed on '%s': %v", c.Context.Service, c.Function, p)), true
			}
		}()
		v, err := h.Call(c.Context, c.Function, c.Args)
		return service.Result(v, err), true
	}
}
