package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/interpreter/value"
)

// The simulated nodes answer a scenario's builtins as "aquanet air run" does (and the reference
// with the same host): each start calls back what the scenario file's expect block, recorded
// from the reference, says. The scenario calls math, cmp, array, op's encodings, json, debug,
// peer.timeout, peer.timestamp_ms and peer.is_connected, and a missing service and function.
func TestScenarioBuiltinsAsAirRun(t *testing.T) {
	sc, err := scenario.ParseFile("../interpreter/testdata/scenarios/host-node-builtins.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, c := range *sc.Expect.Callbacks {
		parts := []string{c.Service + "." + c.Function}
		for _, a := range c.Args {
			v, err := value.Parse(a, value.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, v.String())
		}
		want = append(want, strings.Join(parts, " "))
	}
	if len(want) != 1 {
		t.Fatalf("the scenario expects %d callbacks, want 1", len(want))
	}
	o, err := Expand(Options{Seed: 5, Nodes: len(sc.Peers), Duration: 10 * time.Second, Faults: "none", Messages: 2})
	if err != nil {
		t.Fatal(err)
	}
	w := newScenarioWorkload(sc, nil)
	r, err := run(o, w, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range r.Checks {
		if !c.Pass {
			t.Errorf("check %s failed: %s", name, c.Detail)
		}
	}
	for _, id := range append(w.starts, w.live) {
		if got := w.callbacks[id]; len(got) != 1 || got[0] != want[0] {
			t.Errorf("start %s called back\n %q\nwant\n %q", id, got, want)
		}
	}
}

// A rule for a service the nodes serve themselves takes the function it names in place of
// theirs, as in air run: op.noop everywhere and peer.timestamp_ms on bob answer what the rules
// say, while op.identity and the other peer functions stay the nodes' own.
func TestScenarioRulesOverrideBuiltins(t *testing.T) {
	sc, err := scenario.ParseFile("../interpreter/testdata/scenarios/host-builtin-override-race.yaml")
	if err != nil {
		t.Fatal(err)
	}
	o, err := Expand(Options{Seed: 1, Nodes: len(sc.Peers), Duration: 10 * time.Second, Faults: "none", Messages: 2})
	if err != nil {
		t.Fatal(err)
	}
	w := newScenarioWorkload(sc, nil)
	r, err := run(o, w, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range r.Checks {
		if !c.Pass {
			t.Errorf("check %s failed: %s", name, c.Detail)
		}
	}
	for _, id := range append(w.starts, w.live) {
		got := w.callbacks[id]
		if len(got) != 1 || !strings.HasPrefix(got[0], `callbackSrv.response "overridden" 42 ["remote"] `) || !strings.Contains(got[0], `"slept"`) {
			t.Errorf("start %s called back %q, want the rules' answers, the remote answer first and the node's own timeout", id, got)
		}
	}
}
