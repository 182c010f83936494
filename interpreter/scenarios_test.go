package interpreter_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/internal/resumecheck"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/data"
)

// TestScenariosMatchReference runs every scenario of testdata/scenarios through aquanet's
// interpreter and compares the whole outcome with what the reference interpreter (AquaVM 0.62)
// did in the same scenario, recorded next to it as NAME.oracle.json: callbacks, errors,
// interpreter errors (codes), steps, completion, and every peer's final data in the JSON view,
// trace and CIDs and signatures included.
func TestScenariosMatchReference(t *testing.T) {
	files, err := filepath.Glob("testdata/scenarios/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 60 {
		t.Fatalf("only %d scenarios in testdata/scenarios, want at least 60", len(files))
	}
	var paused, resumed int
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			s, err := scenario.ParseFile(f)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(strings.TrimSuffix(f, ".yaml") + ".oracle.json")
			if err != nil {
				t.Fatal(err)
			}
			var ref scenario.Result
			if err := json.Unmarshal(raw, &ref); err != nil {
				t.Fatal(err)
			}
			got, err := scenario.RunWith(s, interpreter.Run, scenario.Options{DataView: scenario.InterpreterDataView})
			if err != nil {
				t.Fatal(err)
			}
			compareResults(t, got, &ref)
			// The same with each peer keeping its data decoded between runs, as a node does.
			got, err = scenario.RunWith(s, runKeepingDecoded(t), scenario.Options{DataView: scenario.InterpreterDataView})
			if err != nil {
				t.Fatal(err)
			}
			compareResults(t, got, &ref)
			// And resuming the runs that paused, each run held to the replay of its data.
			r := resumecheck.New()
			got, err = scenario.RunWith(s, r.Run, scenario.Options{DataView: scenario.InterpreterDataView})
			if err != nil {
				t.Fatal(err)
			}
			compareResults(t, got, &ref)
			for _, d := range r.Diffs {
				t.Errorf("resumed: %s", d)
			}
			paused += r.Paused
			resumed += r.Resumed
		})
	}
	t.Logf("%d runs paused, %d resumed", paused, resumed)
	if resumed == 0 {
		t.Error("no run of the scenarios resumed: the comparison above holds nothing to its promise")
	}
}

// runKeepingDecoded is interpreter.Run made of RunDecoded: the previous data's decoded form is
// what the run that produced it returned, as a node keeps it, and a run takes it over; data not
// kept (a restart's, read from disk) is decoded first.
func runKeepingDecoded(t *testing.T) func(string, []byte, []byte, map[uint32]interpreter.CallResult, interpreter.Params) interpreter.Outcome {
	kept := map[string]*data.Data{}
	return func(script string, prev, cur []byte, results map[uint32]interpreter.CallResult, p interpreter.Params) interpreter.Outcome {
		d, ok := kept[string(prev)]
		if !ok {
			var err error
			if d, err = data.Decode(prev); err != nil {
				t.Fatalf("a peer's own data does not decode: %v", err)
			}
		}
		out := interpreter.RunDecoded(script, d, cur, results, p)
		if out.Decoded == nil {
			out.Data = prev
		} else {
			delete(kept, string(prev))
			kept[string(out.Data)] = out.Decoded
		}
		return out
	}
}

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
			out = append(out, e.Peer+":"+jsonText(e.RetCode))
		}
		return out
	}
	if a, b := codes(got.InterpreterErrors), codes(ref.InterpreterErrors); !reflect.DeepEqual(a, b) {
		t.Errorf("interpreter errors\n ours: %v %v\n  ref: %v %v", a, got.InterpreterErrors, b, ref.InterpreterErrors)
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
		if a, b := canonRaw(t, ours), canonRaw(t, refView); a != b {
			t.Errorf("peer %s: data differs\n ours: %s\n  ref: %s", peer, a, b)
		}
	}
	for peer := range got.Data {
		if _, ok := ref.Data[peer]; !ok {
			t.Errorf("peer %s: has data, the reference has none", peer)
		}
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func canon(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return canonRaw(t, b)
}

// canonRaw re-encodes JSON with sorted keys and numbers as written.
func canonRaw(t *testing.T, b []byte) string {
	var v any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("bad JSON %s: %v", b, err)
	}
	out, _ := json.Marshal(v)
	return string(out)
}
