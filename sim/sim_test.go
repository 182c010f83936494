package sim

import (
	"testing"
	"time"
)

func runT(t *testing.T, o Options) *Result {
	t.Helper()
	o, err := Expand(o)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(o, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Without faults the messenger delivers everything, and every check passes.
func TestMessengerWithoutFaults(t *testing.T) {
	r := runT(t, Options{Seed: 1, Nodes: 5, Duration: time.Minute, Faults: "none", Messages: 6})
	for name, c := range r.Checks {
		if !c.Pass {
			t.Errorf("check %s failed: %s", name, c.Detail)
		}
	}
	t.Logf("%d events, hash %s, %.0f virtual s in %.2f real s; net %+v", r.Events, r.Hash, r.VirtualSeconds, r.RealSeconds, r.Net)
}

// A seed replays bit for bit: the same options give the same event log.
func TestSameSeedSameRun(t *testing.T) {
	for _, faults := range []string{"none", "net"} {
		a := runT(t, Options{Seed: 7, Nodes: 5, Duration: time.Minute, Faults: faults, Messages: 5, KeepEvents: true})
		b := runT(t, Options{Seed: 7, Nodes: 5, Duration: time.Minute, Faults: faults, Messages: 5, KeepEvents: true})
		if i, diverged := Diverge(a.Log, b.Log); diverged {
			t.Fatalf("faults %s: runs diverge at event %d: %q vs %q", faults, i, a.Log.Event(i).What, b.Log.Event(i).What)
		}
		if a.Hash != b.Hash {
			t.Fatalf("faults %s: same events, different hashes", faults)
		}
		c := runT(t, Options{Seed: 8, Nodes: 5, Duration: time.Minute, Faults: faults, Messages: 5})
		if c.Hash == a.Hash {
			t.Errorf("faults %s: seeds 7 and 8 gave the same run", faults)
		}
	}
}

// Under every fault class the checks hold; seed 4 of "all" once left finished particles on
// nodes whose clocks ran behind (the run ended before their deadlines came on those clocks),
// kept as a regression.
func TestEveryFaultClass(t *testing.T) {
	for _, faults := range FaultClasses {
		cut := uint64(0)
		for _, seed := range []uint64{1, 2, 3, 4} {
			r := runT(t, Options{Seed: seed, Nodes: 5, Duration: 2 * time.Minute, Faults: faults})
			for name, c := range r.Checks {
				if !c.Pass {
					t.Errorf("faults %s, seed %d: check %s failed: %s", faults, seed, name, c.Detail)
				}
			}
			if _, ok := r.Checks["liveness"]; !ok {
				t.Errorf("faults %s, seed %d: no liveness check", faults, seed)
			}
			cut += r.Net.Cut
		}
		if (faults == "partition" || faults == "all") && cut == 0 {
			t.Errorf("faults %s: four seeds and no particle was cut by a partition or a clog", faults)
		}
	}
}
