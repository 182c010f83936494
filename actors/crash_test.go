package actors

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/network"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/clock"
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
