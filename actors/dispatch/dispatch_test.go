package dispatch

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
)

// token hops between the children of a ring; each child forwards it to its right neighbour
// until hops runs out.
type token struct {
	id   string
	hops int
}

type start struct{ tokens int }

// runRing runs a parent with four children in a ring, on a Loop seeded with seed, and returns
// the log of everything the actors saw, in order. The child "c" panics on every token with
// hops == 3; its parent's one-for-one strategy restarts it.
func runRing(t *testing.T, seed uint64) []string {
	t.Helper()
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) }))
	loop := NewLoop(seed)
	var log []string
	opts := []actor.PropsOption{actor.WithDispatcher(loop), actor.WithMailbox(NewMailbox)}
	names := []string{"a", "b", "c", "d"}

	child := func(name string, ring *[]*actor.PID) *actor.Props {
		return actor.PropsFromFunc(func(ctx actor.Context) {
			switch m := ctx.Message().(type) {
			case *actor.Started:
				log = append(log, name+" started")
			case *actor.Restarting:
				log = append(log, name+" restarting")
			case token:
				log = append(log, fmt.Sprintf("%s got %s/%d", name, m.id, m.hops))
				if name == "c" && m.hops == 3 {
					panic("c fails on hops 3")
				}
				if m.hops > 0 {
					i := strings.Index("abcd", name)
					ctx.Send((*ring)[(i+1)%4], token{m.id, m.hops - 1})
				}
			}
		}, opts...)
	}
	var ring []*actor.PID
	parent := actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case start:
			for _, n := range names {
				pid, err := ctx.SpawnNamed(child(n, &ring), n)
				if err != nil {
					panic(err)
				}
				ring = append(ring, pid)
			}
			for i := range m.tokens {
				ctx.Send(ring[i%4], token{fmt.Sprint("t", i), 6})
			}
		}
	}, append(opts, actor.WithSupervisor(actor.NewOneForOneStrategy(100, 0, actor.DefaultDecider)))...)

	pid, err := system.Root.SpawnNamed(parent, "parent")
	if err != nil {
		t.Fatal(err)
	}
	system.Root.Send(pid, start{tokens: 4})
	if n := loop.Run(100_000); loop.Pending() != 0 {
		t.Fatalf("the ring did not go idle after %d steps", n)
	}
	return log
}

func TestSameSeedSameRun(t *testing.T) {
	first := strings.Join(runRing(t, 7), "\n")
	for range 3 {
		if again := strings.Join(runRing(t, 7), "\n"); again != first {
			t.Fatalf("seed 7 gave two different runs:\n%s\n---\n%s", first, again)
		}
	}
}

func TestSeedDecidesTheInterleaving(t *testing.T) {
	runs := map[string]bool{}
	for seed := range uint64(6) {
		runs[strings.Join(runRing(t, seed), "\n")] = true
	}
	if len(runs) < 2 {
		t.Fatal("six seeds gave the same interleaving: the seed does not reach the order")
	}
}

func TestCrashIsRestartedAndTheRestDelivered(t *testing.T) {
	for seed := range uint64(6) {
		log := runRing(t, seed)
		count := func(prefix string) int {
			n := 0
			for _, l := range log {
				if strings.HasPrefix(l, prefix) {
					n++
				}
			}
			return n
		}
		// Token i starts at ring[i] with 6 hops and visits ring[i], ring[i+1], … with hops
		// 6, 5, …, 0. c (index 2) sees hops 3 only on the token that started at d (t3: d:6,
		// a:5, b:4, c:3): that message makes c fail, is dropped, and c is restarted.
		if got := count("c restarting"); got != 1 {
			t.Fatalf("seed %d: c restarted %d times, want 1:\n%s", seed, got, strings.Join(log, "\n"))
		}
		if got, want := count("a got")+count("b got")+count("c got")+count("d got"), 3*7+4; got != want {
			t.Fatalf("seed %d: %d token visits, want %d (three whole tokens, and t3 up to c):\n%s", seed, got, want, strings.Join(log, "\n"))
		}
		if count("d got t3/") != 1 || count("a got t3/") != 1 {
			t.Fatalf("seed %d: t3 went past c:\n%s", seed, strings.Join(log, "\n"))
		}
	}
}

func TestLoopRunIsBounded(t *testing.T) {
	loop := NewLoop(1)
	var again func()
	again = func() { loop.Schedule(again) } // never idle
	loop.Schedule(again)
	if n := loop.Run(50); n != 50 || loop.Pending() != 1 || loop.Steps() != 50 {
		t.Fatalf("Run(50) ran %d, %d pending, %d steps", n, loop.Pending(), loop.Steps())
	}
}
