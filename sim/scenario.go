package sim

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aquanet/aquanet/actors"
	"github.com/aquanet/aquanet/actors/registry"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/interpreter/value"
)

// RunScenario runs o with a scenario file's script as the workload: its peers are the nodes
// (with the scenario's Wasm services installed on them first: LoadWasm, and wasm.go);
// the particle starts o.Messages times at seeded times from its init peer, and once more
// after healing; the nodes answer the scenario's service rules and the init peer's
// getDataSrv, callbackSrv, return and errorHandlingSrv as "aquanet air run" does, and
// everything else with their own builtins and peer service (on their virtual clocks), which
// the scenario host of air run follows. A rule for a service a node serves itself takes the
// functions it names in place of the node's own (registry.Override), as in air run. With
// faults, a fault-free run of the same seed comes first: every
// start's callbacks must be among the fault-free run's, and the start after healing must give
// all of them. So the fault points that change what a service answers (service.fail) stay off:
// a script's error path is not a fault of the network.
func RunScenario(o Options, sc *scenario.Scenario, realNow func() time.Time) (*Result, error) {
	if sc.Script == "" && sc.Aqua != nil {
		return nil, fmt.Errorf("scenario %s: its script is the Aqua function %s of %s, not compiled yet (internal/aquascenario resolves it)", sc.Name, sc.Aqua.Func, sc.Aqua.File)
	}
	if err := LoadWasm(sc); err != nil {
		return nil, err
	}
	if o.Buggify {
		o.Points = []string{"service.delay", "particle.save"}
	}
	var reference *scenarioReference
	if o.Faults != "none" {
		clean := o
		clean.Faults, clean.KeepEvents = "none", false
		clean, err := Expand(clean)
		if err != nil {
			return nil, err
		}
		w := newScenarioWorkload(sc, nil)
		if _, err := run(clean, w, realNow); err != nil {
			return nil, fmt.Errorf("the fault-free run: %w", err)
		}
		reference = &scenarioReference{callbacks: w.callbacks[w.startID(0)], deterministic: w.startsAgree() && !sc.Racy}
	}
	return run(o, newScenarioWorkload(sc, reference), realNow)
}

// scenarioReference is what the fault-free run found: the callbacks of its first start, and
// whether all its starts called back the same (if not, the scenario depends on timing or on
// %timestamp%, and values cannot be compared).
type scenarioReference struct {
	callbacks     []string
	deterministic bool
}

type scenarioWorkload struct {
	sc        *scenario.Scenario
	reference *scenarioReference // nil in the fault-free run itself
	nodes     []*simNode
	init      *simNode
	hosts     map[string]*scenario.Host // by particle id: each start has its own rule counters
	callbacks map[string][]string       // by particle id: "service.function args", in order
	starts    []string
	live      string
}

func newScenarioWorkload(sc *scenario.Scenario, reference *scenarioReference) *scenarioWorkload {
	return &scenarioWorkload{sc: sc, reference: reference, hosts: map[string]*scenario.Host{}, callbacks: map[string][]string{}}
}

func (w *scenarioWorkload) startID(k int) string { return fmt.Sprintf("%s-%d", w.sc.Particle.ID, k) }

func (w *scenarioWorkload) identities(Options) ([]scenario.Identity, error) {
	ids := make([]scenario.Identity, len(w.sc.Peers))
	for i, name := range w.sc.Peers {
		id, ok := w.sc.Identity(name)
		if !ok {
			return nil, fmt.Errorf("scenario %s: no identity for peer %s", w.sc.Name, name)
		}
		ids[i] = id
	}
	return ids, nil
}

func (w *scenarioWorkload) prepare(s *simulation) {
	w.nodes = s.nodes
	s.wasm = w.sc.Wasm
	for _, n := range s.nodes {
		if n.name == w.sc.Init {
			w.init = n
		}
	}
}

// reserved are the services a node has itself.
var reserved = actors.ReservedServices()

func (w *scenarioWorkload) services(n *simNode) map[string]service.HandlerFunc {
	names := map[string]bool{}
	for _, r := range w.sc.Services {
		if (r.Peer == n.name || r.Peer == "*") && !slices.Contains(reserved, r.Service) {
			names[r.Service] = true
		}
	}
	if n == w.init {
		for _, s := range []string{"getDataSrv", "callbackSrv", "return", "errorHandlingSrv"} {
			names[s] = true
		}
	}
	out := map[string]service.HandlerFunc{}
	for svc := range names {
		out[svc] = w.handler(n, svc)
	}
	return out
}

// overrides are n's rules for services the node serves itself: each takes the functions its
// rules name, and the node's own service keeps the others.
func (w *scenarioWorkload) overrides(n *simNode) []registry.Override {
	fns := map[string][]string{}
	for _, r := range w.sc.Services {
		if (r.Peer == n.name || r.Peer == "*") && slices.Contains(reserved, r.Service) && !slices.Contains(fns[r.Service], r.Function) {
			fns[r.Service] = append(fns[r.Service], r.Function)
		}
	}
	var out []registry.Override
	for _, svc := range slices.Sorted(maps.Keys(fns)) {
		out = append(out, registry.Override{Service: svc, Functions: fns[svc], Handler: w.handler(n, svc)})
	}
	return out
}

