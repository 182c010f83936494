package difffuzz

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aquanet/aquanet/internal/oracle"
	"github.com/aquanet/aquanet/interpreter"
)

// Regression is a difference the fuzzer found, minimized, as kept in testdata/regressions: the
// exact chain of runs (each step's peer, which earlier steps' data it got, and the call
// results), so that it replays the same way whatever becomes of the generator or the network
// driver.
type Regression struct {
	// About says what differed when it was found, and, once analysed, which side was wrong.
	About string `json:"about"`
	// Found is how the fuzzer found it (the seed), for the record.
	Found string `json:"found,omitempty"`
	// Peers are the peers by name; Peers[0] started the particle.
	Peers []string `json:"peers"`
	// Script is the script with "{{NAME}}" for each named peer's id.
	Script string           `json:"script"`
	Steps  []RegressionStep `json:"steps"`
	// Divergence, when set, is a documented, deliberate divergence: the replay must show
	// exactly this first difference, no other and not none.
	Divergence *Divergence `json:"divergence,omitempty"`
}

// RegressionStep is one run of the chain (an [oracle.Step] without what all steps share).
type RegressionStep struct {
	Peer        string                           `json:"peer"`
	Prev        *int                             `json:"prev,omitempty"`
	Current     *int                             `json:"current,omitempty"`
	CallResults map[uint32]oracle.StepCallResult `json:"call_results,omitempty"`
}

// Divergence is a first difference that aquanet makes on purpose, and why.
type Divergence struct {
	Why  string `json:"why"`
	Diff Diff   `json:"diff"`
}

// regressionOf records a minimized case and its difference.
func regressionOf(c *Case, d *Diff, found string) *Regression {
	r := c.play()
	reg := &Regression{About: d.String(), Found: found, Peers: c.Peers, Script: c.Script.String()}
	for _, s := range r.steps {
		reg.Steps = append(reg.Steps, RegressionStep{Peer: s.Peer, Prev: s.Prev, Current: s.Current, CallResults: s.CallResults})
	}
	return reg
}

// run replays the regression on aquanet.
func (reg *Regression) run() (*run, error) {
	if len(reg.Peers) == 0 {
		return nil, fmt.Errorf("no peers")
	}
	for _, p := range reg.Peers {
		if peerIdentity(p).id == "" {
			return nil, fmt.Errorf("unknown peer %q (want one of %v or %q)", p, peerNames, outsider)
		}
	}
	script := withPeerIDs(reg.Script)
	r := &run{}
	for i, s := range reg.Steps {
		for _, k := range []*int{s.Prev, s.Current} {
			if k != nil && (*k < 0 || *k >= i) {
				return nil, fmt.Errorf("step %d: %d is not an earlier step", i, *k)
			}
		}
		if peerIdentity(s.Peer).id == "" {
			return nil, fmt.Errorf("step %d: unknown peer %q", i, s.Peer)
		}
		var results map[uint32]interpreter.CallResult
		if len(s.CallResults) > 0 {
			results = map[uint32]interpreter.CallResult{}
			for id, res := range s.CallResults {
				results[id] = interpreter.CallResult{RetCode: res.RetCode, Result: res.Result}
			}
		}
		init, me := peerIdentity(reg.Peers[0]), peerIdentity(s.Peer)
		out := interpreter.Run(script, r.dataOf(s.Prev), r.dataOf(s.Current), results, interpreter.Params{
			InitPeerID: init.id, CurrentPeerID: me.id, Key: me.key,
			ParticleID: oracle.StepParticleID, Timestamp: oracle.StepTimestamp, TTL: oracle.StepTTL,
		})
		r.steps = append(r.steps, oracle.Step{Peer: s.Peer, Init: reg.Peers[0], Script: script, Prev: s.Prev, Current: s.Current, CallResults: s.CallResults})
		r.ours = append(r.ours, out)
	}
	return r, nil
}

// writeRegression writes reg to dir/name.json.
func writeRegression(dir, name string, reg *Regression) (string, error) {
	b, err := json.MarshalIndent(reg, "", "  ")
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, name+".json")
	return path, os.WriteFile(path, append(b, '\n'), 0o644)
}

// readRegressions reads every *.json in dir, sorted by name.
func readRegressions(dir string) (names []string, regs []*Regression, err error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, nil, err
	}
	slices.Sort(paths)
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, nil, err
		}
		var reg Regression
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&reg); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", p, err)
		}
		names = append(names, strings.TrimSuffix(filepath.Base(p), ".json"))
		regs = append(regs, &reg)
	}
	return names, regs, nil
}
