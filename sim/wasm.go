package sim

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aquanet/aquanet/actors"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/fault"
	"github.com/aquanet/aquanet/internal/rng"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/wasmhost"
)

// How a run gets its Wasm services (a scenario's `wasm:` block): before the workload starts,
// every node that a declaration names sends itself one install particle, signed with its own key
// (so the node's deploy guard lets it, as it lets the node's operator), that does what
// "aquanet service deploy" does: dist.add_module for each module, dist.make_blueprint and
// add_blueprint, srv.create, then srv.add_alias with the declared service id. The modules' bytes
// come from a Go service of the simulator on the node (wasmSource): a script may carry at most
// 1 MB, a Go guest is 2–4 MB. The install runs on the simulation's loop like any particle, so it
// is in the event log and replays; it runs with the fault points held (it is set-up, not
// workload), before any crash, partition or message; and the clock is then moved past the
// install particle's deadline, so that its actor is gone before the run counts each node's
// actors. A run without Wasm services does none of this and replays as it did before.
//
// Each node's Wasm host takes the node's clock (virtual, skewed with the node's skew) and a seed
// derived from the run's seed and the node's name: service ids and the guests' WASI randomness
// follow from the run's seed, and their WASI clocks read virtual time. The services have no
// /storage or /tmp: those would be directories on the OS's disk, outside the simulated disk
// that crashes, with file times from the real clock. Compiled code may be cached on the OS's
// disk (Options.WasmCacheDir); compiling takes real time, which no event records.
//
// NB: a Wasm call runs inside its service actor's turn, on the loop's goroutine, so the
// scheduler sees it as any other turn. wazero starts one goroutine per call (its
// CloseOnContextDone watcher over the host's call time limit), which only waits for the call to
// end; it acts only when a call runs past wasmhost.DefaultCallTimeout of real time, and a run in
// which that happens does not replay (--check-determinism says where).

// wasmSource is the simulator's service on each node of a run with Wasm services: the install
// particle takes the modules' bytes from it and reports to it.
const wasmSource = "aquanet-sim-wasm"

// installTTL is the install particle's TTL. The install takes no virtual time (its calls are
// all the node's own); the clock then moves past the deadline so its particle actor goes.
const installTTL = 10 * time.Second

// LoadWasm reads the module files of sc's Wasm services into them (a module whose Wasm is set
// is kept as it is) and checks that each is a module aquanet runs (wasmhost.Inspect) and that
// each service id can be an alias on a node. RunScenario calls it; a caller may call it first to
// find a bad declaration before any run. Errors name the scenario, the declaration and the file.
func LoadWasm(sc *scenario.Scenario) error {
	reserved := actors.ReservedServices()
	for i := range sc.Wasm {
		w := &sc.Wasm[i]
		if slices.Contains(reserved, w.Service) || w.Service == wasmSource {
			return fmt.Errorf("scenario %s: wasm[%d].service: %q is a service every simulated node has itself", sc.Name, i, w.Service)
		}
		for j := range w.Modules {
			m := &w.Modules[j]
			if m.Wasm == nil {
				b, err := os.ReadFile(m.File)
				if err != nil {
					return fmt.Errorf("scenario %s: wasm[%d].modules[%d]: reading the module: %w", sc.Name, i, j, err)
				}
				m.Wasm = b
			}
			if _, err := wasmhost.Inspect(m.Wasm, wasmhost.DefaultMaxModuleSize); err != nil {
				return fmt.Errorf("scenario %s: wasm[%d].modules[%d]: %s is not a Wasm module aquanet runs: %w", sc.Name, i, j, m.File, err)
			}
		}
	}
	return nil
}

// wasmEnv is n's Wasm environment: its clock (the node sets it) and a seed from the run's.
func (s *simulation) wasmEnv(n *simNode) actors.WasmEnv {
	if len(s.wasm) == 0 {
		return actors.WasmEnv{}
	}
	cfg := wasmhost.NewConfig()
	if s.wasmCache != "" {
		cfg = cfg.WithCompilationCacheDir(s.wasmCache)
	}
	return actors.WasmEnv{Host: &cfg, Seed: rng.Derive(s.seed, "wasm/"+n.name)}
}

