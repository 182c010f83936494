// Package dispatch runs protoactor-go actors deterministically: a Loop is a protoactor
// Dispatcher that runs every scheduled mailbox activation on the caller's goroutine, picking the
// next one with a seeded random source, and NewMailbox makes mailboxes that handle one message
// per activation. Actors spawned with both (see Props options WithDispatcher and WithMailbox)
// interleave in an order fixed by the seed: the same seed and the same inputs give the same
// run, message for message, which is what the simulator and the runtime's tests need.
//
// protoactor's default dispatcher starts a goroutine per activation and its default mailbox
// drains the whole queue, so two runs never interleave alike (../shared/DEPENDENCIES.md).
package dispatch

import (
	"math/rand/v2"
	"sync"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/internal/rng"
)

// Loop is a deterministic protoactor Dispatcher. Schedule only queues; the caller runs the
// queue with Step or Run. Schedule may be called from any goroutine (a transport delivering a
// message, a test sending one); everything scheduled runs on the goroutine calling Step.
type Loop struct {
	mu      sync.Mutex
	pending []func()
	rnd     *rand.Rand
	steps   uint64
}

var _ actor.Dispatcher = (*Loop)(nil)

// NewLoop returns a loop whose order is fixed by seed.
func NewLoop(seed uint64) *Loop {
	return &Loop{rnd: rng.New(rng.Derive(seed, "dispatch.Loop"))}
}

// Schedule queues fn to run at a later Step.
func (l *Loop) Schedule(fn func()) {
	l.mu.Lock()
	l.pending = append(l.pending, fn)
	l.mu.Unlock()
}

// Throughput is protoactor's messages-per-activation hint. Our mailboxes handle one message per
// activation whatever it says; protoactor's own mailboxes, if given this dispatcher, yield after
// one.
func (*Loop) Throughput() int { return 1 }

// Step runs one scheduled activation, chosen at random (by the seed) among those pending, and
// reports whether there was one.
func (l *Loop) Step() bool {
	l.mu.Lock()
	n := len(l.pending)
	if n == 0 {
		l.mu.Unlock()
		return false
	}
	i := l.rnd.IntN(n)
	fn := l.pending[i]
	// Remove i keeping the order of the others: the choice depends on positions, so the order
	// of the queue must depend only on what was scheduled when.
	copy(l.pending[i:], l.pending[i+1:])
	l.pending[n-1] = nil
	l.pending = l.pending[:n-1]
	l.steps++
	l.mu.Unlock()
	fn()
	return true
}

// Run steps until nothing is pending or max steps have run, and returns how many ran. A bound
// is required: actors that keep messaging each other never go idle.
func (l *Loop) Run(max int) int {
	n := 0
	for n < max && l.Step() {
		n++
	}
	return n
}

// Pending returns how many activations are queued.
func (l *Loop) Pending() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.pending)
}

// Steps returns how many activations have run since the loop was made.
func (l *Loop) Steps() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.steps
}
