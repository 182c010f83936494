package router

import (
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/particles"
	"github.com/aquanet/aquanet/actors/registry"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/scenario"
	istore "github.com/aquanet/aquanet/internal/store"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/particle"
)

// fuzzStart is the node's clock at the start of every FuzzRouter run.
var fuzzStart = time.UnixMilli(1_700_000_000_000)

// fuzzParticle is one particle FuzzRouter may send, and whether it can pass validation at all.
type fuzzParticle struct {
	p     particle.Particle
	valid bool // signed and well-formed; it passes while its deadline is ahead and its timestamp not too far
}

// routerParticles returns the particles FuzzRouter sends to the node self: from two initiators,
// with two ids and two TTLs, each with no data, with the data its initiator's run produced,
// with other real data and with garbage; and forged, expired and future ones.
func routerParticles(f *testing.F, self scenario.Identity) []fuzzParticle {
	var out []fuzzParticle
	for _, name := range []string{"bob", "carol"} {
		init := actortest.Identity(f, name)
		script := fmt.Sprintf(`(seq (call "%s" ("op" "identity") ["x"] r) (call %%init_peer_id%% ("s" "f") [r]))`, self.PeerID)
		for _, id := range []string{"p-1", "p-2"} {
			for _, ttl := range []uint32{5_000, 60_000} {
				p := actortest.Particle(f, init, particle.Particle{ID: id, Timestamp: uint64(fuzzStart.UnixMilli()), TTL: ttl, MaxHops: 8, Script: script})
				m := particles.New(script, interpreter.Params{InitPeerID: init.PeerID, CurrentPeerID: init.PeerID,
					Timestamp: p.Timestamp, TTL: ttl, ParticleID: id, Key: init.Key})
				m.Arrive(nil)
				e := m.Step()
				if len(e.Data) == 0 {
					f.Fatalf("the initiator's run sent nothing: %+v", e)
				}
				withData, other, garbage := p, p, p
				withData.Data = e.Data
				other.Data = append([]byte(nil), e.Data...)
				other.Data[len(other.Data)-1] ^= 1
				garbage.Data = []byte("not data")
				forged := withData
				forged.Script += " "
				out = append(out, fuzzParticle{p, true}, fuzzParticle{withData, true}, fuzzParticle{other, true},
					fuzzParticle{garbage, true}, fuzzParticle{forged, false})
			}
		}
		expired := actortest.Particle(f, init, particle.Particle{ID: "p-old", Timestamp: uint64(fuzzStart.Add(-2 * time.Minute).UnixMilli()),
			TTL: 60_000, MaxHops: 8, Script: script})
		future := actortest.Particle(f, init, particle.Particle{ID: "p-future", Timestamp: uint64(fuzzStart.Add(time.Hour).UnixMilli()),
			TTL: 60_000, MaxHops: 8, Script: script})
		out = append(out, fuzzParticle{expired, false}, fuzzParticle{future, false})
	}
	return out
}