// wasmOn returns the indexes of the Wasm services n installs.
func (s *simulation) wasmOn(n *simNode) []int {
	var out []int
	for i, w := range s.wasm {
		if w.Peer == n.name || w.Peer == "*" {
			out = append(out, i)
		}
	}
	return out
}

// installState is how the install particles have done, by node name: how many finished, and
// the first error.
type installState struct {
	done   map[string]int
	failed map[string]string
}

// spawnWasmSource starts the simulator's service on n (on every incarnation, so that each
// has the same actors), if the run has Wasm services.
func (s *simulation) spawnWasmSource(n *simNode) {
	if len(s.wasm) == 0 {
		return
	}
	h := service.HandlerFunc(func(c service.CallContext, fn string, args []value.Value) (value.Value, error) {
		index := func(k int) (int, error) {
			if k >= len(args) {
				return 0, fmt.Errorf("argument %d missing", k)
			}
			f, ok := args[k].Int64()
			if !ok {
				return 0, fmt.Errorf("argument %d is not an integer", k)
			}
			return int(f), nil
		}
		switch fn {
		case "alias", "deps", "name", "module":
			i, err := index(0)
			if err != nil || i < 0 || i >= len(s.wasm) {
				return value.Value{}, fmt.Errorf("no Wasm service %v", args)
			}
			switch fn {
			case "alias":
				return value.String(s.wasm[i].Service), nil
			case "deps": // module ids are those dist.add_module returned: the CIDs of their bytes
				ids := make([]value.Value, len(s.wasm[i].Modules))
				for j, m := range s.wasm[i].Modules {
					ids[j] = value.String(string(wasmhost.IDOf(m.Wasm)))
				}
				return value.Array(ids...), nil
			}
			j, err := index(1)
			if err != nil || j < 0 || j >= len(s.wasm[i].Modules) {
				return value.Value{}, fmt.Errorf("no module %v", args)
			}
			m := s.wasm[i].Modules[j]
			if fn == "name" {
				return value.String(m.Name), nil
			}
			return value.String(base64.StdEncoding.EncodeToString(m.Wasm)), nil
		case "installed":
			alias, _ := args[0].Str()
			id, _ := args[1].Str()
			s.log.add(s.clk.Now(), fmt.Sprintf("wasm service %s on %s is %s", alias, n.name, id))
			return value.Null(), nil
		case "done":
			s.install.done[n.name]++
			return value.Null(), nil
		case "failed":
			if _, ok := s.install.failed[n.name]; !ok {
				msg, _ := args[0].Str()
				s.install.failed[n.name] = fmt.Sprintf("%s: %s", c.ParticleID, msg)
			}
			return value.Null(), nil
		}
		return value.Value{}, service.NotFound(c.Service, fn)
	})
	n.node.SpawnAsync(wasmSource, h, func(err error) {
		if err != nil && s.err == nil {
			s.err = fmt.Errorf("%s: spawning %s: %w", n.name, wasmSource, err)
		}
	})
}

