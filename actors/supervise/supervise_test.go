package supervise

import (
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/internal/clock"
)

type boom struct{ n int }

// tree is a parent under strategy s with one child that panics on every boom it has not seen
// before (so that a boom handed back succeeds) and counts its starts and the booms it handled.
type tree struct {
	system     *actor.ActorSystem
	loop       interface{ Run(int) int }
	child      *actor.PID
	starts     int
	handled    []int
	stopped    bool
	panicTwice bool // panic on a handed-back boom too
	seen       map[int]int
}

func newTree(t *testing.T, s *Strategy) *tree {
	tr := &tree{system: actortest.System(), seen: map[int]int{}}
	loop, opts := actortest.Loop(1)
	tr.loop = loop
	childProps := actor.PropsFromFunc(func(c actor.Context) {
		switch m := c.Message().(type) {
		case *actor.Started:
			tr.starts++
		case *boom:
			tr.seen[m.n]++
			if tr.seen[m.n] == 1 || tr.panicTwice {
				panic("boom")
			}
			tr.handled = append(tr.handled, m.n)
		}
	}, opts...)
	parent := actor.PropsFromFunc(func(c actor.Context) {
		switch m := c.Message().(type) {
		case *actor.Started:
			tr.child = c.Spawn(childProps)
		case *actor.Terminated:
			if m.Who.Equal(tr.child) {
				tr.stopped = true
			}
		}
	}, append(opts, actor.WithSupervisor(s))...)
	tr.system.Root.Spawn(parent)
	loop.Run(1000)
	return tr
}

func (tr *tree) send(n int) {
	tr.system.Root.Send(tr.child, &boom{n})
	tr.loop.Run(10_000)
}

// The restart window runs on the clock it is given: failures spaced more widely than the window
// allows never stop the child; as many packed into the window stop it at the eleventh.
func TestWindowRunsOnTheClock(t *testing.T) {
	clk := clock.NewManual(time.UnixMilli(1_700_000_000_000))
	tr := newTree(t, &Strategy{Clock: clk})
	for i := range 30 {
		tr.send(i)
		clk.Advance(2 * time.Second) // five failures per ten seconds at most
	}
	if tr.stopped || tr.starts != 31 {
		t.Fatalf("spaced failures: stopped %v after %d starts, want running after 31", tr.stopped, tr.starts)
	}
	clk.Advance(10 * time.Second) // the spaced failures leave the window
	for i := range 10 {
		tr.send(100 + i)
	}
	if tr.stopped {
		t.Fatal("stopped after ten failures in the window")
	}
	tr.send(200)
	if !tr.stopped {
		t.Fatal("not stopped at the eleventh failure in the window")
	}
}

// With HandBack, the message a child failed on comes back to it once; a message that fails it
// twice goes to GiveUp.
func TestHandBack(t *testing.T) {
	clk := clock.NewManual(time.UnixMilli(1_700_000_000_000))
	var gaveUp []any
	s := &Strategy{Clock: clk, HandBack: true, GiveUp: func(_ *actor.PID, m, _ any) { gaveUp = append(gaveUp, m) }}
	tr := newTree(t, s)
	tr.send(1)
	tr.send(2)
	if len(tr.handled) != 2 || tr.handled[0] != 1 || tr.handled[1] != 2 || len(gaveUp) != 0 {
		t.Fatalf("handled %v, gave up %v: want both handled on their second try", tr.handled, gaveUp)
	}
	tr.panicTwice = true
	tr.send(3)
	if len(gaveUp) != 1 || gaveUp[0].(*boom).n != 3 || tr.seen[3] != 2 {
		t.Fatalf("a message failing twice: gave up %v, tried %d times", gaveUp, tr.seen[3])
	}
}

// Without HandBack (a service answers the call that failed it itself), nothing comes back.
func TestNoHandBack(t *testing.T) {
	tr := newTree(t, &Strategy{Clock: clock.NewManual(time.UnixMilli(0))})
	tr.send(1)
	if tr.seen[1] != 1 || len(tr.handled) != 0 || tr.starts != 2 {
		t.Fatalf("seen %d times, handled %v, %d starts", tr.seen[1], tr.handled, tr.starts)
	}
}

// An Essential child is never stopped, however often it fails in the window: past the bound,
// the message it failed on is given up at once instead of handed back, and it goes on handling
// what comes next.
func TestEssentialIsNeverStopped(t *testing.T) {
	clk := clock.NewManual(time.UnixMilli(1_700_000_000_000))
	var gaveUp []int
	tr := newTree(t, &Strategy{Clock: clk, HandBack: true, Essential: true,
		Directive: func(*actor.PID) actor.Directive { return actor.ResumeDirective },
		GiveUp:    func(_ *actor.PID, m, _ any) { gaveUp = append(gaveUp, m.(*boom).n) }})
	for i := range 30 { // 30 failures in the window: 3 times the bound
		tr.send(i)
	}
	if tr.stopped {
		t.Fatal("an essential child was stopped")
	}
	// Each message fails once and is handed back; the 11th failure in the window is past the
	// bound, so that message is given up, and the count starts again.
	if len(gaveUp) != 2 || gaveUp[0] != 10 || gaveUp[1] != 21 {
		t.Fatalf("gave up %v, want [10 21]", gaveUp)
	}
	if len(tr.handled) != 28 {
		t.Fatalf("handled %d messages, want the 28 not given up", len(tr.handled))
	}
	// Messages that fail every time, sent together, are all given up in the end: handing back
	// never loops, even when their failures interleave.
	tr.panicTwice = true
	gaveUp = nil
	for i := range 5 {
		tr.system.Root.Send(tr.child, &boom{100 + i})
	}
	if n := tr.loop.Run(100_000); n >= 100_000 || len(gaveUp) != 5 || tr.stopped {
		t.Fatalf("5 poisonous messages: %d steps, gave up %v, stopped %v", n, gaveUp, tr.stopped)
	}
}
