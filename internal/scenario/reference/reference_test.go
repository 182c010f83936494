package reference

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aquanet/aquanet/internal/oracle"
	"github.com/aquanet/aquanet/internal/scenario/yamljson"
)

// scenarioDir holds the scenario files and the reference's results for them.
const scenarioDir = "../../../interpreter/testdata/scenarios"

func TestRunScenario(t *testing.T) {
	dir := oracle.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := RunScenario(ctx, dir, []byte(`{
		"peers": ["alice", "bob", "carol"], "init": "alice",
		"script": "(seq (par (call \"{{peer:bob}}\" (\"peer\" \"name\") [] n1) (call \"{{peer:carol}}\" (\"peer\" \"name\") [] n2)) (seq (call %init_peer_id% (\"s\" \"big\") [] big) (call %init_peer_id% (\"callbackSrv\" \"response\") [n1 n2 1.0 big])))",
		"services": [{"peer": "*", "service": "peer", "function": "name", "result": "{{self}}"},
		             {"peer": "alice", "service": "s", "function": "big", "result": 18446744073709551615}]
	}`))
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Callbacks []struct {
			Service, Function string
			Args              []json.RawMessage
		}
		Steps     int
		Completed bool
		Data      map[string]json.RawMessage
	}
	if err := json.Unmarshal(res, &r); err != nil {
		t.Fatalf("%v in %s", err, res)
	}
	if !r.Completed || len(r.Callbacks) != 1 {
		t.Fatalf("got %s, want one callback and completed", res)
	}
	got := fmt.Sprintf("%s.%s %s", r.Callbacks[0].Service, r.Callbacks[0].Function, r.Callbacks[0].Args)
	// Numbers reach the callback as AquaVM has them: the float stays a float, the u64 whole.
	if want := `callbackSrv.response ["bob" "carol" 1.0 18446744073709551615]`; got != want {
		t.Errorf("callback %s, want %s", got, want)
	}
	if len(r.Data) != 3 {
		t.Errorf("data for %d peers, want 3", len(r.Data))
	}
}

func TestRunScenarioErrors(t *testing.T) {
	dir := oracle.Require(t)
	if _, err := RunScenario(context.Background(), dir, []byte(`{"peers": `)); err == nil {
		t.Error("invalid JSON: no error")
	}
	bad := map[string]string{
		"no peers":     `{"init": "alice", "script": "(null)"}`,
		"bad init":     `{"peers": ["alice"], "init": "bob", "script": "(null)"}`,
		"bad template": `{"peers": ["alice"], "init": "alice", "script": "(call \"{{peer:zed}}\" (\"a\" \"b\") [])"}`,
		"two kinds":    `{"peers": ["alice"], "init": "alice", "script": "(null)", "services": [{"peer": "*", "service": "a", "function": "b", "result": 1, "error": 2}]}`,
	}
	var names []string
	var inputs [][]byte
	for name, sc := range bad {
		names = append(names, name)
		inputs = append(inputs, []byte(sc))
	}
	// A rejected scenario does not stop the one after it.
	inputs = append(inputs, []byte(`{"peers": ["alice"], "init": "alice", "script": "(call %init_peer_id% (\"return\" \"\") [])"}`))
	res, err := RunScenarios(context.Background(), dir, inputs)
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range names {
		if res[i].Err == nil {
			t.Errorf("%s: no error, result %s", name, res[i].Result)
		}
	}
	if last := res[len(res)-1]; last.Err != nil || !bytes.Contains(last.Result, []byte(`"callbacks":[{"service":"return"`)) {
		t.Errorf("the valid scenario after the rejected ones: %s, %v", last.Result, last.Err)
	}
}

// AquaVM trapping on a scenario's step fails that scenario only: the next one runs on a fresh
// AquaVM.
func TestRunScenariosAquaVMTrap(t *testing.T) {
	dir := oracle.Require(t)
	// The lens lexer slices a multi-byte letter in half and panics.
	trap := `{"peers": ["alice"], "init": "alice", "script": "(seq (call %init_peer_id% (\"s\" \"f\") [] x) (ap x.$.я y))"}`
	ok := `{"peers": ["alice"], "init": "alice", "script": "(call %init_peer_id% (\"return\" \"\") [1])"}`
	res, err := RunScenarios(context.Background(), dir, [][]byte{[]byte(trap), []byte(ok)})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err == nil || !strings.Contains(res[0].Err.Error(), "AquaVM failed") {
		t.Errorf("the trapping scenario: %s, %v; want an AquaVM failure", res[0].Result, res[0].Err)
	}
	if res[1].Err != nil || !bytes.Contains(res[1].Result, []byte(`"callbacks":[{"service":"return","function":"","args":[1]}]`)) {
		t.Errorf("the scenario after the trap: %s, %v", res[1].Result, res[1].Err)
	}
}

func TestRunScenariosReportsNodeFailure(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not on PATH")
	}
	dir := t.TempDir() // no avm-lib.mjs: the driver cannot start AquaVM
	_, err := RunScenarios(context.Background(), dir, [][]byte{[]byte(`{"peers": ["alice"], "init": "alice", "script": "(null)"}`)})
	if err == nil || !strings.Contains(err.Error(), "cannot start AquaVM") {
		t.Fatalf("RunScenarios with a directory that is not an oracle: %v; want the driver's stderr", err)
	}
}

// TestScenarioSmoke runs three of the scenario files through the reference and checks that the
// particle completes.
func TestScenarioSmoke(t *testing.T) {
	dir := oracle.Require(t)
	var inputs [][]byte
	names := []string{"par-join", "aqua-compiler-shape", "fold-stream-join"}
	for _, name := range names {
		y, err := os.ReadFile(filepath.Join(scenarioDir, name+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		j, err := yamljson.Convert(y)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		inputs = append(inputs, j)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := RunScenarios(ctx, dir, inputs)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range res {
		if o.Err != nil {
			t.Errorf("%s: %v", names[i], o.Err)
			continue
		}
		r := o.Result
		var got struct {
			Completed         bool
			Callbacks         []json.RawMessage
			InterpreterErrors []json.RawMessage `json:"interpreter_errors"`
		}
		if err := json.Unmarshal(r, &got); err != nil {
			t.Fatal(err)
		}
		if !got.Completed || len(got.Callbacks) == 0 || len(got.InterpreterErrors) != 0 {
			t.Errorf("%s: completed=%v, %d callbacks, %d interpreter errors; want completed with callbacks and no errors",
				names[i], got.Completed, len(got.Callbacks), len(got.InterpreterErrors))
		}
	}
}
