package oracle

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
)

// stepsDriver is the node program that runs chains of single interpreter runs; see the comment
// at its top for the protocol.
//
//go:embed steps.mjs
var stepsDriver []byte

// Particle facts of every step run by [RunSteps].
const (
	StepParticleID = "particle-1"
	StepTimestamp  = 1700000000000
	StepTTL        = 600000
)

// Step is one run of the reference interpreter in a chain ([RunSteps]). Peers are names: a name's
// ed25519 seed is sha256(name), as everywhere in the oracle.
type Step struct {
	Peer   string `json:"peer"`   // the peer running the script
	Init   string `json:"init"`   // the particle's initiator
	Script string `json:"script"` // AIR, with peer ids written out
	// Prev and Current are the indexes of earlier steps whose outcome data are this run's
	// previous and current data; nil is empty data. Any earlier step will do, which lets a test
	// give a peer two versions of a particle that disagree.
	Prev        *int                      `json:"prev,omitempty"`
	Current     *int                      `json:"current,omitempty"`
	CallResults map[uint32]StepCallResult `json:"call_results,omitempty"`
}

// StepCallResult is a host's answer to a call request: Result is a JSON text, passed as is.
type StepCallResult struct {
	RetCode int32  `json:"ret_code"`
	Result  string `json:"result"`
}

// StepOutcome is the reference's outcome of one step.
type StepOutcome struct {
	RetCode      int64           `json:"ret_code"`
	ErrorMessage string          `json:"error_message"`
	NextPeers    []string        `json:"next_peers"`    // sorted, without duplicates
	CallRequests []uint32        `json:"call_requests"` // ids, sorted
	Data         json.RawMessage `json:"data"`          // AquaVM's human-readable view; null when empty
}

// RunSteps runs steps in order through AquaVM 0.62 in one node process and returns one outcome
// per step. dir is an installed oracle directory, as returned by [Dir]. The error reports a
// malformed step (a Prev or Current that is not an earlier step), AquaVM crashing, or node
// failing; an interpreter error is an outcome with a non-zero RetCode.
func RunSteps(ctx context.Context, dir string, steps []Step) ([]StepOutcome, error) {
	if len(steps) == 0 {
		return []StepOutcome{}, nil
	}
	input, err := json.Marshal(steps)
	if err != nil {
		return nil, fmt.Errorf("oracle: encoding steps: %w", err)
	}
	out, err := runDriver(ctx, dir, "steps", stepsDriver, input)
	if err != nil {
		return nil, fmt.Errorf("oracle: node over %d steps: %w", len(steps), err)
	}
	var outcomes []StepOutcome
	if err := json.Unmarshal(out, &outcomes); err != nil {
		return nil, fmt.Errorf("oracle: decoding the steps driver's output (%d bytes): %w", len(out), err)
	}
	if len(outcomes) != len(steps) {
		return nil, fmt.Errorf("oracle: steps driver returned %d outcomes for %d steps", len(outcomes), len(steps))
	}
	return outcomes, nil
}
