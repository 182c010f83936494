package router

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/particles"
	"github.com/aquanet/aquanet/actors/registry"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/scenario"
	istore "github.com/aquanet/aquanet/internal/store"
	"github.com/aquanet/aquanet/particle"
)

// testRouter is a router on the deterministic loop, and what it tells.
type testRouter struct {
	t      *testing.T
	system *actor.ActorSystem
	loop   interface {
		Run(int) int
		Pending() int
	}
	rt, probe *actor.PID
	clk       *clock.Manual
	store     *particles.Store
	stats     *Stats
	notices   []*particles.Notify
	sends     []*particles.Send
	opts      []actor.PropsOption // the loop's, for actors spawned on it
	calls     []*service.Call     // the particles' calls, when the probe stands for the registry
}

// routerSetup is how newTestRouter builds a router; its zero value is a router with the
// default bounds, a registry, and the loop's seed 1.
type routerSetup struct {
	seed uint64
	// clock, if set, is the router's clock made from the manual one the test advances.
	clock func(*clock.Manual) clock.Clock
	// callsToProbe: the probe stands for the registry and answers nothing (testRouter.calls).
	callsToProbe bool
	configure    []func(*Config)
}

func newTestRouter(t *testing.T, setup routerSetup) *testRouter {
	alice := actortest.Identity(t, "alice")
	r := &testRouter{t: t, clk: clock.NewManual(time.UnixMilli(1_700_000_000_000)), system: actortest.System()}
	var clk clock.Clock = r.clk
	if setup.clock != nil {
		clk = setup.clock(r.clk)
	}
	loop, opts := actortest.Loop(max(setup.seed, 1))
	r.loop, r.opts = loop, opts
	r.probe = r.system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case *Stats:
			r.stats = m
		case *particles.Notify:
			r.notices = append(r.notices, m)
		case *particles.Send:
			r.sends = append(r.sends, m)
		case *service.Call:
			r.calls = append(r.calls, m)
		}
	}, opts...))
	reg := r.probe
	if !setup.callsToProbe {
		reg = r.system.Root.Spawn(registry.Props(registry.Config{Host: alice.PeerID, Management: alice.PeerID, Clock: clk}, opts...))
	}
	db, err := istore.Open(istore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	r.store = particles.NewStore(db)
	cfg := Config{Self: alice.PeerID, Key: alice.Key, Clock: clk, Registry: reg, Network: r.probe, Store: r.store}
	for _, c := range setup.configure {
		c(&cfg)
	}
	r.rt = r.system.Root.Spawn(Props(cfg, opts...))
	r.run()
	return r
}

// newBoundedRouter is a router with bounds b.
func newBoundedRouter(t *testing.T, b Bounds, configure ...func(*Config)) *testRouter {
	return newTestRouter(t, routerSetup{configure: append([]func(*Config){func(c *Config) { c.Bounds = b }}, configure...)})
}

func (r *testRouter) run() {
	r.t.Helper()
	if r.loop.Run(1_000_000); r.loop.Pending() != 0 {
		r.t.Fatal("the router did not go idle")
	}
}

func (r *testRouter) in(from string, p particle.Particle) {
	r.system.Root.Send(r.rt, &Incoming{From: from, Particle: p})
}

func (r *testRouter) getStats() *Stats {
	r.t.Helper()
	r.stats = nil
	r.system.Root.Send(r.rt, &GetStats{ReplyTo: r.probe})
	r.run()
	if r.stats == nil {
		r.t.Fatal("no stats")
	}
	return r.stats
}

