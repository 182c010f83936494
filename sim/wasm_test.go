package sim

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/internal/wasmguest"
)

// wasmScenario is testdata/wasm-entropy.yaml in a directory of its own beside the test guest
// it names, built here.
func wasmScenario(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "guest.wasm"), wasmguest.Require(t, "guest"), 0o644); err != nil {
		t.Fatal(err)
	}
	yaml, err := os.ReadFile("testdata/wasm-entropy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "wasm-entropy.yaml")
	if err := os.WriteFile(file, yaml, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func wasmCache(t *testing.T) string {
	t.Helper()
	dir, err := wasmguest.CompilationCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// entropyRun runs the scenario of file with seed, without faults, and returns the result and
// what each start called back.
func entropyRun(t *testing.T, file string, seed uint64) (*Result, [][]string) {
	t.Helper()
	sc, err := scenario.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	r, callbacks, err := ScenarioCallbacks(wasmOptions(t, seed, len(sc.Peers), "none"), sc, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	passed(t, r)
	return r, callbacks
}

func wasmOptions(t *testing.T, seed uint64, nodes int, faults string) Options {
	t.Helper()
	o, err := Expand(Options{Seed: seed, Nodes: nodes, Duration: 20 * time.Second, Faults: faults, Messages: 2,
		KeepEvents: true, WasmCacheDir: wasmCache(t)})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func passed(t *testing.T, r *Result) {
	t.Helper()
	for name, c := range r.Checks {
		if !c.Pass {
			t.Errorf("seed %d, faults %s: check %s failed: %s", r.Seed, r.Options.Faults, name, c.Detail)
		}
	}
}

func sameRun(t *testing.T, a, b *Result) {
	t.Helper()
	if i, diverged := Diverge(a.Log, b.Log); diverged {
		t.Fatalf("faults %s: runs diverge at event %d: %q vs %q", a.Options.Faults, i, a.Log.Event(i).What, b.Log.Event(i).What)
	}
	if a.Hash != b.Hash {
		t.Fatalf("faults %s: same events, different hashes", a.Options.Faults)
	}
}

// entropy is one callback's two readings of the guests' clocks (ms) and randomness.
type entropy struct {
	NowMS  int64  `json:"now_ms"`
	Random string `json:"random"`
}

func readings(t *testing.T, callbacks [][]string) []entropy {
	t.Helper()
	var out []entropy
	for _, start := range callbacks {
		if len(start) != 1 {
			t.Fatalf("a start called back %q, want one callbackSrv.response", start)
		}
		args, ok := strings.CutPrefix(start[0], "callbackSrv.response ")
		if !ok {
			t.Fatalf("callback %q", start[0])
		}
		var pair [2]entropy
		if err := json.Unmarshal([]byte("["+strings.Replace(args, "} {", "},{", 1)+"]"), &pair); err != nil {
			t.Fatalf("callback %q: %v", start[0], err)
		}
		out = append(out, pair[:]...)
	}
	return out
}

// A Wasm service in the simulator replays bit for bit: the test guest's entropy (its WASI clock
// and randomness) called on two nodes gives the same event log and the same values for the
// same seed; its clock is the virtual one (2023's, not the machine's); and another seed draws
// other random values, so the run's seed reaches the guests.
func TestWasmServiceReplaysInTheSimulator(t *testing.T) {
	file := wasmScenario(t)
	a, ca := entropyRun(t, file, 11)
	b, cb := entropyRun(t, file, 11)
	sameRun(t, a, b)
	ra, rb := readings(t, ca), readings(t, cb)
	if len(ra) != 2*len(ca) || len(ra) != len(rb) {
		t.Fatalf("%d and %d readings", len(ra), len(rb))
	}
	start := time.UnixMilli(1_700_000_000_000)
	for i := range ra {
		if ra[i] != rb[i] {
			t.Errorf("reading %d is %+v, then %+v", i, ra[i], rb[i])
		}
		if at := time.UnixMilli(ra[i].NowMS); at.Before(start) || at.After(start.Add(time.Hour)) {
			t.Errorf("the guest read %v, not the run's virtual time", at)
		}
		if len(ra[i].Random) != 16 {
			t.Errorf("reading %d: random %q", i, ra[i].Random)
		}
	}
	_, cc := entropyRun(t, file, 12)
	if rc := readings(t, cc); rc[0].Random == ra[0].Random {
		t.Errorf("seeds 11 and 12 gave the guest the same randomness: %+v, %+v", ra, rc)
	}
}

// Under every fault at once (crashes restart nodes, which bring their Wasm services back from
// their disks; clocks skewed; fault points in the node code) the checks hold and a seed
// replays.
func TestWasmServiceUnderFaults(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("four runs with Wasm services: 5 s, a minute or more under the race detector")
	}
	file := wasmScenario(t)
	var runs []*Result
	for range 2 {
		sc, err := scenario.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		r, err := RunScenario(wasmOptions(t, 4, len(sc.Peers), "all"), sc, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		passed(t, r)
		runs = append(runs, r)
	}
	sameRun(t, runs[0], runs[1])
	if crashes := runs[0].Options.Crashes; len(crashes) == 0 {
		t.Errorf("seed 4 of faults all crashed no node: the test's premise failed")
	}
}

// The install is in the event log: each node names the service id it made.
func TestWasmInstallIsLogged(t *testing.T) {
	r, _ := entropyRun(t, wasmScenario(t), 3)
	var installed []string
	for i := range r.Events {
		if e := r.Log.Event(i); strings.HasPrefix(e.What, "wasm service guest on ") {
			installed = append(installed, e.What)
		}
	}
	if len(installed) != 3 {
		t.Fatalf("%d nodes logged their Wasm service, want 3: %q", len(installed), installed)
	}
}

// A bad declaration fails before the run, naming the declaration and the file: a module that
// is missing, one that is no Wasm, a service id every node has itself.
func TestWasmBadDeclarations(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "text.wasm"), []byte("(module)"), 0o644); err != nil {
		t.Fatal(err)
	}
	for decl, want := range map[string][]string{
		`{peer: "*", service: guest, modules: [missing.wasm]}`: {"wasm[0].modules[0]", "missing.wasm", "no such file"},
		`{peer: bob, service: guest, modules: [text.wasm]}`:    {"wasm[0].modules[0]", "text.wasm", "not a Wasm module"},
		`{peer: bob, service: op, modules: [text.wasm]}`:       {"wasm[0].service", `"op"`, "has itself"},
	} {
		file := filepath.Join(dir, "bad.yaml")
		src := "name: bad\npeers: [alice, bob]\ninit: alice\nscript: (null)\nwasm:\n  - " + decl + "\n"
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		sc, err := scenario.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		o, _ := Expand(Options{Seed: 1, Nodes: 2, Duration: time.Second, Faults: "none"})
		_, err = RunScenario(o, sc, time.Now)
		if err == nil {
			t.Errorf("%s: no error", decl)
			continue
		}
		for _, w := range append(want, "scenario bad") {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", decl, err, w)
			}
		}
	}
}

// linkedScenario is a scenario whose Wasm service is the modules given (bytes set through the
// Go API, not files) on bob, whose title the script asks for.
func linkedScenario(t *testing.T, modules ...string) *scenario.Scenario {
	t.Helper()
	var names []string
	for _, m := range modules {
		names = append(names, m+".wasm")
	}
	sc, err := scenario.Parse([]byte(`{name: linked, peers: [alice, bob], init: alice,
  wasm: [{peer: bob, service: text, modules: [` + strings.Join(names, ", ") + `]}],
  script: '(seq (call "{{peer:bob}}" ("text" "title") ["the quick fox"] t) (call %init_peer_id% ("callbackSrv" "response") [t]))'}`))
	if err != nil {
		t.Fatal(err)
	}
	for j, m := range modules {
		sc.Wasm[0].Modules[j].Wasm = wasmguest.Require(t, m)
	}
	return sc
}

// A service of two linked modules (the text example: the facade calls its library) installs
// and serves in the simulator, the library under the name the facade imports it by.
func TestWasmLinkedServiceInTheSimulator(t *testing.T) {
	sc := linkedScenario(t, "textlib", "textfacade")
	r, callbacks, err := ScenarioCallbacks(wasmOptions(t, 1, 2, "none"), sc, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	passed(t, r)
	for _, c := range callbacks {
		if len(c) != 1 || c[0] != `callbackSrv.response "The Quick Fox"` {
			t.Errorf("a start called back %q, want the title", c)
		}
	}
}

// A module that passes the checks before compiling but does not compile (its first function
// does not end with end) fails the install before the run, saying on which node and why.
func TestWasmInstallFailureIsAnError(t *testing.T) {
	sc := linkedScenario(t, "greeting")
	sc.Wasm[0].Modules[0].Wasm = unended(t, sc.Wasm[0].Modules[0].Wasm)
	_, err := RunScenario(wasmOptions(t, 1, 2, "none"), sc, time.Now)
	if err == nil || !strings.Contains(err.Error(), "installing the Wasm services on bob") || !strings.Contains(err.Error(), "does not compile") {
		t.Fatalf("RunScenario = %v, want the install on bob to fail to compile the module", err)
	}
}

// unended returns wasm with the last byte of its first function body (end) made a nop.
func unended(t *testing.T, wasm []byte) []byte {
	t.Helper()
	out := append([]byte(nil), wasm...)
	uleb := func(at int) (int, int) {
		v, shift := 0, 0
		for {
			b := out[at]
			at++
			v |= int(b&0x7f) << shift
			if b < 0x80 {
				return v, at
			}
			shift += 7
		}
	}
	for at := 8; at < len(out); {
		id := out[at]
		size, body := uleb(at + 1)
		if id == 10 { // the code section: a count, then each function's size and body
			_, first := uleb(body)
			n, start := uleb(first)
			if out[start+n-1] != 0x0b {
				t.Fatal("the first function does not end with end")
			}
			out[start+n-1] = 0x01
			return out
		}
		at = body + size
	}
	t.Fatal("no code section")
	return nil
}
