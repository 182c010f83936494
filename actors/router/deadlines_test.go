package router

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/particles"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
)

// The heap gives keys back by deadline, and keys of one deadline in the keys' order, however
// they went in.
func TestDeadlinesOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 50 {
		var d deadlines
		var want []particles.Key
		for i := range rng.IntN(40) {
			k := particles.Key{ID: fmt.Sprint("p-", rng.IntN(5)), InitPeerID: fmt.Sprint("i-", rng.IntN(2)), Signature: fmt.Sprint(i),
				Deadline: uint64(rng.IntN(4))}
			d.push(k)
			want = append(want, k)
		}
		slices.SortFunc(want, func(a, b particles.Key) int {
			switch {
			case before(&a, &b):
				return -1
			case before(&b, &a):
				return 1
			}
			return 0
		})
		var got []particles.Key
		for len(d) > 0 {
			got = append(got, d.pop())
		}
		if !slices.Equal(got, want) {
			t.Fatalf("round %d: popped %v, want %v", round, got, want)
		}
	}
}

// Finished particles with different deadlines are each forgotten at their own deadline and not
// before, under one timer of the router's for all of them; a particle that comes back after it
// finished, and finishes again, is forgotten at its deadline once.
func TestFinishedParticlesForgottenAtTheirDeadlinesOnOneTimer(t *testing.T) {
	r := newTestRouter(t, routerSetup{})
	alice, clk, start := actortest.Identity(t, "alice"), r.clk, r.clk.Now()
	in := func(p particle.Particle) { r.in(alice.PeerID, p); r.run() }
	run, getStats, store := r.run, r.getStats, r.store

	// Deadlines 10 s, 20 s, ... 60 s after the start, arriving out of order; two share one.
	ttls := []uint32{30_000, 10_000, 60_000, 20_000, 50_000, 40_000, 30_000}
	var ps []particle.Particle
	for i, ttl := range ttls {
		p := actortest.Particle(t, alice, particle.Particle{ID: fmt.Sprint("p-", i), Timestamp: uint64(start.UnixMilli()), TTL: ttl, MaxHops: 8,
			Script: `(call %init_peer_id% ("op" "identity") ["x"] r)`})
		ps = append(ps, p)
		in(p)
	}
	if s := getStats(); s.Live != 0 || s.Finished != len(ps) {
		t.Fatalf("stats %+v, want %d finished", s, len(ps))
	}
	if n := clk.Pending(); n != 1 {
		t.Fatalf("%d timers pending for %d finished particles, want the router's one", n, len(ps))
	}
	// p-0 comes back with other data (a new actor runs it) and finishes again.
	clk.Advance(5 * time.Second)
	run()
	again := ps[0]
	again.Data = []byte("not data")
	in(again)
	if s := getStats(); s.Accepted != uint64(len(ps)+1) || s.Live != 0 || s.Finished != len(ps) {
		t.Fatalf("after p-0 came back: %+v", s)
	}
	if n := clk.Pending(); n != 1 {
		t.Fatalf("%d timers pending, want 1", n)
	}

	sorted := slices.Sorted(slices.Values(ttls))
	for i, ttl := range sorted {
		if i > 0 && ttl == sorted[i-1] {
			continue
		}
		left, due := 0, 0 // deadlines after this one, and at it
		for _, d := range ttls {
			switch {
			case d > ttl:
				left++
			case d == ttl:
				due++
			}
		}
		clk.AdvanceTo(start.Add(time.Duration(ttl)*time.Millisecond - time.Millisecond))
		run()
		if s := getStats(); s.Finished != left+due {
			t.Fatalf("a millisecond before the deadline %d ms: %d finished, want %d", ttl, s.Finished, left+due)
		}
		clk.AdvanceTo(start.Add(time.Duration(ttl) * time.Millisecond))
		run()
		s := getStats()
		if s.Finished != left || s.Expired != uint64(len(ttls)-left) {
			t.Fatalf("at the deadline %d ms: %d finished, %d expired, want %d and %d", ttl, s.Finished, s.Expired, left, len(ttls)-left)
		}
		if n, err := store.Count(); err != nil || n != left {
			t.Fatalf("at the deadline %d ms: %d particles stored (%v), want %d", ttl, n, err, left)
		}
		if want := min(left, 1); clk.Pending() != want {
			t.Fatalf("at the deadline %d ms: %d timers pending, want %d", ttl, clk.Pending(), want)
		}
	}
}

