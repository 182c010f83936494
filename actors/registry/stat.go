package registry

import (
	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/actors/builtin"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/interpreter/value"
)

// stat serves the stat builtin (nox's ("stat", …) arms) for the services spawned on this node,
// by id or alias; builtins have no stats, as on nox.
//
// service_stat answers with the service's call counters (its actor keeps them); service_memory
// with the memory of each Wasm module of the service: a Go service has none of its own (it
// shares the node's), so its list is empty.
func (r *registryActor) stat(ctx actor.Context, c *service.Call) {
	// The function first: on nox an unknown one is not found whatever its arguments.
	switch c.Function {
	case "service_stat", "service_memory":
	default:
		reply(ctx, c, value.Value{}, service.NotFound("stat", c.Function))
		return
	}
	id, err := builtin.StringArg(c.Args, 0, "service_id")
	if err != nil {
		reply(ctx, c, value.Value{}, err)
		return
	}
	s, ok := r.services.Resolve(id)
	if !ok {
		reply(ctx, c, value.Value{}, r.services.noSuchService(id))
		return
	}
	if c.Function == "service_memory" {
		reply(ctx, c, value.Array(), nil)
		return
	}
	ctx.Send(s.Handle, &service.StatQuery{ID: c.ID, ServiceID: s.ID, ReplyTo: c.ReplyTo})
}
