package actors

import (
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/actors/supervise"
	"github.com/aquanet/aquanet/interpreter/value"
)

// nodePIDs are the node root actor and its children.
type nodePIDs struct {
	root, registry, router, network *actor.PID
}

// rootName is the node root actor's name (after the node's prefix in a shared System); its
// children are named under it ("node/router").
const rootName = "node"

// spawnRoot spawns the node root actor, named name, whose children are the registry, the router (whose
// own children are the particle actors) and the network actor: one tree, so that stopping the
// root stops the node and every failure of the node's own actors is handled in one place.
//
// The children are spawned while the root is being spawned (protoactor's OnInit runs before
// the root's mailbox starts), so their addresses are known when this returns and nothing sent
// to them right after Start is lost.
//
// Supervision: a failed registry, router or network actor resumes, keeping its state and its
// children (a restart would stop them: every service and every live particle), and the message
// it failed on is handed back to it once (supervise.Strategy); a message that fails it twice is
// answered with an error if it is a call, and dropped with a log line otherwise. They are
// essential: however often they fail, they are never stopped (a node whose router is stopped
// takes connections and drops every particle: found by "aquanet sim --seed 3 --nodes 50
// --faults all"); past 10 failures in 10 s on the node's Clock, a message that fails one is
// given up at once instead of handed back.
func spawnRoot(system *actor.ActorSystem, name string, env Env, registryProps *actor.Props, routerProps func(registry, network *actor.PID) *actor.Props,
	networkProps func(router *actor.PID) *actor.Props) (nodePIDs, error) {
	var pids nodePIDs
	var spawnErr error
	strategy := &supervise.Strategy{Clock: env.Clock, HandBack: true, Essential: true,
		Directive: func(*actor.PID) actor.Directive { return actor.ResumeDirective },
		GiveUp: func(child *actor.PID, message, reason any) {
			if c, ok := message.(*service.Call); ok {
				err := fmt.Errorf("the node's service registry failed routing this call to '%s': %v", c.Context.Service, reason)
				system.Root.Send(c.ReplyTo, &service.Reply{ID: c.ID, Result: service.Result(value.Value{}, err)})
			}
			env.Logger.Error("a message failed a node actor and is dropped", "actor", child.Id, "message", fmt.Sprintf("%T", message), "reason", reason)
		},
	}
	props := actor.PropsFromFunc(func(actor.Context) {}, append(env.ActorOptions,
		actor.WithSupervisor(strategy),
		actor.WithOnInit(func(ctx actor.Context) {
			pids.registry, spawnErr = ctx.SpawnNamed(registryProps, "registry")
			if spawnErr != nil {
				return
			}
			// The router and the network actor name each other: the router is given the
			// network actor's address before it exists.
			network := actor.NewPID(system.Address(), ctx.Self().Id+"/network")
			if pids.router, spawnErr = ctx.SpawnNamed(routerProps(pids.registry, network), "router"); spawnErr != nil {
				return
			}
			pids.network, spawnErr = ctx.SpawnNamed(networkProps(pids.router), "network")
		}))...)
	root, err := system.Root.SpawnNamed(props, name)
	if err == nil {
		err = spawnErr
	}
	if err != nil {
		return nodePIDs{}, fmt.Errorf("spawning the node's actors: %w", err)
	}
	pids.root = root
	return pids, nil
}