// One signed particle sent again with 3,000 different data is at most MaxArrivals arrivals
// (interpreter runs), at most MaxArrivalsPerSender of them from one sender; the rest are
// rejected and counted (issue 13, item 5).
func TestArrivalsOfOneParticleAreBounded(t *testing.T) {
	r := newBoundedRouter(t, Bounds{})
	mallory := actortest.Identity(t, "mallory")
	p := actortest.Particle(t, mallory, particle.Particle{ID: "p", Timestamp: uint64(r.clk.Now().UnixMilli()), TTL: 60_000, MaxHops: 8,
		Script: `(call %init_peer_id% ("op" "noop") [])`})
	for i := range 3000 {
		q := p
		q.Data = []byte(fmt.Sprint("variant ", i))
		r.in(fmt.Sprint("sender-", i%10), q) // ten senders
	}
	r.run()
	s := r.getStats()
	if s.Accepted != DefaultMaxArrivals || s.Rejected["too_many_arrivals"] != 3000-DefaultMaxArrivals {
		t.Fatalf("3,000 data variants: %d accepted, rejected %v; want %d accepted", s.Accepted, s.Rejected, DefaultMaxArrivals)
	}

	// One sender alone gets no more than its share.
	r = newBoundedRouter(t, Bounds{})
	sent := 2 * DefaultMaxArrivalsPerSender
	for i := range sent {
		q := p
		q.Data = []byte(fmt.Sprint("variant ", i))
		r.in("sender", q)
	}
	if s := r.getStats(); s.Accepted != DefaultMaxArrivalsPerSender || s.Rejected["too_many_arrivals"] != uint64(sent-DefaultMaxArrivalsPerSender) {
		t.Fatalf("one sender's %d variants: %d accepted, rejected %v", sent, s.Accepted, s.Rejected)
	}
}

// An initiator cannot make the node keep more than MaxParticlesPerInit particles, nor all
// initiators together more than MaxParticles; a client refused so hears why.
func TestParticlesPerInitiatorAreBounded(t *testing.T) {
	r := newBoundedRouter(t, Bounds{MaxParticlesPerInit: 5, MaxParticles: 8})
	mallory, bob := actortest.Identity(t, "mallory"), actortest.Identity(t, "bob")
	start := func(key scenario.Identity, id string) {
		r.in(key.PeerID, actortest.Particle(t, key, particle.Particle{ID: id, Timestamp: uint64(r.clk.Now().UnixMilli()), TTL: 60_000,
			MaxHops: 8, Script: `(call %init_peer_id% ("op" "noop") [])`}))
	}
	for i := range 7 {
		start(mallory, fmt.Sprint("m-", i))
	}
	r.run()
	if s := r.getStats(); s.Accepted != 5 || s.Rejected["too_many_particles"] != 2 {
		t.Fatalf("mallory's 7 particles: %d accepted, rejected %v", s.Accepted, s.Rejected)
	}
	if len(r.notices) != 2 || !r.notices[0].Notice.Rejected || r.notices[0].To != mallory.PeerID {
		t.Fatalf("notices %+v", r.notices)
	}
	for i := range 5 {
		start(bob, fmt.Sprint("b-", i))
	}
	r.run()
	if s := r.getStats(); s.Accepted != 8 || s.Rejected["too_many_particles"] != 4 {
		t.Fatalf("then bob's 5: %d accepted, rejected %v", s.Accepted, s.Rejected)
	}
	// After the deadlines the room is back.
	r.clk.Advance(2 * time.Minute)
	r.run()
	start(mallory, "m-later")
	r.run()
	if s := r.getStats(); s.Accepted != 9 {
		t.Fatalf("after the deadlines: %d accepted, rejected %v", s.Accepted, s.Rejected)
	}
}

// start sends a particle of key's with data, straight from key (a client of this node).
func (r *testRouter) start(key scenario.Identity, id string, data []byte) {
	r.in(key.PeerID, actortest.Particle(r.t, key, particle.Particle{ID: id, Timestamp: uint64(r.clk.Now().UnixMilli()), TTL: 60_000,
		MaxHops: 8, Script: `(call %init_peer_id% ("op" "noop") [])`, Data: data}))
}

