// Package clock is aquanet's one source of time.
//
// Deterministic packages (particle, interpreter, actors, trust, ledger, wasmhost) never read the
// wall clock or start timers of their own: they are handed a Clock. Production wires [Real]; tests
// and the simulator wire a [Manual] clock, whose time moves only when the owner advances it and
// whose timers fire in a fixed order, so a run is reproducible.
//
// The only timer primitive is [Clock.AfterFunc]. Code inside the actor runtime reacts to time by
// having the callback send itself a message, which keeps every state change on the actor's own
// mailbox and lets the simulator order it.
package clock

import (
	"time"

	"github.com/aquanet/aquanet/core"
)

// Clock tells the time and schedules callbacks; the interface is core.Clock (a leaf package,
// so that transports and other implementations need not import the runtime).
type Clock = core.Clock

// Timer is a pending call scheduled by Clock.AfterFunc.
type Timer = core.Timer

// UnixMilli returns c's current time in milliseconds since the Unix epoch, the unit particles
// carry. Times before the epoch are reported as 0.
func UnixMilli(c Clock) uint64 {
	ms := c.Now().UnixMilli()
	if ms < 0 {
		return 0
	}
	return uint64(ms)
}

// Real is the wall clock. Its zero value is ready to use.
type Real struct{}

var _ Clock = Real{}

// Now returns time.Now().
func (Real) Now() time.Time { return time.Now() }

// AfterFunc is time.AfterFunc: f runs on a goroutine of its own.
func (Real) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }
