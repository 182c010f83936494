package dispatch

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// Warm is a protoactor Dispatcher that runs mailboxes on goroutines it keeps between
// activations, for actors whose messages need a deep stack. protoactor's default dispatcher
// starts a goroutine per activation, with a stack of a few KiB that every deep call then grows
// by copying (a call into a Wasm guest grew it twice: 17 µs of a 23 µs round trip to a Wasm
// service actor went to copying stacks). A goroutine of Warm keeps its grown stack and waits
// for the next activation.
//
// An activation never waits for a busy goroutine: if none is idle it gets a new one, so a
// long activation (a Wasm call that runs for seconds) holds up nothing else. At most maxIdle
// goroutines wait idle, each for at most IdleTimeout (a node left running holds no goroutines
// once it is quiet, as with protoactor's dispatcher); Close ends them.
type Warm struct {
	work       chan func()
	idle       atomic.Int32
	maxIdle    int32
	throughput int
	closeOnce  sync.Once
	closed     chan struct{}
}

var _ actor.Dispatcher = (*Warm)(nil)

// NewWarm returns a dispatcher that keeps at most maxIdle idle goroutines and lets a mailbox
// handle up to throughput messages per activation (protoactor's default is 300).
func NewWarm(maxIdle, throughput int) *Warm {
	return &Warm{work: make(chan func()), maxIdle: int32(max(maxIdle, 1)), throughput: max(throughput, 1), closed: make(chan struct{})}
}

// Schedule runs fn on an idle goroutine, or a new one, and yields the caller's processor to
// it. The goroutine made ready waits in the caller's processor's next slot until the caller
// blocks or yields, or until another processor wakes to steal it: on a particle's way through
// a node, each actor's message waking the next actor cost tens of µs of waiting (the
// scheduler-latency profile of a traced BenchmarkHop put 100 µs of a round trip there).
// Yielding runs it at once; the caller, usually at the end of its own turn, goes on after it.
// BenchmarkHop: −8.5% in 5 interleaved pairs, each pair faster; a call to a Wasm service
// actor (wasmsvc's BenchmarkCallOverhead/service-actor-warm) 13–14 → 10–11 µs; particles/s
// (BenchmarkParticles) no loss.
func (w *Warm) Schedule(fn func()) {
	select {
	case w.work <- fn:
	default:
		go w.run(fn)
	}
	runtime.Gosched()
}

// Throughput is how many messages a mailbox handles per activation.
func (w *Warm) Throughput() int { return w.throughput }

// IdleTimeout is how long a goroutine of Warm waits for an activation before it ends.
const IdleTimeout = 500 * time.Millisecond

func (w *Warm) run(fn func()) {
	var timer *time.Timer
	for {
		fn()
		if w.idle.Add(1) > w.maxIdle {
			w.idle.Add(-1)
			return
		}
		if timer == nil {
			timer = time.NewTimer(IdleTimeout)
		} else {
			timer.Reset(IdleTimeout)
		}
		select {
		case fn = <-w.work:
			w.idle.Add(-1)
		case <-w.closed:
			w.idle.Add(-1)
			timer.Stop()
			return
		case <-timer.C:
			w.idle.Add(-1)
			return
		}
	}
}

// Close ends the idle goroutines; those running an activation end after it. Schedule still
// works after Close, on new goroutines that end when their activation does.
func (w *Warm) Close() { w.closeOnce.Do(func() { close(w.closed) }) }
