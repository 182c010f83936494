package actors

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/network"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/fault"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
)

// supervised is a node on a hub whose fault points the test arms, with a "counter" service
// that counts how often each (particle, call) ran and a "callback" service.
type supervised struct {
	t        *testing.T
	ctx      context.Context
	n        *Node
	clk      *clock.Manual
	points   *actortest.Points
	mu       sync.Mutex
	runs     map[string]int // "particle/call id" -> times run
	failures []string       // OnActorFailure: "actor: reason"
	got      chan string
}

func newSupervised(t *testing.T) *supervised {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	s := &supervised{t: t, ctx: ctx, clk: clock.NewManual(time.UnixMilli(1_700_000_000_000)), points: &actortest.Points{},
		runs: map[string]int{}, got: make(chan string, 16)}
	id := actortest.Identity(t, "alice")
	s.n = startNode(t, Env{Key: id.Key, Clock: s.clk, Transport: network.NewHub().Join, Faults: s.points,
		OnActorFailure: func(who string, reason any) {
			s.mu.Lock()
			s.failures = append(s.failures, fmt.Sprintf("%s: %v", who, reason))
			s.mu.Unlock()
		}})
	t.Cleanup(func() {
		s.clk.Advance(time.Hour)
		if err := s.n.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	if err := s.n.Spawn(ctx, "counter", service.HandlerFunc(func(c service.CallContext, fn string, args []value.Value) (value.Value, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.runs[fmt.Sprintf("%s/%d", c.ParticleID, c.CallID)]++
		return value.String(fn), nil
	})); err != nil {
		t.Fatal(err)
	}
	if err := s.n.Spawn(ctx, "callback", service.HandlerFunc(func(_ service.CallContext, fn string, args []value.Value) (value.Value, error) {
		parts := make([]string, len(args))
		for i, a := range args {
			parts[i] = a.String()
		}
		s.got <- fn + " " + strings.Join(parts, " ")
		return value.Null(), nil
	})); err != nil {
		t.Fatal(err)
	}
	return s
}

// fourCalls is a script of four counter calls (two in seq, two in par) and a callback.
const fourCalls = `(seq
  (seq (call %init_peer_id% ("counter" "a") [] a) (call %init_peer_id% ("counter" "b") [] b))
  (seq (par (call %init_peer_id% ("counter" "c") [] c) (call %init_peer_id% ("counter" "d") [] d))
       (call %init_peer_id% ("callback" "done") [a b c d])))`

func (s *supervised) start(id, script string) {
	s.n.Deliver(s.n.PeerID(), actortest.Particle(s.t, actortest.Identity(s.t, "alice"),
		particle.Particle{ID: id, Timestamp: uint64(s.clk.Now().UnixMilli()), TTL: 60_000, Script: script}))
}

func (s *supervised) wait() string {
	s.t.Helper()
	select {
	case got := <-s.got:
		return got
	case <-s.ctx.Done():
		s.t.Fatal("no callback")
		return ""
	}
}

// check asserts that every call of the particles ran exactly once and that the failures heard
// were the injected ones at point, as many as it fired.
func (s *supervised) check(point string, particles ...string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range particles {
		calls := 0
		for k, n := range s.runs {
			if strings.HasPrefix(k, p+"/") {
				calls++
				if n != 1 {
					s.t.Errorf("call %s ran %d times", k, n)
				}
			}
		}
		if calls != 4 {
			s.t.Errorf("particle %s: %d calls ran, want 4 (%v)", p, calls, s.runs)
		}
	}
	fired := s.points.Fired(point)
	if fired == 0 {
		s.t.Fatalf("%s never fired", point)
	}
	if len(s.failures) != fired {
		s.t.Errorf("%d failures heard, %d injected: %q", len(s.failures), fired, s.failures)
	}
	for _, f := range s.failures {
		if !strings.Contains(f, fault.Panic{Point: point}.String()) {
			s.t.Errorf("failure %q is not the injected one", f)
		}
	}
}

const doneABCD = `done "a" "b" "c" "d"`

// The registry fails routing a call: the call is handed back to it and served, nothing else is
// disturbed, and the services spawned before the failure are all still there, with their state.
// A call that fails it twice is answered with an error that xor catches.
func TestRegistryFailureLosesNothing(t *testing.T) {
	s := newSupervised(t)
	s.start("p-1", fourCalls)
	if got := s.wait(); got != doneABCD {
		t.Fatalf("got %s", got)
	}
	s.points.Arm("registry.panic", "---x") // the fourth call routed: p-2's first
	s.start("p-2", fourCalls)
	if got := s.wait(); got != doneABCD {
		t.Fatalf("after the registry failed: got %s", got)
	}
	s.check("registry.panic", "p-1", "p-2")
	// The spawned services survived: srv.list names them.
	s.start("p-3", `(seq (call %init_peer_id% ("srv" "list") [] l) (call %init_peer_id% ("callback" "list") [l.$.[0].id l.$.[1].id]))`)
	if got := s.wait(); got != `list "callback" "counter"` {
		t.Fatalf("srv.list after the failure: %s", got)
	}
	// Twice on the same call: given up, answered with an error.
	s.points.Arm("registry.panic", "xx")
	s.start("p-4", `(xor (call %init_peer_id% ("counter" "a") [] a) (call %init_peer_id% ("callback" "caught") [:error:.$.message]))`)
	if got := s.wait(); !strings.Contains(got, "caught") || !strings.Contains(got, "registry failed routing this call to 'counter'") {
		t.Fatalf("a call that failed the registry twice: %s", got)
	}
}

// The router fails on an arriving particle: it resumes with its table, the particle is handed
// back and served, and a particle that was already live goes on.
func TestRouterFailureLosesNothing(t *testing.T) {
	s := newSupervised(t)
	// p-1 waits on peer.timeout while the router fails on p-2.
	s.start("p-1", `(seq (call %init_peer_id% ("peer" "timeout") [1000 "x"] x) `+fourCalls+`)`)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) { // p-1 is in
		if st, err := s.n.Stats(s.ctx); err == nil && st.Accepted == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("p-1 was not accepted")
		}
	}
	s.points.Arm("router.panic", "x")
	s.start("p-2", fourCalls)
	if got := s.wait(); got != doneABCD {
		t.Fatalf("got %s", got)
	}
	// The timeout's timer is the earliest (the deadlines are a minute away) once it is set.
	for due := s.clk.Now().Add(time.Second); ; time.Sleep(time.Millisecond) {
		if next, ok := s.clk.Next(); ok && next.Equal(due) {
			break
		}
		if s.ctx.Err() != nil {
			t.Fatal("peer.timeout set no timer")
		}
	}
	s.clk.Advance(time.Second)
	if got := s.wait(); got != doneABCD {
		t.Fatalf("the particle live during the failure: got %s", got)
	}
	s.check("router.panic", "p-1", "p-2")
	st, err := s.n.Stats(s.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Accepted != 2 || st.Failed != 0 {
		t.Errorf("router stats after the failure: %+v", st)
	}
}

// A particle actor fails on a call's answer, on another, and part-way through a run's calls
// (after sending c, before d): restarted, it goes on from its state (no call made twice, no
// answer lost) and its arrivals stay in step with the router's, so that it finishes and is
// stopped as usual.
func TestParticleActorFailureLosesNothing(t *testing.T) {
	s := newSupervised(t)
	// Reached at: answer a, a again (handed back), answer b, b again, after sending c, ...
	s.points.Arm("particle.panic", "x-x-x")
	s.start("p-1", fourCalls)
	if got := s.wait(); got != doneABCD {
		t.Fatalf("got %s", got)
	}
	s.check("particle.panic", "p-1")
	if f := s.points.Fired("particle.panic"); f != 3 {
		t.Errorf("particle.panic fired %d times, want 3", f)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := s.n.Stats(s.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Live == 0 && st.Finished == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the restarted particle did not finish: %+v", st)
		}
		time.Sleep(time.Millisecond)
	}
}

// The router fails on every message, far more often than the restart window allows: it is
// never stopped (a node whose router is stopped drops every particle), the particles it failed
// on are given up, and the next particle is served.
func TestRouterFailingOftenIsNotStopped(t *testing.T) {
	s := newSupervised(t)
	const failures = 16 // past the bound of 10 in the window: the clock does not move
	s.points.Arm("router.panic", strings.Repeat("x", failures))
	for i := 0; s.points.Fired("router.panic") < failures; i++ {
		before := s.points.Fired("router.panic")
		s.start(fmt.Sprint("lost-", i), fourCalls)
		for deadline := time.Now().Add(5 * time.Second); s.points.Fired("router.panic") == before; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("particle lost-%d did not reach the router", i)
			}
		}
	}
	s.start("p-1", `(call %init_peer_id% ("callback" "late") [])`)
	for got := ""; !strings.HasPrefix(got, "late"); {
		got = s.wait() // a particle failed on may still be served, once the failures end
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.failures) != failures {
		t.Errorf("%d failures heard, %d injected", len(s.failures), failures)
	}
}
