package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/aquanet/aquanet/internal/wasmguest"
	"github.com/aquanet/aquanet/sim"
)

func TestSimJSONAndDeterminism(t *testing.T) {
	code, out, errOut := aquanet(t, "", "sim", "--seeds", "4..6", "--faults", "net", "--duration", "1m", "--check-determinism", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines for 3 seeds and the summary:\n%s", len(lines), out)
	}
	hashes := map[string]bool{}
	var events int
	for i, l := range lines[:3] {
		var r struct {
			Seed           uint64                         `json:"seed"`
			Options        map[string]any                 `json:"options"`
			Hash           string                         `json:"hash"`
			Events         int                            `json:"events"`
			VirtualSeconds float64                        `json:"virtual_seconds"`
			RealSeconds    float64                        `json:"real_seconds"`
			Checks         map[string]struct{ Pass bool } `json:"checks"`
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if r.Seed != uint64(4+i) || r.Options["faults"] != "net" || r.Hash == "" || r.Events == 0 || r.VirtualSeconds < 60 {
			t.Errorf("line %d: %+v", i, r)
		}
		for _, name := range []string{"determinism", "delivered_at_most_once", "no_actor_failures", "no_leaks"} {
			if c, ok := r.Checks[name]; !ok || !c.Pass {
				t.Errorf("seed %d: check %s: %+v (present %v)", r.Seed, name, c, ok)
			}
		}
		hashes[r.Hash] = true
		events += r.Events
	}
	if len(hashes) != 3 {
		t.Errorf("three seeds, %d distinct hashes", len(hashes))
	}
	var sum struct {
		Summary *struct {
			Seeds, Runs, Passed, Failed, Errors, Events int
			VirtualSeconds                              float64 `json:"virtual_seconds"`
			RealSeconds                                 float64 `json:"real_seconds"`
		} `json:"summary"`
	}
	if err := json.Unmarshal([]byte(lines[3]), &sum); err != nil || sum.Summary == nil {
		t.Fatalf("the last line is no summary (%v): %s", err, lines[3])
	}
	if s := *sum.Summary; s.Seeds != 3 || s.Runs != 3 || s.Passed != 3 || s.Failed != 0 || s.Errors != 0 || s.Events != events ||
		s.VirtualSeconds < 180 || s.RealSeconds <= 0 {
		t.Errorf("summary %+v, want 3 seeds passed with %d events", s, events)
	}
}

// A swarm's text ends with its totals; each run names the faults its seed drew.
func TestSimTextSummaryAndFaults(t *testing.T) {
	code, out, errOut := aquanet(t, "", "sim", "--seeds", "1..2", "--faults", "all", "--duration", "1m")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"\n  crashes: ", "\n  partitions: ", "\n  clock skews: n0 ", "\n  fault points: on, "} {
		if strings.Count(out, want) != 2 {
			t.Errorf("not one %q per seed:\n%s", want, out)
		}
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if last := lines[len(lines)-1]; !regexp.MustCompile(`^total: 2 seeds, 2 passed, 0 failed; \S+ virtual in [0-9.]+ real s; [1-9]\d* events$`).MatchString(last) {
		t.Errorf("the last line is no total: %q", last)
	}
	code, out, _ = aquanet(t, "", "sim", "--seed", "1", "--faults", "none", "--duration", "10s")
	if code != 0 || strings.Contains(out, "total:") || strings.Contains(out, "crashes:") {
		t.Errorf("one fault-free seed: exit %d, a total or faults in\n%s", code, out)
	}
}

// --cpuprofile and --memprofile write profiles pprof reads (gzipped protocol buffers, whose
// string table names their sample types, and the heap profile's the functions that
// allocated); a profile that cannot be written fails the command. A run this short may end
// before the CPU profiler's first sample (one each 10 ms), so the CPU profile is known by its
// sample type alone.
func TestSimProfiles(t *testing.T) {
	dir := t.TempDir()
	cpu, mem := filepath.Join(dir, "cpu.prof"), filepath.Join(dir, "mem.prof")
	code, _, errOut := aquanet(t, "", "sim", "--seed", "1", "--duration", "10s", "--cpuprofile", cpu, "--memprofile", mem)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for f, want := range map[string][]string{cpu: {"cpu", "nanoseconds"}, mem: {"alloc_space", "runtime."}} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		p, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, w := range want {
			if !bytes.Contains(p, []byte(w)) {
				t.Errorf("%s: no %q in its %d bytes", f, w, len(p))
			}
		}
	}
	code, _, errOut = aquanet(t, "", "sim", "--seed", "1", "--duration", "10s", "--memprofile", filepath.Join(dir, "none", "mem.prof"))
	if code != 1 || !strings.Contains(errOut, "--memprofile") {
		t.Errorf("a heap profile in a missing directory: exit %d, %q", code, errOut)
	}
}

