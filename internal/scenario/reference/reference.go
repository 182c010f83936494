// Package reference runs scenarios (package internal/scenario) with the reference interpreter,
// AquaVM 0.62, as the interpreter of the scenario host: the host is internal/scenario's own (its
// delivery queue, clock, service rules and the node's builtins), AquaVM runs in a node process
// (internal/oracle.Interpreter), so that AquaVM and aquanet's interpreter meet the same
// deliveries and answers from one implementation of them.
package reference

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aquanet/aquanet/internal/oracle"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/value"
)

// RunScenario runs one scenario with AquaVM and returns its Result as compact JSON:
// {"callbacks", "errors", "interpreter_errors", "steps", "completed", "undelivered"?, "data"?},
// where "data" maps each peer name to AquaVM's human-readable view of its final data.
//
// scenarioJSON is a scenario in its JSON form: a scenario file converted from YAML
// (internal/scenario/yamljson.Convert) or the output of (*scenario.Scenario).JSON; "expect" is
// not used. dir is an installed oracle directory, as returned by oracle.Dir. The error reports
// a scenario the host rejects, AquaVM failing on it, or node failing.
func RunScenario(ctx context.Context, dir string, scenarioJSON []byte) (json.RawMessage, error) {
	res, err := RunScenarios(ctx, dir, [][]byte{scenarioJSON})
	if err != nil {
		return nil, err
	}
	return res[0].Result, res[0].Err
}

// Outcome is the reference's answer for one scenario of a batch: its Result JSON, or why there
// is none.
type Outcome struct {
	Result json.RawMessage // compact Result JSON, when Err is nil
	Err    error           // the host rejected the scenario, or AquaVM failed on it
}

// RunScenarios is [RunScenario] over many scenarios with one node process (one AquaVM, fresh
// peers for each scenario). It returns one outcome per scenario, in order; the error is for a
// failure of the batch as a whole (invalid JSON, node failing).
func RunScenarios(ctx context.Context, dir string, scenarios [][]byte) ([]Outcome, error) {
	out := make([]Outcome, len(scenarios))
	parsed := make([]*scenario.Scenario, len(scenarios))
	for i, s := range scenarios {
		if !json.Valid(s) {
			return nil, fmt.Errorf("reference: scenario %d is not valid JSON", i)
		}
		sc, err := scenario.Parse(s)
		if err != nil {
			out[i].Err = fmt.Errorf("reference: scenario %d%s: %w", i, nameOf(s), err)
			continue
		}
		parsed[i] = sc
	}
	var vm *oracle.Interpreter
	defer func() {
		if vm != nil {
			vm.Close()
		}
	}()
	for i, sc := range parsed {
		if sc == nil {
			continue
		}
		if vm == nil {
			var err error
			if vm, err = oracle.StartInterpreter(ctx, dir); err != nil {
				return nil, err
			}
		}
		res, err := scenario.RunFallible(sc, Step(vm), scenario.Options{DataView: vm.View})
		var trap *oracle.TrapError
		switch {
		case errors.As(err, &trap):
			out[i].Err = fmt.Errorf("reference: scenario %d%s: %w", i, nameOf(scenarios[i]), err)
			continue
		case err != nil:
			return nil, fmt.Errorf("reference: scenario %d%s of %d: %w", i, nameOf(scenarios[i]), len(scenarios), err)
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(res); err != nil {
			return nil, fmt.Errorf("reference: scenario %d%s: result: %w", i, nameOf(scenarios[i]), err)
		}
		out[i].Result = bytes.TrimRight(b.Bytes(), "\n")
	}
	return out, nil
}

// Step is AquaVM in vm as a scenario.FallibleStep. The call requests' arguments are read from
// AquaVM's lossless JSON as aquanet's interpreter would hand them to its host. An AquaVM
// failure is an *oracle.TrapError.
func Step(vm *oracle.Interpreter) scenario.FallibleStep {
	return func(script string, prev, cur []byte, results map[uint32]interpreter.CallResult, p interpreter.Params) (interpreter.Outcome, error) {
		inv := oracle.Invocation{Script: script, InitPeerID: p.InitPeerID, CurrentPeerID: p.CurrentPeerID, Seed: p.Key.Seed(),
			Timestamp: p.Timestamp, TTL: p.TTL, ParticleID: p.ParticleID, Prev: prev, Current: cur,
			CallResults: make(map[uint32]oracle.StepCallResult, len(results))}
		for id, r := range results {
			inv.CallResults[id] = oracle.StepCallResult{RetCode: r.RetCode, Result: r.Result}
		}
		got, err := vm.Invoke(inv)
		if err != nil {
			return interpreter.Outcome{}, err
		}
		out := interpreter.Outcome{RetCode: got.RetCode, ErrorMessage: got.ErrorMessage, Data: got.Data, NextPeers: got.NextPeers}
		for _, c := range got.CallRequests {
			args, err := value.Parse(c.Args, value.Limits{})
			if err != nil || args.Kind() != value.KindArray {
				return interpreter.Outcome{}, fmt.Errorf("the arguments of call %d (%s.%s) from AquaVM: %.200s: %v", c.ID, c.Service, c.Function, c.Args, err)
			}
			req := interpreter.CallRequest{ID: c.ID, Service: c.Service, Function: c.Function, Args: make([]value.Value, args.Len())}
			for i := range req.Args {
				req.Args[i] = args.Index(i)
			}
			out.CallRequests = append(out.CallRequests, req)
		}
		return out, nil
	}
}

// nameOf returns " (NAME)" for a scenario with a name, else "".
func nameOf(s []byte) string {
	var n struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(s, &n) != nil || n.Name == "" {
		return ""
	}
	return " (" + n.Name + ")"
}
