package oracle

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/value"
)

// scenarioDriver is the node program that serves AquaVM's interpreter runs to the scenario host;
// see the comment at its top for the protocol.
//
//go:embed scenario.mjs
var scenarioDriver []byte

// RunScenario runs one scenario through AquaVM 0.62 with the scenario host of package
// internal/scenario (the rules at the top of its host.go, the very code that runs aquanet's
// interpreter in a scenario) and returns its Result as compact JSON: {"callbacks", "errors",
// "interpreter_errors", "steps", "completed", "undelivered"?, "data"?}, where "data" maps each
// peer name to AquaVM's human-readable view of its final data.
//
// scenarioJSON is a scenario in its JSON form: a scenario file converted from YAML
// (internal/scenario/yamljson.Convert) or the output of (*scenario.Scenario).JSON. "expect" is
// ignored. dir is an installed oracle directory, as returned by [Dir]. The error reports a
// scenario the host rejects, AquaVM failing on it, or node failing.
func RunScenario(ctx context.Context, dir string, scenarioJSON []byte) (json.RawMessage, error) {
	res, err := RunScenarios(ctx, dir, [][]byte{scenarioJSON})
	if err != nil {
		return nil, err
	}
	return res[0].Result, res[0].Err
}

// ScenarioOutcome is the reference's answer for one scenario of a batch: its Result JSON, or
// why there is none.
type ScenarioOutcome struct {
	Result json.RawMessage // compact Result JSON, when Err is nil
	Err    error           // the host rejected the scenario, or AquaVM failed on it
}

