package particles

import (
	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/actors/service"
)

// callProps returns a call actor: a child of the particle actor that makes one call on the
// particle's behalf. It sends c to the registry with itself as the reply address, hands the
// answer to its parent and stops. Calls of independent par branches and fold iterations each
// get one, so they are in flight together; when the particle stops (at its deadline) its call
// actors stop with it, and an answer that comes later goes to protoactor's dead letters, never
// into the particle's data.
func callProps(registry *actor.PID, c *service.Call, opts []actor.PropsOption) *actor.Props {
	return actor.PropsFromProducer(func() actor.Actor { return &callActor{registry: registry, call: c} }, opts...)
}

type callActor struct {
	registry *actor.PID
	call     *service.Call
}

func (a *callActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		a.call.ReplyTo = ctx.Self()
		ctx.Send(a.registry, a.call)
	case *service.Reply:
		ctx.Send(ctx.Parent(), m)
		ctx.Stop(ctx.Self())
	}
}
