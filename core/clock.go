package core

import "time"

// Clock tells the time and schedules callbacks.
//
// Deterministic packages (particle, interpreter, actors, trust, ledger, wasmhost) never read the
// wall clock or start timers of their own: they are handed a Clock. Production wires the wall
// clock; tests and the simulator a manual one whose time moves only when its owner advances it.
//
// Implementations are safe for concurrent use.
type Clock interface {
	// Now returns the current time of this clock.
	Now() time.Time

	// AfterFunc arranges for f to be called once the clock has moved d past the current time and
	// returns a Timer that can cancel the call. A d of zero or less makes f due immediately. The
	// goroutine f runs on depends on the implementation: the wall clock runs it on its own
	// goroutine, a manual clock on the goroutine that advances it. f must not block.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending call scheduled by Clock.AfterFunc.
type Timer interface {
	// Stop cancels the call. It reports whether the call was still pending; false means f has
	// already been called or the timer was stopped before.
	Stop() bool
}
