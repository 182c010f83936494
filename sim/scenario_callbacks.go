package sim

import (
	"time"

	"github.com/aquanet/aquanet/internal/scenario"
)

// ScenarioCallbacks runs sc on simulated nodes as RunScenario does (o as Expand returns it),
// but without a fault-free run to compare with (with o.Faults "none" it is that run itself),
// and returns what each start called back, for comparing with another runner of the scenario:
// one list per start, in the order the starts were made (the one after healing last), each
// call as the init node served it, "service.function arg ...", every argument as JSON
// (value.Value.String).
func ScenarioCallbacks(o Options, sc *scenario.Scenario, realNow func() time.Time) (*Result, [][]string, error) {
	if err := LoadWasm(sc); err != nil {
		return nil, nil, err
	}
	w := newScenarioWorkload(sc, nil)
	r, err := run(o, w, realNow)
	if err != nil {
		return nil, nil, err
	}
	var out [][]string
	for _, id := range append(append([]string{}, w.starts...), w.live) {
		out = append(out, w.callbacks[id])
	}
	return r, out, nil
}