func TestSimRefusesBadOptions(t *testing.T) {
	for args, want := range map[string]string{
		"--nodes 3":                                 "at least 4",
		"--nodes 3 --seeds 1..3 --json":             "at least 4",
		"--nodes 0":                                 "nodes 0",
		"--faults fire":                             `faults "fire"`,
		"--seeds 5..2":                              "A <= B",
		"--seeds 5":                                 "A..B",
		"--workload nope.yaml":                      "nope.yaml",
		"--workload dht --workload x.yaml":          "--workload dht runs alone",
		"--workload ledger --workload x.yaml":       "--workload ledger runs alone",
		"--workload dht --nodes 3":                  "at least 4",
		"--duration -1s":                            "--duration -1s",
		"--duration 0s":                             "--duration 0s",
		"--messages -3":                             "--messages -3",
		"--room -1":                                 "--room -1",
		"--workload ledger --nodes 3 --followers 3": "--followers 3",
		"--followers 1":                             "for --workload ledger alone",
		"--followers -1":                            "--followers -1",
		"--perimeter --workload dht":                "--perimeter is for --workload messenger alone",
		"--perimeter --workload ledger":             "--perimeter is for --workload messenger alone",
		"--perimeter --workload x.yaml":             "--perimeter is for --workload messenger alone",
		"--seed -1":                                 "--seed",
		"extra":                                     "no arguments",
	} {
		code, out, errOut := aquanet(t, "", append([]string{"sim"}, strings.Fields(args)...)...)
		if code != 1 || !strings.HasPrefix(errOut, "aquanet: ") || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, want) || out != "" {
			t.Errorf("sim %s: exit %d, stdout %q, stderr %q; want exit 1 and one line \"aquanet: ...\" saying %q", args, code, out, errOut, want)
		}
	}
}

// The messenger under a perimeter from the command line: its two checks are there and pass, with
// faults and twice per seed; the options say so.
func TestSimPerimeter(t *testing.T) {
	code, out, errOut := aquanet(t, "", "sim", "--perimeter", "--nodes", "6", "--seeds", "1..2", "--faults", "all", "--duration", "2m", "--check-determinism")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	for _, want := range []string{"messages, under a perimeter, faults all", "pass perimeter_held: ", "pass perimeter_refused: ", "pass determinism"} {
		if strings.Count(out, want) != 2 {
			t.Errorf("not one %q per seed:\n%s", want, out)
		}
	}
}

// The DHT workload from the command line: its checks pass and the summary reports the lookups.
func TestSimDHTWorkload(t *testing.T) {
	code, out, errOut := aquanet(t, "", "sim", "--workload", "dht", "--nodes", "20", "--faults", "partition", "--seed", "3", "--duration", "2m")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	for _, want := range []string{"pass providers_converge", "pass liveness", "DHT: ", "(log2 of 20 nodes: 4.3)"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output has no %q:\n%s", want, out)
		}
	}
}

// The ledger workload from the command line: three validators under faults, every check passes.
func TestSimLedgerWorkload(t *testing.T) {
	code, out, errOut := aquanet(t, "", "sim", "--workload", "ledger", "--nodes", "3", "--faults", "all", "--seed", "4", "--duration", "2m", "--messages", "40")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	for _, want := range []string{"pass committed_prefix_agrees", "pass value_conserved", "pass acknowledged_kept", "pass liveness", "pass linearizable"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output has no %q:\n%s", want, out)
		}
	}
}