// An initiator cannot make the node keep more than MaxBytesPerInit bytes of particle data, nor
// all initiators together more than MaxBytes; a particle counts at the largest data of it that
// arrived, so a later, larger copy must fit too, and a smaller one costs nothing.
func TestParticleDataIsBounded(t *testing.T) {
	r := newBoundedRouter(t, Bounds{MaxBytesPerInit: 1000, MaxBytes: 1500})
	mallory, bob := actortest.Identity(t, "mallory"), actortest.Identity(t, "bob")
	data := func(n int) []byte { return make([]byte, n) }
	for i := range 4 {
		r.start(mallory, fmt.Sprint("m-", i), data(300))
	}
	r.run()
	if s := r.getStats(); s.Accepted != 3 || s.Rejected["too_much_data"] != 1 {
		t.Fatalf("mallory's 4 particles of 300 bytes under 1,000 a initiator: %d accepted, rejected %v", s.Accepted, s.Rejected)
	}
	if n := r.refusals(); len(n) != 1 || !strings.Contains(n[0].Notice.Reason, "limit per initiator") {
		t.Fatalf("mallory's refusals: %+v", n)
	}
	for i := range 3 {
		r.start(bob, fmt.Sprint("b-", i), data(300))
	}
	r.run()
	if s := r.getStats(); s.Accepted != 5 || s.Rejected["too_much_data"] != 2 {
		t.Fatalf("then bob's 3 under 1,500 in all: %d accepted, rejected %v", s.Accepted, s.Rejected)
	}
	// A copy of bob's first with more data would pass the bound; one with less costs nothing.
	r.start(bob, "b-0", data(600))
	r.start(bob, "b-0", data(100))
	r.run()
	if s := r.getStats(); s.Accepted != 6 || s.Rejected["too_much_data"] != 3 {
		t.Fatalf("bob's larger and smaller copies: %d accepted, rejected %v", s.Accepted, s.Rejected)
	}
	// After the deadlines the room is back.
	r.clk.Advance(2 * time.Minute)
	r.run()
	r.start(mallory, "m-later", data(1000))
	r.run()
	if s := r.getStats(); s.Accepted != 7 {
		t.Fatalf("after the deadlines: %d accepted, rejected %v", s.Accepted, s.Rejected)
	}
}

// With Config.Weight set, initiators of no weight may fill nine tenths of the node's bounds and
// no more: the last tenth is kept for those the node trusts.
func TestTrustedInitiatorsKeepAReserve(t *testing.T) {
	mallory, bob, carol := actortest.Identity(t, "mallory"), actortest.Identity(t, "bob"), actortest.Identity(t, "carol")
	r := newBoundedRouter(t, Bounds{MaxParticles: 10}, func(c *Config) {
		c.Weight = func(init string) uint64 {
			if init == bob.PeerID {
				return 4
			}
			return 0
		}
	})
	for i := range 12 {
		r.start(mallory, fmt.Sprint("m-", i), nil)
	}
	r.run()
	if s := r.getStats(); s.Accepted != 9 || s.Rejected["too_many_particles"] != 3 {
		t.Fatalf("mallory, of no weight, 12 particles under 10: %d accepted, rejected %v", s.Accepted, s.Rejected)
	}
	r.start(carol, "c-0", nil) // a stranger too
	r.start(bob, "b-0", nil)
	r.start(bob, "b-1", nil)
	r.run()
	if s := r.getStats(); s.Accepted != 10 || s.Rejected["too_many_particles"] != 5 {
		t.Fatalf("then carol's 1 and bob's 2: %d accepted, rejected %v", s.Accepted, s.Rejected)
	}
	n := r.refusals()
	if last := n[len(n)-1]; last.To != bob.PeerID || !strings.Contains(last.Notice.Reason, "10 are here, the limit") || strings.Contains(last.Notice.Reason, "trust") {
		t.Fatalf("bob's refusal: %+v", last)
	}
	if !strings.Contains(n[0].Notice.Reason, "does not trust") {
		t.Fatalf("mallory's refusal: %+v", n[0])
	}
}

// refusals are the notices of particles the router rejected (the others tell of runs).
func (r *testRouter) refusals() []*particles.Notify {
	var out []*particles.Notify
	for _, n := range r.notices {
		if n.Notice.Rejected {
			out = append(out, n)
		}
	}
	return out
}