// FuzzRouter drives the router on the deterministic loop with a sequence decoded from the
// input: particles arriving (valid ones, the same ones with other data, replays, forged,
// expired and future ones) and the clock moving on. After each step every arrival is counted
// once, as accepted, a replay or rejected; the same particle with the same data is a replay
// for as long as it is valid; the router holds an entry for exactly the particles accepted whose
// deadline is ahead. The bounds are tight, so that sequences reach them: a valid particle is
// rejected only for a bound, and the router never holds more than they allow. At the end, past
// every deadline, nothing is left: no entry, no data counted, nothing stored.
func FuzzRouter(f *testing.F) {
	self := actortest.Identity(f, "alice")
	ps := routerParticles(f, self)
	largest := 0
	for _, fp := range ps {
		largest = max(largest, len(fp.p.Data))
	}
	bounds := Bounds{MaxParticlesPerInit: 3, MaxParticles: 5, MaxBytesPerInit: 2 * largest, MaxBytes: 3 * largest}
	f.Add([]byte{0, 0xff, 1, 1, 2, 3, 4})
	f.Add([]byte{0, 5, 0xe0, 0, 0xd0, 0xd0, 0, 10})
	f.Add([]byte{1, 2, 0xc5, 0xff, 3, 0xff, 6, 11, 40, 41})
	f.Add([]byte{20, 21, 22, 23, 24, 0xef, 0xef, 20, 21})
	f.Add([]byte{1, 6, 11, 16, 2})          // bob's data in four particles: over his bytes
	f.Add([]byte{0, 5, 10, 15, 22, 27, 32}) // bob's four, carol's three: over the particles
	f.Add([]byte{1, 6, 23, 28})             // data of bob's two and carol's two: over the bytes
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 64 {
			return
		}
		clk := clock.NewManual(fuzzStart)
		loop, opts := actortest.Loop(1)
		system := actortest.System()
		run := func() {
			t.Helper()
			if loop.Run(1_000_000); loop.Pending() != 0 {
				t.Fatal("the node did not go idle")
			}
		}
		var stats *Stats
		probe := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
			if s, ok := ctx.Message().(*Stats); ok {
				stats = s
			}
		}, opts...))
		reg := system.Root.Spawn(registry.Props(registry.Config{Host: self.PeerID, Management: self.PeerID, Clock: clk}, opts...))
		db, err := istore.Open(istore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		store := particles.NewStore(db)
		rt := system.Root.Spawn(Props(Config{Self: self.PeerID, Key: self.Key, Clock: clk, Registry: reg, Network: probe, Store: store, Bounds: bounds}, opts...))
		getStats := func() Stats {
			t.Helper()
			stats = nil
			system.Root.Send(rt, &GetStats{ReplyTo: probe})
			run()
			if stats == nil {
				t.Fatal("no stats")
			}
			if stats.Live < 0 || stats.Finished < 0 {
				t.Fatalf("stats %+v", stats)
			}
			return *stats
		}
		rejected := func(s Stats) (n uint64) {
			for _, v := range s.Rejected {
				n += v
			}
			return n
		}

		type seenKey struct {
			k particles.Key
			h [32]byte
		}
		seen := map[seenKey]bool{}
		keys := map[particles.Key]bool{} // accepted, ever
		arrivals := uint64(0)
		last := -1
		maxDeadline := uint64(0)
		for _, op := range ops {
			i := int(op) % len(ps)
			switch {
			case op >= 0xf0: // the last particle again
				if last < 0 {
					continue
				}
				i = last
			case op >= 0xc0: // the clock moves on
				clk.Advance(time.Duration(op&0x3f) * 500 * time.Millisecond)
				run()
				continue
			}
			last = i
			fp := ps[i]
			k, h := particles.KeyOf(&fp.p), sha256.Sum256(fp.p.Data)
			before := getStats()
			system.Root.Send(rt, &Incoming{From: fp.p.InitPeerID.String(), Particle: fp.p})
			run()
			arrivals++
			after := getStats()
			accepted, replays, rej := after.Accepted-before.Accepted, after.Replays-before.Replays, rejected(after)-rejected(before)
			if accepted+replays+rej != 1 {
				t.Fatalf("one arrival counted as %d accepted, %d replays, %d rejected", accepted, replays, rej)
			}
			switch {
			case !fp.valid && rej != 1:
				t.Fatalf("particle %d (forged, expired or from the future) was not rejected: %+v", i, after)
			case seen[seenKey{k, h}] && accepted == 1:
				t.Fatalf("particle %d came again with the same data and was accepted again", i)
			case accepted == 1:
				seen[seenKey{k, h}] = true
				keys[k] = true
				maxDeadline = max(maxDeadline, k.Deadline)
			case replays == 1 && !seen[seenKey{k, h}]:
				t.Fatalf("particle %d, with data never seen, counted as a replay", i)
			}
			if fp.valid && rej == 1 && k.Deadline > uint64(clk.Now().UnixMilli()) &&
				after.Rejected["too_many_particles"]+after.Rejected["too_much_data"]+after.Rejected["too_many_arrivals"] ==
					before.Rejected["too_many_particles"]+before.Rejected["too_much_data"]+before.Rejected["too_many_arrivals"] {
				t.Fatalf("valid particle %d rejected before its deadline, not for a bound: %+v", i, after.Rejected)
			}
			if after.Live+after.Finished > bounds.MaxParticles || after.Bytes > bounds.MaxBytes || after.Bytes < 0 {
				t.Fatalf("the router holds %d particles and %d bytes of data, over its bounds %+v", after.Live+after.Finished, after.Bytes, bounds)
			}
			if after.Accepted+after.Replays+rejected(after) != arrivals {
				t.Fatalf("%d arrivals, stats %+v", arrivals, after)
			}
			live := 0
			for k := range keys {
				if k.Deadline > uint64(clk.Now().UnixMilli()) {
					live++
				}
			}
			if after.Live+after.Finished != live {
				t.Fatalf("the router has %d live and %d finished particles, %d accepted ones are before their deadline", after.Live, after.Finished, live)
			}
		}

		clk.AdvanceTo(time.UnixMilli(int64(maxDeadline)).Add(time.Millisecond))
		run()
		s := getStats()
		if s.Live != 0 || s.Finished != 0 || s.Bytes != 0 || s.Expired != uint64(len(keys)) {
			t.Fatalf("past every deadline: %+v, %d particles accepted", s, len(keys))
		}
		if n, err := store.Count(); err != nil || n != 0 {
			t.Fatalf("%d particles in the store past every deadline (%v)", n, err)
		}
	})
}