// installWasm installs the run's Wasm services on the nodes (see the top of this file) and
// returns when every install particle has reported and expired: first one particle per module
// and node uploads the module (so that no particle's data holds more than one module, which it
// saves at each step), then one per node makes the services of them.
func (s *simulation) installWasm() error {
	s.hold.held = true
	defer func() { s.hold.held = false }()
	s.install = installState{done: map[string]int{}, failed: map[string]string{}}
	type round struct {
		id     string
		node   *simNode
		script string
	}
	var uploads, services []round
	for _, n := range s.nodes {
		on := s.wasmOn(n)
		if len(on) == 0 {
			continue
		}
		for _, i := range on {
			for j := range s.wasm[i].Modules {
				uploads = append(uploads, round{fmt.Sprintf("wasm-module-%d-%d-%s", i, j, n.name), n, uploadScript(i, j)})
			}
		}
		services = append(services, round{"wasm-services-" + n.name, n, servicesScript(on)})
	}
	want := 0
	for _, rs := range [][]round{uploads, services} {
		for _, r := range rs {
			p, err := signedParticle(r.node.id, nil, r.id, r.script, r.node.clock.Now(), installTTL)
			if err != nil {
				return err
			}
			s.log.add(s.clk.Now(), "install "+r.id)
			r.node.node.Deliver(r.node.node.PeerID(), p)
		}
		s.loop.Run(1 << 30)
		if s.err != nil {
			return s.err
		}
		var bad []string
		for _, n := range s.nodes {
			if msg, ok := s.install.failed[n.name]; ok {
				bad = append(bad, fmt.Sprintf("on %s: %s", n.name, msg))
			}
		}
		if want += len(rs); len(bad) == 0 && s.installed() != want {
			bad = append(bad, fmt.Sprintf(": %d of %d install particles finished", s.installed(), want))
		}
		if len(bad) > 0 {
			return errors.New("installing the Wasm services " + strings.Join(bad, "; "))
		}
	}
	// Past the install particles' deadlines: their actors go, with whatever timers they set.
	until := s.clk.Now().Add(installTTL + time.Second)
	for {
		next, ok := s.clk.Next()
		if !ok || next.After(until) {
			break
		}
		s.log.add(next, "clock")
		s.clk.AdvanceTo(next)
		s.loop.Run(1 << 30)
	}
	s.clk.AdvanceTo(until)
	s.loop.Run(1 << 30)
	return s.err
}

func (s *simulation) installed() int {
	total := 0
	for _, n := range s.install.done {
		total += n
	}
	return total
}

// srcCall is a call to the simulator's service on the node the particle runs on.
func srcCall(fn, args, out string) string {
	return fmt.Sprintf(`(call %%init_peer_id%% (%q %q) [%s] %s)`, wasmSource, fn, args, out)
}

// nodeCall is a call to one of the node's own services.
func nodeCall(svc, fn, args, out string) string {
	return fmt.Sprintf(`(call %%init_peer_id%% (%q %q) [%s] %s)`, svc, fn, args, out)
}

// uploadScript is the AIR that adds module j of Wasm service i to the node it runs on. Names
// come from the simulator's service rather than as literals: AIR strings have no escapes.
func uploadScript(i, j int) string {
	ij := fmt.Sprintf("%d %d", i, j)
	return installing(
		srcCall("name", ij, "name"),
		nodeCall("dist", "default_module_config", "name", "config"),
		srcCall("module", ij, "wasm"),
		nodeCall("dist", "add_module", "wasm config", "id"),
		srcCall("done", "", ""))
}

// servicesScript is the AIR that makes the Wasm services at indexes of modules already added,
// on the node it runs on, and reports each service's id.
func servicesScript(indexes []int) string {
	var steps []string
	for _, i := range indexes {
		k := fmt.Sprint(i)
		steps = append(steps,
			srcCall("alias", k, "alias_"+k),
			srcCall("deps", k, "deps_"+k),
			nodeCall("dist", "make_blueprint", fmt.Sprintf("alias_%s deps_%s", k, k), "bp_"+k),
			nodeCall("dist", "add_blueprint", "bp_"+k, "bpid_"+k),
			nodeCall("srv", "create", "bpid_"+k, "sid_"+k),
			nodeCall("srv", "add_alias", fmt.Sprintf("alias_%s sid_%s", k, k), ""),
			srcCall("installed", fmt.Sprintf("alias_%s sid_%s", k, k), ""))
	}
	return installing(append(steps, srcCall("done", "", ""))...)
}

// installing is steps in sequence, the first error reported to the simulator's service.
func installing(steps ...string) string {
	script := steps[len(steps)-1]
	for i := len(steps) - 2; i >= 0; i-- {
		script = "(seq " + steps[i] + " " + script + ")"
	}
	return fmt.Sprintf("(xor %s %s)", script, srcCall("failed", "%last_error%.$.message", ""))
}

// holdable is the run's fault points, which the install holds off.
type holdable struct {
	fault.Points
	held bool
}

func (h *holdable) Fire(point string) bool { return !h.held && h.Points.Fire(point) }
