package actors

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/network"
	"github.com/aquanet/aquanet/actors/particles"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/internal/store"
	"github.com/aquanet/aquanet/interpreter/data"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
)

// crashRig is a node with a "transfer" service that counts its calls and holds the holdAt-th
// until release is closed, on a disk that can crash.
type crashRig struct {
	ctx     context.Context
	clk     *clock.Manual
	id      scenario.Identity
	holdAt  int32
	calls   atomic.Int32
	running chan struct{} // one value as the held call starts
	release chan struct{}
}

func newCrashRig(t *testing.T, holdAt int32) *crashRig {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return &crashRig{ctx: ctx, clk: clock.NewManual(time.UnixMilli(1_700_000_000_000)), id: actortest.Identity(t, "alice"),
		holdAt: holdAt, running: make(chan struct{}, 4), release: make(chan struct{})}
}

func (r *crashRig) start(t *testing.T, fs vfs.FS) *Node {
	t.Helper()
	n := startNode(t, Env{Key: r.id.Key, Clock: r.clk, Transport: network.NewHub().Join, DataDir: "alice", FS: fs})
	if err := n.Spawn(r.ctx, "transfer", service.HandlerFunc(func(service.CallContext, string, []value.Value) (value.Value, error) {
		if r.calls.Add(1) == r.holdAt {
			r.running <- struct{}{}
			<-r.release
		}
		return value.Null(), nil
	})); err != nil {
		t.Fatal(err)
	}
	return n
}

// crash runs p on a node until the held call, then crashes it (its disk as a power cut leaves
// it: nothing unsynced survives) and lets the call end; it returns the disk.
func (r *crashRig) crash(t *testing.T, p particle.Particle) vfs.FS {
	fs := vfs.NewCrashableMem()
	n := r.start(t, fs)
	n.Deliver(n.PeerID(), p)
	<-r.running
	image := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: 0})
	if err := n.Kill(); err != nil {
		t.Fatal(err)
	}
	close(r.release)
	return image
}

// resend restarts the node from the disk and gives it p again, as its initiator would: the
// store says p's arrival was merged (the save before the held call was synced), so the copy
// is a replay and nothing runs. The calls must then number want: each once.
func (r *crashRig) resend(t *testing.T, image vfs.FS, p particle.Particle, want int32) {
	n := r.start(t, image)
	defer func() {
		r.clk.Advance(time.Hour)
		if err := n.Stop(r.ctx); err != nil {
			t.Error(err)
		}
	}()
	n.Deliver(n.PeerID(), p)
	for s, err := n.Stats(r.ctx); s.Replays != 1; s, err = n.Stats(r.ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if s.Accepted != 0 || r.calls.Load() > want {
			t.Fatalf("the copy sent again after the crash was accepted: %+v, calls %d", s, r.calls.Load())
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // a second run of a call, if any, would have begun by now
	if got := r.calls.Load(); got != want {
		t.Fatalf("%d calls across the crash, want %d: each once", got, want)
	}
}

// The machine crashes (its disk keeps only what was synced) while a call with effects is
// running: the restarted node, given the particle again, does not run the call a second time
// (issue 13, item 3). What a particle has asked for is durable before the request leaves the
// particle's actor; the call's answer is lost with the crash, and the particle ends at its
// deadline: at most once, never twice.
func TestCrashDuringACallDoesNotRepeatIt(t *testing.T) {
	r := newCrashRig(t, 1)
	p := actortest.Particle(t, r.id, particle.Particle{ID: "pay", Timestamp: uint64(r.clk.Now().UnixMilli()), TTL: 60_000,
		Script: `(seq (call %init_peer_id% ("op" "noop") []) (call %init_peer_id% ("transfer" "send") []))`})
	r.resend(t, r.crash(t, p), p, 1)
}

// A fold whose every call has effects saves what each step added, as a journal entry, before
// the call runs (Machine.ForSave; the data whole when the entries outgrow it): after a crash
// during its seventh call, the disk holds entries, the data loads with them applied (the six
// calls answered and the seventh asked for), and the restarted node, given the particle again,
// runs none of them a second time.
func TestCrashDuringAFoldOfCallsKeepsTheJournal(t *testing.T) {
	r := newCrashRig(t, 7)
	p := actortest.Particle(t, r.id, particle.Particle{ID: "pay-all", Timestamp: uint64(r.clk.Now().UnixMilli()), TTL: 60_000,
		Script: `(seq (call %init_peer_id% ("op" "array") [1 2 3 4 5 6 7 8 9 10] xs) (fold xs x (seq (call %init_peer_id% ("transfer" "send") [x]) (next x))))`})
	image := r.crash(t, p)

	db, err := store.Open(store.Options{Dir: "alice", FS: image})
	if err != nil {
		t.Fatal(err)
	}
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: []byte{store.ParticleJournal}, UpperBound: []byte{store.ParticleJournal + 1}})
	if err != nil {
		t.Fatal(err)
	}
	entries := 0
	for it.First(); it.Valid(); it.Next() {
		entries++
	}
	it.Close()
	saved, err := particles.NewStore(db).Load(particles.KeyOf(&p))
	if err != nil {
		t.Fatal(err)
	}
	d, err := data.Decode(saved)
	if err != nil {
		t.Fatal(err)
	}
	executed, sent := 0, 0
	for _, s := range d.Trace {
		if c, ok := s.(data.CallState); ok {
			switch c.Kind {
			case data.CallExecuted:
				executed++
			case data.CallSentBy:
				sent++
			}
		}
	}
	db.Close()
	// op.array and six transfers answered, the seventh asked for.
	if entries < 2 || executed != 7 || sent != 1 {
		t.Fatalf("after the crash: %d journal entries (want at least 2), %d calls answered (want 7), %d asked for (want 1)", entries, executed, sent)
	}
	r.resend(t, image, p, 7)
}
