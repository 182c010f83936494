package actors

import (
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	cmap "github.com/orcaman/concurrent-map"
)

// System is one actor system that many nodes share (Env.System): protoactor sizes a system
// for one per process, its process registry alone 1,024 buckets (32,768 maps, 2.7 MB) made up
// front, and a simulator runs thousands of nodes in one process. Nodes sharing a system stay
// apart as in systems of their own: each names its actors under its peer id and a token of its
// own ("<peer id>$5/node/router"), reaches another's only through its transport, and hears
// only of its own actors' failures. The token keeps apart two nodes of one peer id (a node
// killed and its successor, as a simulator restarts a crashed node): what the killed node's
// timers still send reaches its own abandoned actors, not its successor's.
//
// Its registry is a single bucket: the many buckets of protoactor's serve many goroutines
// registering actors at once, where a simulator's nodes run on one.
type System struct {
	system *actor.ActorSystem
	mu     sync.Mutex
	nodes  map[string]*Node // the running nodes, by the first part of their actors' ids
}

// NewSystem returns a system for nodes to share; logger gets protoactor's own lines (nil
// discards them).
func NewSystem(logger *slog.Logger) *System {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &System{system: newActorSystem(logger), nodes: map[string]*Node{}}
	shrinkRegistry(s.system)
	// One subscription for all the nodes: the event stream calls every subscriber on every
	// event (dead letters too), which would be every node on every event.
	s.system.EventStream.Subscribe(func(evt any) {
		e, ok := evt.(*actor.SupervisorEvent)
		if !ok {
			return
		}
		s.mu.Lock()
		n := s.nodes[ownerOf(e.Child.Id)]
		s.mu.Unlock()
		if n != nil && n.env.OnActorFailure != nil {
			n.env.OnActorFailure(e.Child.Id, e.Reason)
		}
	})
	return s
}

// newActorSystem is a node's actor system, logging to logger.
func newActorSystem(logger *slog.Logger) *actor.ActorSystem {
	return actor.NewActorSystem(
		// protoactor's own info lines (system started, and the like) are debug lines for us.
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
			return slog.New(quieter{logger.Handler()}).With("lib", "protoactor")
		}),
		// Messages to stopped actors (normal while a node stops) go to protoactor's dead letters,
		// whose log throttle starts a goroutine on the wall clock for one interval; keep that
		// interval short so that a stopped node leaves no goroutine behind for long.
		actor.WithDeadLetterThrottleInterval(10*time.Millisecond))
}

// shrinkRegistry replaces system's process registry by one of a single bucket, keeping the
// processes the system registered as it was made (its dead letters, its event stream). It
// must run before anything else touches the system.
func shrinkRegistry(system *actor.ActorSystem) {
	small := &actor.SliceMap{LocalPIDs: []cmap.ConcurrentMap{cmap.New()}}
	for _, bucket := range system.ProcessRegistry.LocalPIDs.LocalPIDs {
		bucket.IterCb(func(id string, process any) { small.LocalPIDs[0].Set(id, process) })
	}
	system.ProcessRegistry.LocalPIDs = small
}

// ownerOf is the first part of an actor's id, which names its node's in a shared system.
func ownerOf(id string) string {
	owner, _, _ := strings.Cut(id, "/")
	return owner
}

// join takes n in as it starts.
func (s *System) join(n *Node) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nodes[ownerOf(n.prefix)] = n
}

// leave lets n go as it is killed or stopped. A killed node's actors stay registered, as
// protoactor leaves a system of the node's own to the garbage collector: a simulator kills
// every node at its end, and removing each one's actors would walk every node's.
func (s *System) leave(n *Node) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.nodes, ownerOf(n.prefix))
}

// Actors returns how many actors each node running in the system has, by peer id, in one
// pass over them all (Node.Actors makes a pass for one node).
func (s *System) Actors() map[string]int {
	byOwner := map[string]int{}
	s.system.ProcessRegistry.LocalPIDs.LocalPIDs[0].IterCb(func(id string, _ any) {
		if owner, _, ok := strings.Cut(id, "/"); ok {
			byOwner[owner]++
		}
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	counts := make(map[string]int, len(s.nodes))
	for owner, n := range s.nodes {
		counts[n.self] = byOwner[owner]
	}
	return counts
}
