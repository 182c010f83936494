package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/aquanet/aquanet/actors"
	"github.com/aquanet/aquanet/actors/perimeter"
)

// runWork runs o (expanded) with the workload work.
func runWork(t *testing.T, o Options, work workload) *Result {
	t.Helper()
	o, err := Expand(o)
	if err != nil {
		t.Fatal(err)
	}
	r, err := run(o, work, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The messenger under a perimeter, without faults and with all of them: every check passes,
// forgeries and the revoked member's messages were sent and refused; without faults each
// forgery was refused once (history.add) and each revoked message twice (history.add and its
// sender's chat.error); with faults, both reasons still show (seed 3's forgery reaches the
// relay; seed 1's is lost to an injected service failure on the way). A seed replays bit for
// bit, certificates and revocation included.
func TestMessengerUnderPerimeter(t *testing.T) {
	for _, faults := range []string{"none", "all"} {
		seen := map[string]int{}
		for _, seed := range []uint64{1, 3} {
			o := Options{Seed: seed, Nodes: 6, Duration: 2 * time.Minute, Faults: faults, Perimeter: true, KeepEvents: faults == "all"}
			m := newMessenger(0, true)
			r := runWork(t, o, m)
			for name, c := range r.Checks {
				if !c.Pass {
					t.Errorf("faults %s, seed %d: check %s failed: %s", faults, seed, name, c.Detail)
				}
			}
			for _, name := range []string{"perimeter_held", "perimeter_refused"} {
				if _, ok := r.Checks[name]; !ok {
					t.Errorf("faults %s, seed %d: no check %s", faults, seed, name)
				}
			}
			fates, reasons := map[int]int{}, map[string]int{}
			for _, msg := range m.byID {
				fates[msg.Fate]++
			}
			for _, ds := range m.perim.denials {
				for _, d := range ds {
					reasons[d.reason]++
					seen[d.reason]++
				}
			}
			if fates[forged] == 0 || fates[revoked] == 0 {
				t.Errorf("faults %s, seed %d: %d forgeries and %d revoked messages, want some of each", faults, seed, fates[forged], fates[revoked])
			}
			if faults == "none" && (reasons[string(perimeter.ForeignArgument)] != fates[forged] || reasons[string(perimeter.Revoked)] != 2*fates[revoked] || len(reasons) != 2) {
				t.Errorf("seed %d: denials %v for %d forgeries and %d revoked messages", seed, reasons, fates[forged], fates[revoked])
			}
			t.Logf("faults %s, seed %d: %s; %s", faults, seed, r.Checks["perimeter_held"].Detail, r.Checks["perimeter_refused"].Detail)
			if faults == "all" && seed == 3 {
				again := runWork(t, o, newMessenger(0, true))
				if i, diverged := Diverge(r.Log, again.Log); diverged {
					t.Errorf("faults all, seed 3: the runs diverge at event %d: %q vs %q", i, r.Log.Event(i).What, again.Log.Event(i).What)
				}
			}
		}
		if seen[string(perimeter.ForeignArgument)] == 0 || seen[string(perimeter.Revoked)] == 0 {
			t.Errorf("faults %s: denials %v, want both reasons", faults, seen)
		}
	}
}

// unguarded is the messenger under a perimeter on nodes that spawn its services outside it:
// nothing refuses anything.
type unguarded struct{ *messenger }

func (unguarded) spawnOptions(*simNode, string) []actors.SpawnOption { return nil }

// The perimeter checks judge the nodes, not the workload's plan: on nodes that do not guard the
// services, the forgeries run and are delivered, and both checks fail.
func TestPerimeterChecksCatchAnUnguardedNode(t *testing.T) {
	r := runWork(t, Options{Seed: 1, Nodes: 6, Duration: 2 * time.Minute, Faults: "none", Perimeter: true}, unguarded{newMessenger(0, true)})
	for _, name := range []string{"perimeter_held", "perimeter_refused"} {
		if c := r.Checks[name]; c.Pass {
			t.Errorf("check %s passed without a guard: %s", name, c.Detail)
		}
	}
	if d := r.Checks["perimeter_held"].Detail; !strings.Contains(d, `service "load"`) || !strings.Contains(d, "had its certificate revoked") {
		t.Errorf("perimeter_held names neither a foreign argument nor a revoked initiator: %s", d)
	}
}
