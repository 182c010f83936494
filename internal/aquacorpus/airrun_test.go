package aquacorpus

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/internal/resumecheck"
	"github.com/aquanet/aquanet/internal/scenario"
)

// loadOracle reads the reference's result for the scenario file f.
func loadOracle(t *testing.T, f string) *scenario.Result {
	t.Helper()
	raw, err := os.ReadFile(OracleFile(f))
	if err != nil {
		t.Fatalf("%v (TestReferenceOutcomes with %s=1 makes it)", err, EnvUpdate)
	}
	var ref scenario.Result
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatalf("%s: %v", OracleFile(f), err)
	}
	return &ref
}

// caseName is a scenario file's name without its directory and extension.
func caseName(f string) string { return strings.TrimSuffix(filepath.Base(f), ".yaml") }

// TestAirRun runs every function of the corpus in the scenario host with aquanet's
// interpreter, as "aquanet air run" does, and compares the whole outcome with the reference's
// in the same host: callbacks, errors, interpreter errors (codes), steps, completion, and every
// peer's final data in the JSON view, trace, CIDs and signatures included. The file's expect
// block, which air run checks, must agree with both.
//
// Every run is also run as a node runs it (resumecheck): its data kept decoded, going on from
// where the last run paused, and held to the replay.
func TestAirRun(t *testing.T) {
	var paused, resumed int
	for _, c := range loadCases(t) {
		t.Run(caseName(c.File), func(t *testing.T) {
			ref := loadOracle(t, c.File)
			r := resumecheck.New()
			got, err := scenario.RunWith(c.Scenario, r.Run, scenario.Options{DataView: scenario.InterpreterDataView})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range r.Diffs {
				t.Errorf("as a node runs it: %s", d)
			}
			paused, resumed = paused+r.Paused, resumed+r.Resumed
			compareResults(t, got, ref)
			if c.Scenario.Expect == nil {
				t.Fatalf("no expect block (TestReferenceOutcomes with %s=1 writes it)", EnvUpdate)
			}
			if d := ref.Check(c.Scenario.Expect); d != "" {
				t.Errorf("the expect block disagrees with the reference's result:\n%s", d)
			}
			if d := got.Check(c.Scenario.Expect); d != "" {
				t.Errorf("air run would report a difference from expect:\n%s", d)
			}
		})
	}
	t.Logf("%d runs paused, %d resumed", paused, resumed)
}

// compareResults compares aquanet's result with the reference's as the interpreter's scenario
// tests do.
func compareResults(t *testing.T, got, ref *scenario.Result) {
	t.Helper()
	if a, b := canon(t, got.Callbacks), canon(t, ref.Callbacks); a != b {
		t.Errorf("callbacks\n ours: %s\n  ref: %s", a, b)
	}
	if a, b := canon(t, got.Errors), canon(t, ref.Errors); a != b {
		t.Errorf("errors\n ours: %s\n  ref: %s", a, b)
	}
	codes := func(es []scenario.InterpreterError) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.Peer+":"+canon(t, e.RetCode))
		}
		return out
	}
	if a, b := codes(got.InterpreterErrors), codes(ref.InterpreterErrors); !reflect.DeepEqual(a, b) {
		t.Errorf("interpreter errors\n ours: %v %v\n  ref: %v %v", a, got.InterpreterErrors, b, ref.InterpreterErrors)
	}
	if a, b := canon(t, got.Undelivered), canon(t, ref.Undelivered); a != b {
		t.Errorf("undelivered\n ours: %s\n  ref: %s", a, b)
	}
	if got.Steps != ref.Steps || got.Completed != ref.Completed {
		t.Errorf("steps %d completed %v, reference %d %v", got.Steps, got.Completed, ref.Steps, ref.Completed)
	}
	for peer, refView := range ref.Data {
		ours, ok := got.Data[peer]
		if !ok {
			t.Errorf("peer %s: no data, the reference has some", peer)
			continue
		}
		if d := jsonDiff(t, ours, refView); d != "" {
			t.Errorf("peer %s: data differs (ours, then the reference's):\n%s", peer, d)
		}
	}
	for peer := range got.Data {
		if _, ok := ref.Data[peer]; !ok {
			t.Errorf("peer %s: has data, the reference has none", peer)
		}
	}
}

func canon(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return canonRaw(t, b)
}

// canonRaw re-encodes JSON with sorted keys and numbers as written.
func canonRaw(t *testing.T, b []byte) string {
	t.Helper()
	var v any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("bad JSON %s: %v", b, err)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

// jsonDiff lists where two JSON texts differ, a path and both values on each line, up to ten.
func jsonDiff(t *testing.T, a, b []byte) string {
	t.Helper()
	decode := func(x []byte) any {
		var v any
		dec := json.NewDecoder(strings.NewReader(string(x)))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("bad JSON %.200s: %v", x, err)
		}
		return v
	}
	var lines []string
	short := func(v any) string {
		b, _ := json.Marshal(v)
		if len(b) > 300 {
			return string(b[:300]) + "..."
		}
		return string(b)
	}
	var walk func(path string, x, y any)
	walk = func(path string, x, y any) {
		if len(lines) >= 10 {
			return
		}
		switch xv := x.(type) {
		case map[string]any:
			if yv, ok := y.(map[string]any); ok {
				keys := map[string]bool{}
				for k := range xv {
					keys[k] = true
				}
				for k := range yv {
					keys[k] = true
				}
				for _, k := range slices.Sorted(maps.Keys(keys)) {
					walk(path+"."+k, xv[k], yv[k])
				}
				return
			}
		case []any:
			if yv, ok := y.([]any); ok && len(xv) == len(yv) {
				for i := range xv {
					walk(fmt.Sprintf("%s[%d]", path, i), xv[i], yv[i])
				}
				return
			}
		}
		if !reflect.DeepEqual(x, y) {
			lines = append(lines, fmt.Sprintf("  %s: %s | %s", path, short(x), short(y)))
		}
	}
	walk("", decode(a), decode(b))
	return strings.Join(lines, "\n")
}