// handler answers n's calls to svc as the scenario's host does.
func (w *scenarioWorkload) handler(n *simNode, svc string) service.HandlerFunc {
	return func(c service.CallContext, fn string, args []value.Value) (value.Value, error) {
		if n == w.init && (svc == "callbackSrv" || svc == "return" || svc == "errorHandlingSrv") {
			parts := make([]string, len(args))
			for i, a := range args {
				parts[i] = a.String()
			}
			w.callbacks[c.ParticleID] = append(w.callbacks[c.ParticleID], svc+"."+fn+" "+strings.Join(parts, " "))
			return value.Null(), nil
		}
		h := w.hosts[c.ParticleID]
		if h == nil {
			h = scenario.NewHost(w.sc)
			w.hosts[c.ParticleID] = h
		}
		r, ok, err := h.Answer(n.name, svc, fn, args)
		if err != nil {
			return value.Value{}, err
		}
		if !ok { // a function the scenario does not give this service
			return value.Value{}, service.NotFound(svc, fn)
		}
		v, err := value.Parse([]byte(r.Result), value.Limits{})
		if err != nil {
			return value.Value{}, fmt.Errorf("the scenario's answer to %s.%s is not JSON: %v", svc, fn, err)
		}
		if r.RetCode != 0 {
			return value.Value{}, &service.Failure{RetCode: r.RetCode, Value: v}
		}
		return v, nil
	}
}

func (w *scenarioWorkload) safety(s *simulation, o Options) {
	r := newRand(o.Seed, "workload")
	for k := range max(1, o.Messages) {
		id := w.startID(k)
		w.starts = append(w.starts, id)
		s.startAt(time.Duration(r.Int64N(int64(o.Duration))), w.init, id, w.sc.Script, o.TTL)
	}
}

func (w *scenarioWorkload) liveness(s *simulation, o Options, at time.Duration) time.Duration {
	w.live = w.sc.Particle.ID + "-live"
	s.startAt(at, w.init, w.live, w.sc.Script, o.TTL)
	return 0
}

// startsAgree reports whether every start (the liveness one included) called back the same
// values, in whatever order.
func (w *scenarioWorkload) startsAgree() bool {
	first := w.callbacks[w.starts[0]]
	for _, id := range append(w.starts[1:], w.live) {
		got := w.callbacks[id]
		if len(got) != len(first) || len(notIn(got, first)) > 0 {
			return false
		}
	}
	return true
}

func (w *scenarioWorkload) check(_ *simulation, o Options, checks map[string]Check) {
	all := append(append([]string{}, w.starts...), w.live)
	if w.reference == nil {
		// A perfect network loses nothing: every start calls back as often as the most any did.
		most := 0
		for _, id := range all {
			most = max(most, len(w.callbacks[id]))
		}
		var bad []string
		for _, id := range all {
			if n := len(w.callbacks[id]); n < most {
				bad = append(bad, fmt.Sprintf("%s called back %d times, others %d", id, n, most))
			}
		}
		agree := "the same values every time"
		if !w.startsAgree() {
			agree = "values that differ between starts (the scenario depends on timing)"
		}
		checks["every_start_called_back"] = verdict(bad, fmt.Sprintf("%d starts, %d callbacks each, %s", len(all), most, agree))
		return
	}
	ref := w.reference
	live := w.callbacks[w.live]
	if !ref.deterministic {
		why := "the fault-free run's starts called back different values"
		if w.sc.Racy {
			why = "the scenario is racy: what it calls back depends on the order of arrivals"
		}
		checks["same_as_fault_free"] = Check{Pass: true, Detail: "not compared: " + why}
		if len(live) == len(ref.callbacks) {
			checks["liveness"] = Check{Pass: true}
		} else {
			checks["liveness"] = Check{Detail: fmt.Sprintf("after healing, %s called back %d times; the fault-free run %d", w.live, len(live), len(ref.callbacks))}
		}
		return
	}
	var bad []string
	for _, id := range w.starts {
		if extra := notIn(w.callbacks[id], ref.callbacks); len(extra) > 0 {
			bad = append(bad, fmt.Sprintf("%s called back %q, which the fault-free run did not", id, extra))
		}
	}
	checks["same_as_fault_free"] = verdict(bad, fmt.Sprintf("%d starts against %d fault-free callbacks", len(w.starts), len(ref.callbacks)))
	if len(live) == len(ref.callbacks) && len(notIn(live, ref.callbacks)) == 0 {
		checks["liveness"] = Check{Pass: true}
	} else {
		checks["liveness"] = Check{Detail: fmt.Sprintf("after healing, %s called back %q; the fault-free run %q", w.live, live, ref.callbacks)}
	}
}

// notIn returns the elements of got that the multiset want does not have.
func notIn(got, want []string) []string {
	left := map[string]int{}
	for _, w := range want {
		left[w]++
	}
	var out []string
	for _, g := range got {
		if left[g] == 0 {
			out = append(out, g)
			continue
		}
		left[g]--
	}
	return out
}

func verdict(bad []string, ok string) Check {
	if len(bad) > 0 {
		return Check{Detail: strings.Join(bad, "; ")}
	}
	return Check{Pass: true, Detail: ok}
}
