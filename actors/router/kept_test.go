package router

import (
	"fmt"
	"testing"
	"time"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/particles"
	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/particle"
)

// loadCounting is a particle store that counts its loads: a particle that comes back to the
// actor it had needs none.
type loadCounting struct {
	core.Store
	loads int
}

func (s *loadCounting) Load(k core.ParticleKey) ([]byte, error) {
	s.loads++ // the loop runs one actor at a time
	return s.Store.Load(k)
}

// keptRouter is a test router on alice's node whose sends the probe catches, with bob to
// answer them, and its store's loads counted.
type keptRouter struct {
	*testRouter
	alice, bob scenario.Identity
	loads      *loadCounting
}

func newKeptRouter(t *testing.T, b Bounds) *keptRouter {
	t.Helper()
	r := &keptRouter{alice: actortest.Identity(t, "alice"), bob: actortest.Identity(t, "bob")}
	r.testRouter = newBoundedRouter(t, b, func(c *Config) {
		r.loads = &loadCounting{Store: c.Store}
		c.Store = r.loads
	})
	return r
}

// start sends alice's particle id to the router: alice calls bob, then herself when bob's
// data comes back. It returns the particle and the data alice sent bob.
func (r *keptRouter) start(id string) (particle.Particle, []byte) {
	r.t.Helper()
	p := actortest.Particle(r.t, r.alice, particle.Particle{ID: id, Timestamp: uint64(r.clk.Now().UnixMilli()), TTL: 60_000, MaxHops: 8,
		Script: fmt.Sprintf(`(seq (call "%s" ("op" "noop") []) (call %%init_peer_id%% ("op" "identity") ["back"]))`, r.bob.PeerID)})
	n := len(r.sends)
	r.in(r.alice.PeerID, p)
	r.run()
	if len(r.sends) != n+1 || r.sends[n].To != r.bob.PeerID {
		r.t.Fatalf("%s: sends %+v, want one to bob", id, r.sends[n:])
	}
	return p, r.sends[n].Particle.Data
}

// answer runs bob's part on data and returns the particle with bob's data, as bob sends it back.
func (r *keptRouter) answer(p particle.Particle, data []byte) particle.Particle {
	r.t.Helper()
	params := interpreter.Params{InitPeerID: r.alice.PeerID, CurrentPeerID: r.bob.PeerID, Timestamp: p.Timestamp, TTL: p.TTL,
		ParticleID: p.ID, Key: r.bob.Key}
	out := interpreter.Run(p.Script, nil, data, nil, params)
	if len(out.CallRequests) != 1 {
		r.t.Fatalf("bob's run: %d calls, want op.noop", len(out.CallRequests))
	}
	out = interpreter.Run(p.Script, out.Data, nil, map[uint32]interpreter.CallResult{out.CallRequests[0].ID: {Result: "null"}}, params)
	if out.RetCode != 0 || len(out.NextPeers) != 1 || out.NextPeers[0] != r.alice.PeerID {
		r.t.Fatalf("bob's run: %d %s, next %v", out.RetCode, out.ErrorMessage, out.NextPeers)
	}
	back := p
	back.Data = out.Data
	return back
}

// finishedHere checks that p's saved data is its script run to the end on alice: bob's
// answer merged, alice's own call after it made.
func (r *keptRouter) finishedHere(p particle.Particle) {
	r.t.Helper()
	saved, err := r.store.Load(particles.KeyOf(&p))
	if err != nil {
		r.t.Fatal(err)
	}
	out := interpreter.Run(p.Script, saved, nil, nil, interpreter.Params{InitPeerID: r.alice.PeerID, CurrentPeerID: r.alice.PeerID,
		Timestamp: p.Timestamp, TTL: p.TTL, ParticleID: p.ID, Key: r.alice.Key})
	if out.RetCode != 0 || !out.Complete || len(out.CallRequests) != 0 || len(out.NextPeers) != 0 {
		r.t.Fatalf("%s: the saved data is not the finished script's (%d %s, %d calls, next %v)", p.ID, out.RetCode, out.ErrorMessage,
			len(out.CallRequests), out.NextPeers)
	}
}

