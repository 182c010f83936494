package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/sim"
)

const simLong = `Runs aquanet nodes in one process, deterministically: the real node code on one seeded
scheduler and a virtual clock, joined by a simulated network. The workload is the paper's
messenger (node 0 is the relay, the last node is not a member, the others are; each message is
sent by a seeded node at a seeded time), the DHT (--workload dht: one key per 50 nodes, each
provided by 3 seeded nodes at seeded times, --messages reads of them from seeded nodes; after
healing, every key is read again until the reads find all its providers, and each of the 20
nodes closest to a key must keep them all: the provider lists converged), the ledger (--workload
ledger: every node a validator but the last --followers, which follow it; 8 clients' transfers
through seeded validators; every node must end on the same height and app hash, with the balances' total conserved, every transfer
acknowledged as applied kept, the transfers after healing applied, and the history of transfers
and linearizable reads linearizable, checked with porcupine), or scenario files of "aquanet air run" (--workload
FILE: its peers are the nodes, its particle starts --messages times from its init peer; the
nodes answer its service rules, getDataSrv, callbackSrv and errorHandlingSrv, and everything
else with their own builtins, peer.* on their virtual clocks, as air run does (a scenario with
a rule for a builtin is refused: real nodes cannot follow it); with faults, the callbacks must
be those of the same seed's fault-free run). The seed decides everything: the same seed and
flags give the same run, event for event, and the event log's hash says so.

A scenario may declare Wasm services (wasm: [{peer: NAME or "*", service: ALIAS, modules:
[FILE.wasm ...]}], files relative to the scenario, in link order, the facade last). Before the
run each node named deploys them as its own operator would (dist.add_module, add_blueprint,
srv.create, srv.add_alias ALIAS); the script calls ALIAS like any service. Their WASI clock is
the node's virtual one and their randomness comes from the seed, so they replay too; they have
no /storage or /tmp. A missing file or one that is no module is refused before any run.

The run has two phases: for --duration, messages go out under the faults; then every fault
heals (crashed nodes restart) and each member sends one more message, which must get through.
Fault classes, each rate drawn by the seed:
  none       a perfect network
  net        loss (0-30%), duplication (0-50%), delays up to 0.5 s (reordering)
  partition  1-5 splits of 1-30 s (symmetric or one-way) and swizzle-clogs
  crash      1-3 nodes killed and restarted 1-30 s later from their disks, which keep what
             was synced and a seeded share of the rest
  all        every one of them, each node's clock skewed by up to 10 s, and the fault points
             in the node code (a service call failed or its answer held back, particle
             data not saved)
Checks: no actor failed; no member got a message twice; without faults, every message reached
every other member and its sender heard so; after healing, every new message gets through
(liveness); after every deadline no particle or actor is left on any node.

--perimeter runs the messenger under the security perimeter of an application "chat" whose
developer's key the seed draws: the relay's history and every member's chat are in it (policy
perimeter), the relay is its one peer, and every member's particles carry the developer's
certificate for it. At a seeded time the developer revokes one member's certificate (every node
learns it at once, as from the ledger), and about one member message in five is forged: its text
is loaded from the non-member, outside the perimeter. Two more checks: perimeter_held (no service
under the perimeter ran a call whose initiator or argument came from outside it, judged apart
from the nodes' guard) and perimeter_refused (every forgery and every message of the revoked
member after its revocation reached no member and its sender heard nothing but the error; without
faults or after healing each was refused where and why it must be: a forgery by the relay's
history (foreign-argument), whose error the forger's chat then hears, a revoked message by the
history and by the sender's own chat, which is in the perimeter too (revoked); no other message
was refused).

Each run prints its options, the faults the seed drew (crashes and restarts, partitions,
swizzle-clogs, clock skews, the fault points that fired) and the checks' verdicts; with
--json, one object per run instead.

--check-determinism runs each seed twice and fails, naming the first event where the runs
diverge, if their logs differ. --seeds A..B runs every seed from A to B (swarm mode) and stops
at the first failure, then prints the totals in one line ("total: ..."), or with --json in one
last object:
  {"summary": {"seeds": N, "runs": N, "passed": N, "failed": N, "errors": N,
               "virtual_seconds": S, "real_seconds": S, "events": N}}
(runs: a seed runs each --workload file; errors: runs that could not run to their end). A
failure prints the seed, what it expanded to, and the command that replays it.

Unless GOGC is set, the command collects garbage at GOGC=50, not Go's 100: a run's heap is
mostly its nodes' lasting state, and a collection at half again of it rather than twice keeps
a fifth less memory for a few percent more time; but it lets the heap grow by at least
256 MB between collections, which only runs of a few hundred nodes and fewer reach.`

