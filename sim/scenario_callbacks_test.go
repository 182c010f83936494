package sim

import (
	"testing"
	"time"

	"github.com/aquanet/aquanet/internal/scenario"
)

// ScenarioCallbacks returns what each start called back, the start after healing last, in the
// form the simulator's checks compare: here the one callback the scenario file's expect block
// (recorded from the reference) names, for each of the three starts.
func TestScenarioCallbacks(t *testing.T) {
	sc, err := scenario.ParseFile("../interpreter/testdata/scenarios/par-join.yaml")
	if err != nil {
		t.Fatal(err)
	}
	o, err := Expand(Options{Seed: 4, Nodes: len(sc.Peers), Duration: 10 * time.Second, Faults: "none", Messages: 2})
	if err != nil {
		t.Fatal(err)
	}
	r, starts, err := ScenarioCallbacks(o, sc, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Passed() {
		t.Errorf("checks: %+v", r.Checks)
	}
	want := `callbackSrv.response "bob" "carol"`
	if len(starts) != 3 {
		t.Fatalf("%d starts, want 2 and the one after healing", len(starts))
	}
	for i, got := range starts {
		if len(got) != 1 || got[0] != want {
			t.Errorf("start %d called back %q, want %q", i, got, want)
		}
	}
}
