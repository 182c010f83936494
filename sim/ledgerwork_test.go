package sim

import (
	"testing"
	"time"
)

// The ledger under every fault, with 3 and 5 validators, and 3 with a follower (which must end
// where the validators do): the committed prefix agrees, value is conserved, no acknowledged
// transfer is lost, the transfers after healing are applied; a seed replays event for event
// (raft's elections drawn from it). (With the raft log's fsyncs off, "aquanet sim --workload
// ledger --faults crash --seed 3 --messages 200" stops two replicas, raft finding its log short
// of what it had promised, and fails; the state's writes are unsynced by design: the log
// replays them.)
func TestLedgerWorkload(t *testing.T) {
	for _, c := range []struct {
		nodes, followers int
		seed             uint64
	}{{3, 0, 1}, {3, 0, 7}, {5, 0, 2}, {4, 1, 5}} {
		o, err := Expand(Options{Seed: c.seed, Nodes: c.nodes, Followers: c.followers, Duration: 5 * time.Minute, Faults: "all", Messages: 100, KeepEvents: c.seed == 7})
		if err != nil {
			t.Fatal(err)
		}
		r, err := RunLedger(o, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		for name, check := range r.Checks {
			if !check.Pass {
				t.Errorf("%d validators, seed %d: %s failed: %s", c.nodes, c.seed, name, check.Detail)
			}
		}
		if d := r.Checks["acknowledged_kept"].Detail; d == "0 transfers acknowledged" {
			t.Errorf("%d validators, seed %d: nothing was acknowledged", c.nodes, c.seed)
		}
		if c.seed == 7 {
			again, err := RunLedger(o, time.Now)
			if err != nil {
				t.Fatal(err)
			}
			if i, diverged := Diverge(r.Log, again.Log); diverged {
				t.Errorf("seed 7 ran twice diverges at event %d: %q vs %q", i, r.Log.Event(i).What, again.Log.Event(i).What)
			}
		}
	}
}