func newSimCmd() *cobra.Command {
	var o sim.Options
	var seeds, report string
	var workloads []string
	var check, asJSON bool
	var profiles simProfiles
	cmd := &cobra.Command{
		Use:   "sim [--seed N | --seeds A..B] [--nodes N] [--duration 10m] [--faults none|net|partition|crash|all] [--workload messenger|dht|ledger|FILE...] [--perimeter] [--check-determinism] [--report out.html] [--json] [--cpuprofile FILE] [--memprofile FILE]",
		Short: "Simulate a network of nodes, deterministically, with faults",
		Long:  simLong,
		Args:  usageArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) (err error) {
			if err := refuseNegative(o); err != nil {
				return err
			}
			if o.Followers > 0 && !slices.Equal(workloads, []string{"ledger"}) {
				return errors.New("--followers is for --workload ledger alone")
			}
			if o.Perimeter && !slices.Equal(workloads, []string{"messenger"}) {
				return errors.New("--perimeter is for --workload messenger alone")
			}
			var scenarios []*scenario.Scenario // nil: a built-in workload
			builtIn := sim.Run
			for _, w := range workloads {
				if w == "messenger" || w == "dht" || w == "ledger" {
					if len(workloads) > 1 {
						return fmt.Errorf("--workload %s runs alone, not with scenario files", w)
					}
					switch w {
					case "dht":
						builtIn = sim.RunDHT
					case "ledger":
						builtIn = sim.RunLedger
					}
					break
				}
				sc, err := scenario.ParseFile(w)
				if err != nil {
					return fmt.Errorf("--workload: %w", err)
				}
				if err := resolveAqua(c, sc, w); err != nil {
					return fmt.Errorf("--workload: %w", err)
				}
				if err := sim.LoadWasm(sc); err != nil {
					return fmt.Errorf("--workload %s: %w", w, err)
				}
				if len(sc.Wasm) > 0 && o.WasmCacheDir == "" {
					// Every node of every run compiles the same modules: once is enough.
					dir, err := os.MkdirTemp("", "aquanet-sim-wasm-")
					if err != nil {
						return err
					}
					defer os.RemoveAll(dir)
					o.WasmCacheDir = dir
				}
				scenarios = append(scenarios, sc)
			}
			var gc *simGC // nil: GOGC is set, and is left alone
			if os.Getenv("GOGC") == "" {
				var restore func()
				gc, restore = newSimGC()
				defer restore()
			}
			stopCPU, err := profiles.startCPU()
			if err != nil {
				return err
			}
			defer func() { err = errors.Join(err, stopCPU(), profiles.err) }()
			o.Ended = profiles.ended()
			from, to := o.Seed, o.Seed
			if seeds != "" {
				var err error
				if from, to, err = seedRange(seeds); err != nil {
					return err
				}
			}
			// A swarm ends with its totals, whether it ran through or stopped at a failure.
			var sum swarmSummary
			if seeds != "" {
				began := time.Now()
				defer func() { sum.RealSeconds = time.Since(began).Seconds(); sum.print(c.OutOrStdout(), asJSON) }()
			}
			for seed := from; ; seed++ {
				opts := o
				opts.Seed = seed
				sum.Seeds++
				if scenarios == nil {
					if err := simOne(c, opts, check, asJSON, report, workloads[0], builtIn, &sum, gc); err != nil {
						return err
					}
				}
				for i, sc := range scenarios {
					opts.Nodes = len(sc.Peers)
					runSc := func(o sim.Options, now func() time.Time) (*sim.Result, error) { return sim.RunScenario(o, sc, now) }
					if err := simOne(c, opts, check, asJSON, report, workloads[i], runSc, &sum, gc); err != nil {
						return err
					}
				}
				if seed == to {
					return nil
				}
			}
		},
	}
	f := cmd.Flags()
	f.Uint64Var(&o.Seed, "seed", 1, "the seed: it decides the faults, the workload and the schedule")
	f.StringVar(&seeds, "seeds", "", "A..B: run every seed from A to B, stopping at the first failure")
	f.IntVar(&o.Nodes, "nodes", 5, "how many nodes (the messenger needs at least 4; the ledger makes each one a validator but the --followers)")
	f.DurationVar(&o.Duration, "duration", 10*time.Minute, "virtual time in which the messages are sent")
	f.StringVar(&o.Faults, "faults", "none", "none, net, partition, crash or all")
	f.StringArrayVar(&workloads, "workload", []string{"messenger"}, `"messenger", "dht", "ledger", or a scenario file of "aquanet air run" (repeatable); a scenario's peers are the nodes`)
	f.IntVar(&o.Messages, "messages", 0, "how many messages (default twice the nodes)")
	f.IntVar(&o.Room, "room", 0, "the messenger's members per chat room (default: one room of all members)")
	f.IntVar(&o.Followers, "followers", 0, "ledger: how many of the nodes (the last) follow the ledger instead of validating it")
	f.BoolVar(&o.Perimeter, "perimeter", false, "messenger: run the chat under a security perimeter, with a revoked member and forged messages, and check that no service under it ran a call from outside")
	f.BoolVar(&check, "check-determinism", false, "run each seed twice and compare the event logs")
	f.BoolVar(&asJSON, "json", false, "print each run's result as one JSON object, and a swarm's totals as a last one")
	f.StringVar(&report, "report", "", "write an HTML report of the run (the last seed's, with --seeds) to this file")
	f.StringVar(&profiles.cpu, "cpuprofile", "", "write a CPU profile of the whole command to this file (go tool pprof reads it)")
	f.StringVar(&profiles.mem, "memprofile", "", "write a heap profile to this file once the run (the last, with --seeds) has ended, while its nodes are still up: what they hold (go tool pprof -sample_index=inuse_space)")
	return cmd
}