// RunScenarios is [RunScenario] over many scenarios with one node process (one AquaVM instance,
// fresh peers for each scenario), which runs each interpreter step the Go host asks for. It
// returns one outcome per scenario, in order; the error is for a failure of the batch as a
// whole (invalid JSON, node failing).
func RunScenarios(ctx context.Context, dir string, scenarios [][]byte) ([]ScenarioOutcome, error) {
	out := make([]ScenarioOutcome, len(scenarios))
	parsed := make([]*scenario.Scenario, len(scenarios))
	for i, s := range scenarios {
		if !json.Valid(s) {
			return nil, fmt.Errorf("oracle: scenario %d is not valid JSON", i)
		}
		sc, err := scenario.Parse(s)
		if err != nil {
			out[i].Err = fmt.Errorf("oracle: scenario %d%s: %w", i, scenarioName(s), err)
			continue
		}
		parsed[i] = sc
	}
	var ref *reference
	defer func() {
		if ref != nil {
			ref.p.close()
		}
	}()
	for i, sc := range parsed {
		if sc == nil {
			continue
		}
		if ref == nil {
			p, err := startDriver(ctx, dir, "scenario", scenarioDriver)
			if err != nil {
				return nil, fmt.Errorf("oracle: %w", err)
			}
			ref = &reference{p: p}
		}
		res, err := scenario.RunFallible(sc, ref.step, scenario.Options{DataView: ref.view})
		var trap *trapError
		switch {
		case errors.As(err, &trap):
			out[i].Err = fmt.Errorf("oracle: scenario %d%s: %w", i, scenarioName(scenarios[i]), err)
			continue
		case err != nil:
			return nil, fmt.Errorf("oracle: scenario %d%s of %d: %w", i, scenarioName(scenarios[i]), len(scenarios), err)
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(res); err != nil {
			return nil, fmt.Errorf("oracle: scenario %d%s: result: %w", i, scenarioName(scenarios[i]), err)
		}
		out[i].Result = bytes.TrimRight(b.Bytes(), "\n")
	}
	return out, nil
}

// reference is AquaVM as a scenario.FallibleStep, in a driver process.
type reference struct{ p *process }

// trapError is AquaVM failing (a wasm trap) on a step: the scenario has no result, the batch
// goes on.
type trapError struct{ msg string }

func (e *trapError) Error() string { return "AquaVM failed: " + e.msg }

type invokeRequest struct {
	Script        string                    `json:"script"`
	InitPeerID    string                    `json:"init_peer_id"`
	CurrentPeerID string                    `json:"current_peer_id"`
	Seed          []byte                    `json:"seed"`
	Timestamp     uint64                    `json:"timestamp"`
	TTL           uint32                    `json:"ttl"`
	ParticleID    string                    `json:"particle_id"`
	Prev          []byte                    `json:"prev"`
	Current       []byte                    `json:"current"`
	CallResults   map[string]StepCallResult `json:"call_results"`
}

type invokeAnswer struct {
	OK           bool     `json:"ok"`
	Error        string   `json:"error"`
	RetCode      int64    `json:"ret_code"`
	ErrorMessage string   `json:"error_message"`
	Data         []byte   `json:"data"`
	NextPeers    []string `json:"next_peers"`
	CallRequests []struct {
		ID       uint32          `json:"id"`
		Service  string          `json:"service"`
		Function string          `json:"function"`
		Args     json.RawMessage `json:"args"`
	} `json:"call_requests"`
}

// step runs one interpreter step in AquaVM.
func (r *reference) step(script string, prev, cur []byte, results map[uint32]interpreter.CallResult, p interpreter.Params) (interpreter.Outcome, error) {
	req := invokeRequest{Script: script, InitPeerID: p.InitPeerID, CurrentPeerID: p.CurrentPeerID, Seed: p.Key.Seed(),
		Timestamp: p.Timestamp, TTL: p.TTL, ParticleID: p.ParticleID, Prev: prev, Current: cur,
		CallResults: make(map[string]StepCallResult, len(results))}
	for id, cr := range results {
		req.CallResults[strconv.FormatUint(uint64(id), 10)] = StepCallResult{RetCode: cr.RetCode, Result: cr.Result}
	}
	var a invokeAnswer
	if err := r.p.ask(map[string]any{"invoke": req}, &a); err != nil {
		return interpreter.Outcome{}, err
	}
	if !a.OK {
		return interpreter.Outcome{}, &trapError{a.Error}
	}
	out := interpreter.Outcome{RetCode: a.RetCode, ErrorMessage: a.ErrorMessage, Data: a.Data, NextPeers: a.NextPeers}
	for _, c := range a.CallRequests {
		// The arguments as AquaVM has them, printed losslessly by the driver; read as aquanet's
		// interpreter would hand them over.
		args, err := value.Parse(c.Args, value.Limits{})
		if err != nil || args.Kind() != value.KindArray {
			return interpreter.Outcome{}, fmt.Errorf("the arguments of call %d (%s.%s) from AquaVM: %s: %v", c.ID, c.Service, c.Function, c.Args, err)
		}
		req := interpreter.CallRequest{ID: c.ID, Service: c.Service, Function: c.Function, Args: make([]value.Value, args.Len())}
		for i := range req.Args {
			req.Args[i] = args.Index(i)
		}
		out.CallRequests = append(out.CallRequests, req)
	}
	return out, nil
}

// view is AquaVM's human-readable JSON view of data it wrote.
func (r *reference) view(data []byte) (json.RawMessage, error) {
	var a struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
		View  string `json:"view"`
	}
	if err := r.p.ask(map[string][]byte{"view": data}, &a); err != nil {
		return nil, err
	}
	if !a.OK {
		return nil, &trapError{a.Error}
	}
	if !json.Valid([]byte(a.View)) {
		return nil, fmt.Errorf("AquaVM's view of data is not JSON: %.200s", a.View)
	}
	return json.RawMessage(a.View), nil
}

// scenarioName returns " (NAME)" for a scenario with a name, else "".
func scenarioName(s []byte) string {
	var n struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(s, &n) != nil || n.Name == "" {
		return ""
	}
	return " (" + n.Name + ")"
}
