package sim

import (
	"math"
	"testing"
	"time"
)

// The DHT workload under every fault: the lists of each key's closest nodes converge after
// healing and the reads then find every provider kept (without the reads' repairs, seed 4
// leaves one of the closest nodes a provider short); a seed replays event for event.
func TestDHTWorkloadConverges(t *testing.T) {
	seeds := []uint64{1, 2, 3, 4}
	if testing.Short() || raceEnabled {
		seeds = seeds[3:]
	}
	for _, seed := range seeds {
		o, err := Expand(Options{Seed: seed, Nodes: 100, Duration: 10 * time.Minute, Faults: "all", KeepEvents: seed == 4})
		if err != nil {
			t.Fatal(err)
		}
		w := newDHTWork()
		r, err := run(o, w, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		for name, c := range r.Checks {
			if !c.Pass {
				t.Errorf("seed %d: %s failed: %s", seed, name, c.Detail)
			}
		}
		if len(w.keys) != 2 {
			t.Fatalf("seed %d: %d keys at 100 nodes, want 2", seed, len(w.keys))
		}
		acked := 0
		for k := range w.keys {
			acked += len(w.acknowledged(k))
		}
		if acked < len(w.keys) {
			t.Errorf("seed %d: %d adds acknowledged of %d: the workload hardly provided anything", seed, acked, len(w.keys)*dhtProviders)
		}
		if r.Net.Lookups < uint64(o.Messages) {
			t.Errorf("seed %d: %d lookups for %d reads", seed, r.Net.Lookups, o.Messages)
		}
		if seed == 4 {
			again, err := run(o, newDHTWork(), time.Now)
			if err != nil {
				t.Fatal(err)
			}
			if i, diverged := Diverge(r.Log, again.Log); diverged {
				t.Errorf("seed 4 ran twice diverges at event %d: %q vs %q", i, r.Log.Event(i).What, again.Log.Event(i).What)
			}
		}
	}
}

// Without faults a lookup takes at most log2(N) rounds (with cut-off peers that do not answer it
// may take more: a round asks the next closest).
func TestDHTLookupRounds(t *testing.T) {
	o, err := Expand(Options{Seed: 5, Nodes: 200, Duration: 2 * time.Minute, Faults: "none"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := run(o, newDHTWork(), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Passed() || r.Net.Lookups == 0 || float64(r.Net.LookupMaxHops) > math.Log2(float64(o.Nodes)) {
		t.Fatalf("%d lookups, at most %d rounds (log2 %d = %.1f); checks %v", r.Net.Lookups, r.Net.LookupMaxHops, o.Nodes, math.Log2(float64(o.Nodes)), r.Checks)
	}
}