// hookClock runs before ahead of every timer's callback.
type hookClock struct {
	*clock.Manual
	before func()
}

func (c hookClock) AfterFunc(d time.Duration, f func()) clock.Timer {
	return c.Manual.AfterFunc(d, func() { c.before(); f() })
}

// A particle whose last answer comes as its deadline does is still active when the router's
// timer fires; it finishes after its key came out of the deadlines, and goes then (or when its
// actor, expiring, stops: which comes first depends on the loop's seed).
func TestParticleFinishingAtItsDeadlineIsForgotten(t *testing.T) {
	for seed := uint64(1); seed <= 16; seed++ { // the loop's seed 0 is its default, 1
		t.Run(fmt.Sprint("seed-", seed), func(t *testing.T) { testParticleFinishingAtItsDeadline(t, seed) })
	}
}

func testParticleFinishingAtItsDeadline(t *testing.T, seed uint64) {
	var answer func() // set while the particle's call waits
	hook := func(m *clock.Manual) clock.Clock {
		return hookClock{Manual: m, before: func() {
			if answer != nil {
				answer()
				answer = nil
			}
		}}
	}
	r := newTestRouter(t, routerSetup{seed: seed, clock: hook, callsToProbe: true})
	alice, clk, start := actortest.Identity(t, "alice"), r.clk, r.clk.Now()
	p := actortest.Particle(t, alice, particle.Particle{ID: "p-1", Timestamp: uint64(start.UnixMilli()), TTL: 10_000, MaxHops: 8,
		Script: `(call %init_peer_id% ("s" "f") [] r)`})
	r.in(alice.PeerID, p)
	r.run()
	if len(r.calls) != 1 {
		t.Fatalf("%d calls made, want 1", len(r.calls))
	}
	c := r.calls[0]
	answer = func() {
		r.system.Root.Send(c.ReplyTo, &service.Reply{ID: c.ID, Result: service.Result(value.String("x"), nil)})
	}
	clk.AdvanceTo(start.Add(10 * time.Second))
	r.run()
	if s := r.getStats(); s.Live != 0 || s.Finished != 0 || s.Expired == 0 {
		t.Fatalf("after the deadline: %+v", s)
	}
	if n, err := r.store.Count(); err != nil || n != 0 {
		t.Fatalf("%d particles stored after the deadline (%v)", n, err)
	}
}

// Active particles' actors arm no timer of their own: the router's one timer tells each to
// expire at its deadline, and not before.
func TestActiveParticlesExpireOnTheRoutersTimer(t *testing.T) {
	r := newTestRouter(t, routerSetup{callsToProbe: true})
	alice, clk, start := actortest.Identity(t, "alice"), r.clk, r.clk.Now()
	run, getStats := r.run, r.getStats
	ttls := []uint32{20_000, 10_000, 30_000}
	for i, ttl := range ttls {
		p := actortest.Particle(t, alice, particle.Particle{ID: fmt.Sprint("p-", i), Timestamp: uint64(start.UnixMilli()), TTL: ttl, MaxHops: 8,
			Script: `(call %init_peer_id% ("s" "f") [] r)`})
		r.in(alice.PeerID, p)
		run()
	}
	if s := getStats(); s.Live != len(ttls) || len(r.calls) != len(ttls) {
		t.Fatalf("stats %+v, %d calls, want %d live particles waiting for their calls", s, len(r.calls), len(ttls))
	}
	if n := clk.Pending(); n != 1 {
		t.Fatalf("%d timers pending for %d active particles, want the router's one", n, len(ttls))
	}
	for i, ttl := range []uint32{10_000, 20_000, 30_000} {
		clk.AdvanceTo(start.Add(time.Duration(ttl)*time.Millisecond - time.Millisecond))
		run()
		if s := getStats(); s.Live != len(ttls)-i || s.Expired != uint64(i) {
			t.Fatalf("a millisecond before the deadline %d ms: %+v", ttl, s)
		}
		clk.AdvanceTo(start.Add(time.Duration(ttl) * time.Millisecond))
		run()
		if s := getStats(); s.Live != len(ttls)-i-1 || s.Finished != 0 || s.Expired != uint64(i+1) {
			t.Fatalf("at the deadline %d ms: %+v", ttl, s)
		}
	}
	if n := clk.Pending(); n != 0 {
		t.Fatalf("%d timers pending past every deadline", n)
	}
}
