// Package supervise is the node's supervisor strategy for protoactor-go: what happens when an
// actor of the node fails (panics). Unlike protoactor's own strategies, its restart window is
// counted on the node's Clock, not on the wall clock, so that a simulation replays it; and it
// does not lose the message the actor failed on: it hands it back once, and only a message that
// fails twice in a row is given up (to a hook that can answer it with an error), so that a
// passing fault loses nothing and a poisonous message cannot loop.
package supervise

import (
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/internal/clock"
)

// Strategy is a protoactor SupervisorStrategy. Set it on a parent's Props (actor.WithSupervisor)
// or implement HandleFailure on the parent by calling it.
type Strategy struct {
	// Clock counts the restart window. Required.
	Clock clock.Clock
	// MaxFailures is how many failures of one child within Within are tolerated; one more and
	// the child is stopped. Default 10.
	MaxFailures int
	// Within is the window; default 10 s.
	Within time.Duration
	// Directive chooses, per child, how it goes on after a failure: actor.RestartDirective (a
	// new instance, its children stopped: for actors that keep their state elsewhere or have
	// none) or actor.ResumeDirective (the same instance, its children kept: for parents whose
	// state is their children's table). Default: restart.
	Directive func(child *actor.PID) actor.Directive
	// HandBack hands the message the child failed on back to it once, behind what is queued,
	// for actors whose messages must not be lost (a particle's arrival, a call's answer). Leave
	// it off for actors that answer the failed message themselves (a service actor fails the
	// call that panicked).
	HandBack bool
	// GiveUp, if set, hears of a message that failed the child twice in a row (or once past
	// the bound, if Essential) and is not handed back again, so that it can be answered (a call
	// with an error) or counted. It runs on the supervisor's goroutine and must not block.
	GiveUp func(child *actor.PID, message any, reason any)
	// Stopped, if set, hears of a child stopped for failing too often.
	Stopped func(child *actor.PID, reason any)
	// Essential: the children are never stopped for failing too often, since the node cannot
	// work without them (a stopped router leaves a node that takes connections and drops every
	// particle). Past MaxFailures within Within, a message a child fails on is given up at
	// once instead of handed back: what bounds the work failures cost is then the messages
	// themselves, each failing at most twice, and at most once past the bound.
	Essential bool

	mu       sync.Mutex
	failures map[string][]time.Time // child id -> its failures within the window, on Clock
	last     struct {
		child string
		msg   any
	}
}

var _ actor.SupervisorStrategy = (*Strategy)(nil)

// HandleFailure decides what happens to child, which failed with reason on message.
func (s *Strategy) HandleFailure(system *actor.ActorSystem, sup actor.Supervisor, child *actor.PID, _ *actor.RestartStatistics, reason, message any) {
	max, within := s.MaxFailures, s.Within
	if max <= 0 {
		max = 10
	}
	if within <= 0 {
		within = 10 * time.Second
	}
	now := s.Clock.Now()
	s.mu.Lock()
	if s.failures == nil {
		s.failures = map[string][]time.Time{}
	}
	// Only failures within the window count; children whose failures are all older are
	// forgotten, so that the table holds only the children that failed lately.
	for id, ts := range s.failures {
		if now.Sub(ts[len(ts)-1]) >= within {
			delete(s.failures, id)
		}
	}
	ts := s.failures[child.Id][:0:0]
	for _, t := range s.failures[child.Id] {
		if now.Sub(t) < within {
			ts = append(ts, t)
		}
	}
	ts = append(ts, now)
	s.failures[child.Id] = ts
	tooMany := len(ts) > max
	if tooMany {
		delete(s.failures, child.Id)
	}
	s.mu.Unlock()
	if tooMany && !s.Essential {
		publish(system, child, reason, actor.StopDirective)
		sup.StopChildren(child)
		if s.Stopped != nil {
			s.Stopped(child, reason)
		}
		return
	}
	directive := actor.RestartDirective
	if s.Directive != nil {
		directive = s.Directive(child)
	}
	publish(system, child, reason, directive)
	if directive == actor.ResumeDirective {
		sup.ResumeChildren(child)
	} else {
		sup.RestartChildren(child)
	}
	if message == nil || !s.HandBack {
		return
	}
	s.mu.Lock()
	again := s.last.child == child.Id && s.last.msg == message
	if again {
		s.last.child, s.last.msg = "", nil
	} else if !tooMany {
		s.last.child, s.last.msg = child.Id, message
	}
	s.mu.Unlock()
	if again || tooMany {
		if s.GiveUp != nil {
			s.GiveUp(child, message, reason)
		}
		return
	}
	// Handed back behind what is queued: the restarted (or resumed) child takes it up again.
	system.Root.Send(child, message)
}

// publish tells the system's event stream, as protoactor's strategies do (actors.Env's
// OnActorFailure listens there).
func publish(system *actor.ActorSystem, child *actor.PID, reason any, d actor.Directive) {
	system.EventStream.Publish(&actor.SupervisorEvent{Child: child, Reason: reason, Directive: d})
}
