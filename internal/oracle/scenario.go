package oracle

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
)

// scenarioDriver is the node program that runs scenarios through AquaVM with the scenario host;
// see the comment at its top for the protocol and the host rules, which are the same as
// internal/scenario's.
//
//go:embed scenario.mjs
var scenarioDriver []byte

// RunScenario runs one scenario through AquaVM 0.62 with the scenario host (the rules at the top
// of scenario.mjs, the same as internal/scenario's) and returns its Result as compact JSON:
// {"callbacks", "errors", "interpreter_errors", "steps", "completed", "undelivered"?, "data"?},
// where "data" maps each peer name to AquaVM's human-readable view of its final data.
//
// scenarioJSON is a scenario in its JSON form: a scenario file converted from YAML
// (internal/scenario/yamljson.Convert) or the output of (*scenario.Scenario).JSON. "{{peer:NAME}}"
// templates are expanded here too; "expect" is ignored. dir is an installed oracle directory, as
// returned by [Dir]. The error reports a scenario the host rejects, AquaVM failing on it, or node
// failing.
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

// RunScenarios is [RunScenario] over many scenarios in one node process (one AquaVM instance,
// fresh peers for each scenario). It returns one outcome per scenario, in order; the error is
// for a failure of the batch as a whole (invalid JSON, node failing).
func RunScenarios(ctx context.Context, dir string, scenarios [][]byte) ([]ScenarioOutcome, error) {
	if len(scenarios) == 0 {
		return []ScenarioOutcome{}, nil
	}
	var input bytes.Buffer
	input.WriteByte('[')
	for i, s := range scenarios {
		if !json.Valid(s) {
			return nil, fmt.Errorf("oracle: scenario %d is not valid JSON", i)
		}
		if i > 0 {
			input.WriteByte(',')
		}
		input.Write(s)
	}
	input.WriteByte(']')

	stdout, err := runDriver(ctx, dir, "scenario", scenarioDriver, input.Bytes())
	if err != nil {
		return nil, fmt.Errorf("oracle: node over %d scenarios: %w", len(scenarios), err)
	}

	var entries []struct {
		OK     bool            `json:"ok"`
		Result json.RawMessage `json:"result"`
		Error  string          `json:"error"`
	}
	if err := json.Unmarshal(stdout, &entries); err != nil {
		return nil, fmt.Errorf("oracle: decoding the scenario driver's output (%d bytes): %w", len(stdout), err)
	}
	if len(entries) != len(scenarios) {
		return nil, fmt.Errorf("oracle: scenario driver returned %d results for %d scenarios", len(entries), len(scenarios))
	}
	out := make([]ScenarioOutcome, len(entries))
	for i, e := range entries {
		if !e.OK {
			out[i].Err = fmt.Errorf("oracle: scenario %d%s: %s", i, scenarioName(scenarios[i]), e.Error)
			continue
		}
		var c bytes.Buffer
		if err := json.Compact(&c, e.Result); err != nil {
			return nil, fmt.Errorf("oracle: scenario %d%s: result: %w", i, scenarioName(scenarios[i]), err)
		}
		out[i].Result = c.Bytes()
	}
	return out, nil
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