// A particle that finished here and comes back goes on in the actor it had: no load of its
// data from the store, and the same outcome as with a new actor that loads it.
func TestKeptActorTakesTheParticleBack(t *testing.T) {
	r := newKeptRouter(t, Bounds{})
	p, data := r.start("p-1")
	if s := r.getStats(); s.Live != 0 || s.Finished != 1 || s.Kept != 1 {
		t.Fatalf("after the start: %+v, want one particle finished, its actor kept", s)
	}
	r.in(r.bob.PeerID, r.answer(p, data))
	r.run()
	if s := r.getStats(); s.Live != 0 || s.Finished != 1 || s.Kept != 1 || s.Accepted != 2 {
		t.Fatalf("after the answer: %+v, want it finished again, its actor kept", s)
	}
	if r.loads.loads != 0 {
		t.Fatalf("%d loads from the store, want none: the kept actor had the data", r.loads.loads)
	}
	r.finishedHere(p)

	r.clk.Advance(time.Minute) // the deadline: the kept actor goes with its particle
	r.run()
	if s := r.getStats(); s.Kept != 0 || s.Finished != 0 || s.Expired != 1 {
		t.Fatalf("after the deadline: %+v", s)
	}
	if n, _ := r.store.Count(); n != 0 {
		t.Fatalf("%d particles in the store after the deadline", n)
	}
}

// Past MaxKept, the actors kept longest are stopped; their particles, coming back, get a new
// actor that loads the data, and go on all the same.
func TestKeptActorsBounded(t *testing.T) {
	r := newKeptRouter(t, Bounds{MaxKept: 2})
	type started struct {
		p    particle.Particle
		data []byte
	}
	var ps []started
	for i := range 5 {
		p, data := r.start(fmt.Sprint("p-", i))
		ps = append(ps, started{p, data})
		if s := r.getStats(); s.Kept != min(i+1, 2) || s.Finished != i+1 {
			t.Fatalf("after %d particles: %+v, want %d kept", i+1, s, min(i+1, 2))
		}
	}
	for i := range ps { // the last first: the kept ones are the two that finished last
		s := ps[len(ps)-1-i]
		r.in(r.bob.PeerID, r.answer(s.p, s.data))
		r.run()
	}
	if r.loads.loads != 3 {
		t.Fatalf("%d loads from the store, want 3: the particles whose actors were stopped", r.loads.loads)
	}
	if s := r.getStats(); s.Accepted != 10 || s.Kept != 2 || s.Live != 0 || s.Failed != 0 {
		t.Fatalf("after the answers: %+v", s)
	}
	for _, s := range ps {
		r.finishedHere(s.p)
	}
}

// An actor whose data is over MaxKeptBytes is not kept.
func TestKeptActorsBoundedInBytes(t *testing.T) {
	r := newKeptRouter(t, Bounds{MaxKeptBytes: 1})
	r.start("p-1")
	if s := r.getStats(); s.Kept != 0 || s.Finished != 1 {
		t.Fatalf("%+v, want no actor kept: its data is over a byte", s)
	}
}

// A kept actor stops with the router (the node stops): its particle stays finished, with its
// data in the store for the node's restart, until its deadline.
func TestKeptActorStopsWithTheRouterKeepingTheData(t *testing.T) {
	r := newKeptRouter(t, Bounds{})
	r.start("p-1")
	if s := r.getStats(); s.Kept != 1 {
		t.Fatalf("%+v, want the actor kept", s)
	}
	r.system.Root.Stop(r.rt)
	r.run()
	if n, err := r.store.Count(); n != 1 || err != nil {
		t.Fatalf("%d particles in the store after the router stopped (%v), want 1", n, err)
	}
}

// An active particle's actor that stops with the router (the node stops before the particle
// is done here) leaves the particle's data in the store, saved before its call, for the node's
// restart: the particle that comes back then must find its call made, not make it again.
func TestActiveActorStopsWithTheRouterKeepingTheData(t *testing.T) {
	r := newTestRouter(t, routerSetup{callsToProbe: true})
	alice := actortest.Identity(t, "alice")
	p := actortest.Particle(t, alice, particle.Particle{ID: "p-1", Timestamp: uint64(r.clk.Now().UnixMilli()), TTL: 60_000, MaxHops: 8,
		Script: `(call %init_peer_id% ("slow" "f") [])`})
	r.in(alice.PeerID, p)
	r.run()
	if s := r.getStats(); len(r.calls) != 1 || s.Live != 1 {
		t.Fatalf("%d calls, %+v: want the particle waiting for its call", len(r.calls), s)
	}
	r.system.Root.Stop(r.rt)
	r.run()
	if n, err := r.store.Count(); n != 1 || err != nil {
		t.Fatalf("%d particles in the store after the router stopped (%v), want 1", n, err)
	}
	// The node starts again on its store, and the particle arrives again: a replay of what
	// it merged before, not a new run that makes the call a second time.
	r.rt = r.system.Root.Spawn(Props(Config{Self: alice.PeerID, Key: alice.Key, Clock: r.clk, Registry: r.probe, Network: r.probe,
		Store: r.store}, r.opts...))
	r.in(alice.PeerID, p)
	r.run()
	if s := r.getStats(); len(r.calls) != 1 || s.Replays != 1 {
		t.Fatalf("after the restart: %d calls, %+v; want the call made once, the arrival a replay", len(r.calls), s)
	}
}