func TestSimScenarioWorkload(t *testing.T) {
	code, out, errOut := aquanet(t, "", "sim", "--workload", "../../interpreter/testdata/scenarios/messenger-member.yaml",
		"--faults", "net", "--seed", "2", "--duration", "30s", "--messages", "3", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r struct {
		Options struct{ Nodes int } `json:"options"`
		Checks  map[string]struct {
			Pass   bool
			Detail string
		} `json:"checks"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if c := r.Checks["same_as_fault_free"]; !c.Pass || r.Options.Nodes < 2 || !r.Checks["liveness"].Pass {
		t.Fatalf("result %s", out)
	}
}

// --check-determinism on two runs that differ (the second run, through the runner, sends one
// more message) fails the seed and names the first event where the runs diverge, found here by
// comparing the two runs' events one by one.
func TestSimCheckDeterminismReportsDivergence(t *testing.T) {
	o, err := sim.Expand(sim.Options{Seed: 7, Nodes: 4, Duration: time.Minute, Faults: "net", Messages: 4})
	if err != nil {
		t.Fatal(err)
	}
	var runs []*sim.Result
	runner := func(o sim.Options, now func() time.Time) (*sim.Result, error) {
		if len(runs) == 1 {
			o.Messages++
		}
		r, err := sim.Run(o, now)
		runs = append(runs, r)
		return r, err
	}
	var out, errOut bytes.Buffer
	c := &cobra.Command{}
	c.SetOut(&out)
	c.SetErr(&errOut)
	var sum swarmSummary
	if err := simOne(c, o, true, true, "", "messenger", runner, &sum, nil); !errors.Is(err, errExit1) {
		t.Fatalf("simOne = %v, want exit 1; stderr: %s", err, errOut.String())
	}
	if len(runs) != 2 {
		t.Fatalf("%d runs, want 2", len(runs))
	}
	a, b := runs[0].Log, runs[1].Log
	first := -1
	for i := range max(a.Len(), b.Len()) {
		if a.Event(i) != b.Event(i) {
			first = i
			break
		}
	}
	if first < 0 {
		t.Fatal("the two runs did not differ: the test's premise failed")
	}
	var res struct {
		Checks map[string]struct {
			Pass   bool
			Detail string
		} `json:"checks"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	ea, eb := a.Event(first), b.Event(first)
	want := fmt.Sprintf("the runs diverge at event %d: %q (at %v) vs %q (at %v)", first, ea.What, ea.At, eb.What, eb.At)
	if det := res.Checks["determinism"]; det.Pass || det.Detail != want {
		t.Errorf("determinism check %+v\nwant failed with %q", det, want)
	}
	if !strings.Contains(errOut.String(), "seed 7 failed") || !strings.Contains(errOut.String(), "--check-determinism") {
		t.Errorf("stderr does not give the failing seed's replay: %s", errOut.String())
	}
}

// wasmWorkload is sim/testdata/wasm-entropy.yaml beside the module it names, the test guest
// built here, in a directory of their own.
func wasmWorkload(t *testing.T) (dir, file string) {
	t.Helper()
	dir = t.TempDir()
	yaml, err := os.ReadFile("../../sim/testdata/wasm-entropy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	file = filepath.Join(dir, "wasm-entropy.yaml")
	if err := os.WriteFile(file, yaml, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "guest.wasm"), wasmguest.Require(t, "guest"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, file
}

// A Wasm service in aquanet sim, from a .wasm file the scenario names: --check-determinism
// passes with faults (a seed's runs, the fault-free one first, each twice) and every check
// holds.
func TestSimWasmWorkloadIsDeterministic(t *testing.T) {
	_, file := wasmWorkload(t)
	code, out, errOut := aquanet(t, "", "sim", "--workload", file, "--faults", "all", "--seed", "3", "--duration", "20s",
		"--messages", "2", "--check-determinism", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	var r struct {
		Checks map[string]struct {
			Pass   bool
			Detail string
		} `json:"checks"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, name := range []string{"determinism", "liveness", "same_as_fault_free", "no_actor_failures", "no_leaks"} {
		if c, ok := r.Checks[name]; !ok || !c.Pass {
			t.Errorf("check %s: %+v (present %v)", name, c, ok)
		}
	}
}

// A declaration of a module that is missing, or not a module, is refused before any run, in
// one line naming the workload, the declaration and the file.
func TestSimWasmBadModule(t *testing.T) {
	dir, file := wasmWorkload(t)
	if err := os.Remove(filepath.Join(dir, "guest.wasm")); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := aquanet(t, "", "sim", "--workload", file)
	if code != 1 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "wasm[0].modules[0]") || !strings.Contains(errOut, filepath.Join(dir, "guest.wasm")) {
		t.Errorf("a missing module: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if err := os.WriteFile(filepath.Join(dir, "guest.wasm"), []byte("not wasm"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = aquanet(t, "", "sim", "--workload", file)
	if code != 1 || out != "" || !strings.Contains(errOut, "wasm[0].modules[0]: "+filepath.Join(dir, "guest.wasm")+" is not a Wasm module") {
		t.Errorf("not a module: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
