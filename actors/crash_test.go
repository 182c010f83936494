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
	"github.com/aquanet/aquanet/internal/store"
	"github.com/aquanet/aquanet/interpreter/data"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
)

// The machine crashes (its disk keeps only what was synced) while a call with effects is
// running: the restarted node, given the particle again, does not run the call a second time
// (issue 13, item 3). What a particle has asked for is durable before the request leaves the
// particle's actor; the call's answer is lost with the crash, and the particle ends at its
// deadline: at most once, never twice.
func TestCrashDuringACallDoesNotRepeatIt(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	clk := clock.NewManual(time.UnixMilli(1_700_000_000_000))
	id := actortest.Identity(t, "alice")
	var calls atomic.Int32
	running, release := make(chan struct{}, 4), make(chan struct{})
	start := func(fs vfs.FS) *Node {
		t.Helper()
		n := startNode(t, Env{Key: id.Key, Clock: clk, Transport: network.NewHub().Join, DataDir: "alice", FS: fs})
		if err := n.Spawn(ctx, "transfer", service.HandlerFunc(func(service.CallContext, string, []value.Value) (value.Value, error) {
			calls.Add(1)
			running <- struct{}{}
			<-release
			return value.Null(), nil
		})); err != nil {
			t.Fatal(err)
		}
		return n
	}
	p := actortest.Particle(t, id, particle.Particle{ID: "pay", Timestamp: uint64(clk.Now().UnixMilli()), TTL: 60_000,
		Script: `(seq (call %init_peer_id% ("op" "noop") []) (call %init_peer_id% ("transfer" "send") []))`})

	fs := vfs.NewCrashableMem()
	n := start(fs)
	n.Deliver(n.PeerID(), p)
	<-running
	// The crash: the disk as a power cut leaves it (nothing unsynced survives), the node gone.
	image := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: 0})
	if err := n.Kill(); err != nil {
		t.Fatal(err)
	}
	close(release)

	n = start(image)
	defer func() {
		clk.Advance(time.Hour)
		if err := n.Stop(ctx); err != nil {
			t.Error(err)
		}
	}()
	n.Deliver(n.PeerID(), p) // its initiator sends it again
	// The store says the particle's arrival was merged (the save before the call was synced):
	// the copy is a replay, and nothing runs.
	for s, err := n.Stats(ctx); s.Replays != 1; s, err = n.Stats(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if s.Accepted != 0 || calls.Load() > 1 {
			t.Fatalf("the copy sent again after the crash was accepted: %+v, calls %d", s, calls.Load())
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // a second run of the call, if any, would have begun by now
	if got := calls.Load(); got != 1 {
		t.Fatalf("the call ran %d times across the crash, want once", got)
	}
}

// A fold whose every call has effects saves what each step added, as a journal entry, before
// the call runs (Machine.ForSave; the data whole when the entries outgrow it): after a crash
// during its seventh call, the disk holds entries,
// the data loads with them applied (the six calls answered and the seventh asked for), and the
// restarted node, given the particle again, runs none of them a second time.
func TestCrashDuringAFoldOfCallsKeepsTheJournal(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	clk := clock.NewManual(time.UnixMilli(1_700_000_000_000))
	id := actortest.Identity(t, "alice")
	var calls atomic.Int32
	running, release := make(chan struct{}, 4), make(chan struct{})
	start := func(fs vfs.FS) *Node {
		t.Helper()
		n := startNode(t, Env{Key: id.Key, Clock: clk, Transport: network.NewHub().Join, DataDir: "alice", FS: fs})
		if err := n.Spawn(ctx, "transfer", service.HandlerFunc(func(service.CallContext, string, []value.Value) (value.Value, error) {
			if calls.Add(1) == 7 {
				running <- struct{}{}
				<-release
			}
			return value.Null(), nil
		})); err != nil {
			t.Fatal(err)
		}
		return n
	}
	p := actortest.Particle(t, id, particle.Particle{ID: "pay-all", Timestamp: uint64(clk.Now().UnixMilli()), TTL: 60_000,
		Script: `(seq (call %init_peer_id% ("op" "array") [1 2 3 4 5 6 7 8 9 10] xs) (fold xs x (seq (call %init_peer_id% ("transfer" "send") [x]) (next x))))`})

	fs := vfs.NewCrashableMem()
	n := start(fs)
	n.Deliver(n.PeerID(), p)
	<-running
	image := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: 0})
	if err := n.Kill(); err != nil {
		t.Fatal(err)
	}
	close(release)

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

	n = start(image)
	defer func() {
		clk.Advance(time.Hour)
		if err := n.Stop(ctx); err != nil {
			t.Error(err)
		}
	}()
	n.Deliver(n.PeerID(), p)
	for s, err := n.Stats(ctx); s.Replays != 1; s, err = n.Stats(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if s.Accepted != 0 || calls.Load() > 7 {
			t.Fatalf("the copy sent again after the crash was accepted: %+v, calls %d", s, calls.Load())
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	if got := calls.Load(); got != 7 {
		t.Fatalf("%d calls across the crash, want 7: each once", got)
	}
}
