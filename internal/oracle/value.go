package oracle

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// valueDriver is the node program that feeds JSON texts to AquaVM as service results; see the
// comment at its top for the protocol.
//
//go:embed value-batch.mjs
var valueDriver []byte

// ValueResult is the reference's reading of one JSON text returned by a service.
type ValueResult struct {
	// OK reports whether AquaVM accepted the text as JSON (the call is "executed" in the trace).
	OK bool `json:"ok"`
	// Canonical is AquaVM's canonical JSON text of the value (serde_json::to_string of it, as
	// stored in cid_info.value_store), when OK.
	Canonical string `json:"canonical,omitempty"`
	// CID is AquaVM's CID of Canonical, when OK.
	CID string `json:"cid,omitempty"`
	// Error is serde_json's message when AquaVM rejected the text (the call is "failed"), e.g.
	// "trailing comma at line 1 column 4", or the trap when Trap is set.
	Error string `json:"error,omitempty"`
	// Trap reports that AquaVM crashed (a wasm trap) instead of giving a verdict.
	Trap bool `json:"trap,omitempty"`
}

// CanonicalJSON asks the reference interpreter how it reads each text as a service result, in
// one node process: a text serde_json accepts gives its canonical JSON text and CID, one it
// rejects gives OK false and serde_json's error message. dir is an installed oracle directory,
// as returned by [Dir]. Texts must be valid UTF-8 (AquaVM's call results are Rust strings, so
// nothing else can reach its JSON parser). The error reports a failure of the oracle itself.
func CanonicalJSON(ctx context.Context, dir string, texts []string) ([]ValueResult, error) {
	if len(texts) == 0 {
		return []ValueResult{}, nil
	}
	for i, t := range texts {
		if !utf8.ValidString(t) {
			return nil, fmt.Errorf("oracle: text %d is not valid UTF-8, which no call result can be: %q", i, t)
		}
	}
	input, err := json.Marshal(texts)
	if err != nil {
		return nil, fmt.Errorf("oracle: encoding texts: %w", err)
	}
	out, err := runDriver(ctx, dir, "value-batch", valueDriver, input)
	if err != nil {
		return nil, fmt.Errorf("oracle: node over %d texts: %w", len(texts), err)
	}
	var results []ValueResult
	if err := json.Unmarshal(out, &results); err != nil {
		return nil, fmt.Errorf("oracle: decoding the driver's output (%d bytes): %w", len(out), err)
	}
	if len(results) != len(texts) {
		return nil, fmt.Errorf("oracle: driver returned %d results for %d texts", len(results), len(texts))
	}
	for i, r := range results {
		if r.OK && (r.Canonical == "" || r.CID == "") {
			return nil, fmt.Errorf("oracle: result %d is ok but has no canonical text or CID", i)
		}
		if !r.OK && r.Error == "" {
			return nil, fmt.Errorf("oracle: result %d is not ok but has no error text", i)
		}
	}
	return results, nil
}
