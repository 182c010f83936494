package aquacorpus

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/aquanet/aquanet/sim"
)

// faultSeeds are the seeds the i-th scenario runs under with every kind of fault: two of its
// own, so that the corpus as a whole meets a hundred fault schedules (the seed decides the
// loss, the partitions, the crashes and the clock skews).
func faultSeeds(i int) []uint64 { return []uint64{uint64(2*i + 1), uint64(2*i + 2)} }

// TestInSimulator runs every function of the corpus on simulated nodes (sim.RunScenario: the
// scenario's peers are the nodes, the init peer one of them), each start with the scenario's
// args. Without faults, every start must call back what the reference did (in any order; a
// racy scenario as many times). With all the simulator's faults (loss, duplication, delays,
// partitions, crashes, clock skew, fault points), under two seeds, every check of the
// simulator must pass: what the faulty starts call back is among what the fault-free run did
// (for a racy scenario, not compared), and after healing a start calls back all of it.
func TestInSimulator(t *testing.T) {
	cases := loadCases(t)
	// A simulation runs on one goroutine: one per core at a time.
	var wg sync.WaitGroup
	slots := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, c := range cases {
		ref := loadOracle(t, c.File)
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			t.Run(caseName(c.File), func(t *testing.T) {
				s := c.Scenario
				want := referenceCalls(t, ref)
				o := simOptions(t, len(s.Peers), 1, "none")
				r, starts, err := sim.ScenarioCallbacks(o, s, time.Now)
				if err != nil {
					t.Fatal(err)
				}
				failedChecks(t, "no faults", r)
				for i, got := range starts {
					t.Run(fmt.Sprintf("start %d", i), func(t *testing.T) { compareCalls(t, s, got, want) })
				}
				for _, seed := range faultSeeds(i) {
					r, err := sim.RunScenario(simOptions(t, len(s.Peers), seed, "all"), s, time.Now)
					if err != nil {
						t.Fatalf("faults all, seed %d: %v", seed, err)
					}
					failedChecks(t, fmt.Sprintf("faults all, seed %d", seed), r)
				}
			})
		}()
	}
	wg.Wait()
}

// simOptions are the simulator's options for a corpus scenario: two starts within 10 virtual
// seconds, and one after healing.
func simOptions(t *testing.T, nodes int, seed uint64, faults string) sim.Options {
	t.Helper()
	o, err := sim.Expand(sim.Options{Seed: seed, Nodes: nodes, Duration: 10 * time.Second, Faults: faults, Messages: 2})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func failedChecks(t *testing.T, run string, r *sim.Result) {
	t.Helper()
	for name, c := range r.Checks {
		if !c.Pass {
			t.Errorf("%s: check %s failed: %s", run, name, c.Detail)
		}
	}
}
