package service

import (
	"github.com/asynkron/protoactor-go/actor"
)

// PoolProps returns the props of a service whose calls may run in parallel: a pool actor that
// serves each Call on one of at most size worker actors, each a service actor with a handler
// of its own that newHandler makes. It is for stateless services, whose calls do not depend on
// each other (nox serialises every call to a service; a pool of Wasm instances serves a
// stateless one as fast as the node has cores).
//
// A call goes to the first idle worker, in the order the workers were made, and a worker is
// made only when every one before it is busy: a pool that never sees two calls at once has
// one worker and one handler. When all size workers are busy, calls wait in the order they
// came. Each worker is a service actor (a call past its particle's deadline is not run; a
// panic fails the call and restarts that worker with a new handler, as its supervisor, the
// pool, decides: pass actor.WithSupervisor in opts to choose). The pool answers StatQuery with
// the counts of all its workers together.
//
// Options (a dispatcher, a mailbox, a supervisor) apply to the pool and to its workers. A size
// below 1 is 1.
func PoolProps(env Env, size int, newHandler func() Handler, opts ...actor.PropsOption) *actor.Props {
	size = max(size, 1)
	st := &stats{}
	worker := actor.PropsFromProducer(func() actor.Actor {
		return &serviceActor{clock: env.Clock, faults: env.Faults, newHandler: newHandler, stats: st}
	}, opts...)
	return actor.PropsFromProducer(func() actor.Actor {
		return &poolActor{size: size, worker: worker, stats: st, inFlight: map[uint32]pending{}}
	}, opts...)
}

// poolActor hands calls to its workers and their replies back to the callers. Its workers
// reply to it under an id of its own, so that it knows which worker is free again.
type poolActor struct {
	size     int
	worker   *actor.Props
	workers  []*actor.PID
	busy     []bool
	queue    []*Call
	inFlight map[uint32]pending // the pool's call id -> where the reply goes
	nextID   uint32
	stats    *stats
}

// pending is a call a worker is serving.
type pending struct {
	id      uint32 // the caller's id
	replyTo *actor.PID
	worker  int
}

func (p *poolActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *Call:
		p.queue = append(p.queue, m)
		p.dispatch(ctx)
	case *Reply:
		c, ok := p.inFlight[m.ID]
		if !ok {
			return
		}
		delete(p.inFlight, m.ID)
		p.busy[c.worker] = false
		ctx.Send(c.replyTo, &Reply{ID: c.id, Result: m.Result})
		p.dispatch(ctx)
	case *StatQuery:
		ctx.Send(m.ReplyTo, &Reply{ID: m.ID, Result: Result(p.stats.result(m.ServiceID), nil)})
	}
}

// dispatch gives waiting calls to idle workers, making workers up to the pool's size.
func (p *poolActor) dispatch(ctx actor.Context) {
	for len(p.queue) > 0 {
		w := p.idleWorker(ctx)
		if w < 0 {
			return
		}
		c := p.queue[0]
		p.queue[0] = nil
		p.queue = p.queue[1:]
		p.nextID++
		p.inFlight[p.nextID] = pending{id: c.ID, replyTo: c.ReplyTo, worker: w}
		p.busy[w] = true
		fwd := *c
		fwd.ID, fwd.ReplyTo = p.nextID, ctx.Self()
		ctx.Send(p.workers[w], &fwd)
	}
}

// idleWorker is the first idle worker, made if need be, or -1 when all are busy.
func (p *poolActor) idleWorker(ctx actor.Context) int {
	for i, b := range p.busy {
		if !b {
			return i
		}
	}
	if len(p.workers) == p.size {
		return -1
	}
	p.workers = append(p.workers, ctx.Spawn(p.worker))
	p.busy = append(p.busy, false)
	return len(p.workers) - 1
}