// seedRange parses A..B.
func seedRange(s string) (from, to uint64, err error) {
	a, b, ok := strings.Cut(s, "..")
	from, err1 := strconv.ParseUint(a, 10, 64)
	to, err2 := strconv.ParseUint(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || to < from || to-from >= 1_000_000 {
		return 0, 0, fmt.Errorf("--seeds %q: want A..B with A <= B, at most a million seeds", s)
	}
	return from, to, nil
}

// refuseNegative refuses the options that sim.Expand would quietly take for "the default".
func refuseNegative(o sim.Options) error {
	switch {
	case o.Duration <= 0:
		return fmt.Errorf("--duration %v: want a positive duration", o.Duration)
	case o.Messages < 0:
		return fmt.Errorf("--messages %d: want 0 (twice the nodes) or more", o.Messages)
	case o.Room < 0:
		return fmt.Errorf("--room %d: want 0 (one room of all members) or more", o.Room)
	case o.Followers < 0 || o.Followers > 0 && o.Followers >= o.Nodes:
		return fmt.Errorf("--followers %d: want 0 or more, fewer than --nodes (%d): at least one node validates", o.Followers, o.Nodes)
	}
	return nil
}

// simOne runs one seed (twice with check), prints its result and adds it to sum; a failed
// check is an error. gc, if not nil, adjusts the collector as the run goes.
func simOne(c *cobra.Command, o sim.Options, check, asJSON bool, report, workload string, runner func(sim.Options, func() time.Time) (*sim.Result, error), sum *swarmSummary, gc *simGC) error {
	o, err := sim.Expand(o)
	if err != nil {
		return err
	}
	o.KeepEvents, o.KeepHops = check, report != ""
	var show func(done, total time.Duration)
	if isTerminal(c.ErrOrStderr()) {
		errw := c.ErrOrStderr()
		show = func(done, total time.Duration) {
			fprintf(errw, "\r  seed %d: %3.0f%% of %v virtual", o.Seed, 100*done.Seconds()/total.Seconds(), total.Round(time.Second))
		}
		defer fprintf(errw, "\r\033[K")
	}
	if show != nil || gc != nil {
		o.Progress = func(done, total time.Duration) {
			gc.adjust()
			if show != nil {
				show(done, total)
			}
		}
	}
	res, err := runner(o, time.Now)
	if err != nil {
		sum.Errors++
		return fmt.Errorf("seed %d: %w", o.Seed, err)
	}
	if check {
		again, err := runner(o, time.Now)
		if err != nil {
			sum.Errors++
			return fmt.Errorf("seed %d, second run: %w", o.Seed, err)
		}
		det := sim.Check{Pass: true, Detail: "two runs, hash " + again.Hash}
		if i, diverged := sim.Diverge(res.Log, again.Log); diverged {
			a, b := res.Log.Event(i), again.Log.Event(i)
			det = sim.Check{Detail: fmt.Sprintf("the runs diverge at event %d: %q (at %v) vs %q (at %v)", i, a.What, a.At, b.What, b.At)}
		}
		res.Checks["determinism"] = det
	}
	if report != "" {
		if err := writeSimReport(report, res); err != nil {
			return err
		}
	}
	sum.add(res)
	out := c.OutOrStdout()
	if asJSON {
		b, _ := json.Marshal(res)
		fprintf(out, "%s\n", b)
	} else {
		printSimResult(out, res)
	}
	if !res.Passed() {
		replay := fmt.Sprintf("aquanet sim --seed %d --nodes %d --duration %v --faults %s --messages %d --room %d --workload %s", o.Seed, o.Nodes, o.Duration, o.Faults, o.Messages, o.Room, workload)
		if o.Followers > 0 {
			replay += fmt.Sprintf(" --followers %d", o.Followers)
		}
		if o.Perimeter {
			replay += " --perimeter"
		}
		if check {
			replay += " --check-determinism"
		}
		expanded, _ := json.Marshal(o)
		fprintf(c.ErrOrStderr(), "seed %d failed; it expanded to: %s\nreplay: %s\n", o.Seed, expanded, replay)
		return errExit1
	}
	return nil
}
