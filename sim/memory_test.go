package sim

import (
	"runtime"
	"testing"
	"time"
)

// A swarm's memory does not grow with its seeds: a finished run leaves nothing behind (once,
// every node's pebble store stayed open, its goroutines holding the run's world, about 1.3 MB
// a seed, so that --seeds 1..1000 grew to gigabytes). The live heap after 25 seeds is compared
// with the one after 5, each run as the CLI runs it (Expand, then Run).
func TestSeedsDoNotAccumulateMemory(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("25 seeds: about 2 s, 40 s under the race detector")
	}
	live := func() (heap uint64, goroutines int) {
		// Twice: what has a finalizer (pebble's caches) is freed by the cycle after the one
		// that finds it unreachable.
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc, runtime.NumGoroutine()
	}
	var heap5 uint64
	var goroutines5 int
	for seed := uint64(1); seed <= 25; seed++ {
		runT(t, Options{Seed: seed, Nodes: 5, Duration: 2 * time.Minute, Faults: "all"})
		if seed == 5 {
			heap5, goroutines5 = live()
		}
	}
	heap25, goroutines25 := live()
	t.Logf("live heap %.1f MB after 5 seeds, %.1f MB after 25; %d and %d goroutines", mb(heap5), mb(heap25), goroutines5, goroutines25)
	// Twenty more seeds may leave a little (caches warmed, a dead-letter goroutine of
	// protoactor's not yet gone), not a run's worth each.
	if heap25 > heap5+8<<20 {
		t.Errorf("the live heap grew from %.1f MB after 5 seeds to %.1f MB after 25: runs are retained", mb(heap5), mb(heap25))
	}
	if goroutines25 > goroutines5+10 {
		t.Errorf("%d goroutines after 5 seeds, %d after 25: runs leave goroutines behind", goroutines5, goroutines25)
	}
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }

// A node's memtable is its share of storeMemTables: pebble's 4 MB for a few nodes, less for
// more, and never under storeMemTableMin, which 10,000 nodes get, as every run did before.
func TestMemTableSizeShares(t *testing.T) {
	for _, c := range []struct {
		nodes int
		want  uint64
	}{{1, storeMemTableMax}, {25, storeMemTableMax}, {100, storeMemTables / 100}, {1000, storeMemTables / 1000}, {2048, storeMemTableMin}, {10_000, storeMemTableMin}} {
		if got := memTableSize(c.nodes); got != c.want {
			t.Errorf("%d nodes: memtables of %d bytes, want %d", c.nodes, got, c.want)
		}
		if got := memTableSize(c.nodes); c.nodes*int(got) > storeMemTables && got != storeMemTableMin {
			t.Errorf("%d nodes: %d bytes of memtables in all, over the %d they share", c.nodes, c.nodes*int(got), storeMemTables)
		}
	}
}
