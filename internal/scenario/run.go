package scenario

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/data"
)

// Step is one interpreter run, with interpreter.Run's signature: Run(s, interpreter.Run).
type Step func(script string, prev, cur []byte, results map[uint32]interpreter.CallResult, p interpreter.Params) interpreter.Outcome

// Options tune [RunWith].
type Options struct {
	// DataView, when set, renders a peer's final data as its JSON view for Result.Data.
	// [InterpreterDataView] is the view of aquanet's interpreter's data.
	DataView func([]byte) (json.RawMessage, error)
}

// InterpreterDataView renders data written by aquanet's interpreter (interpreter.Outcome.Data) as
// the reference's human-readable JSON view, for [Options.DataView].
func InterpreterDataView(b []byte) (json.RawMessage, error) {
	d, err := data.Decode(b)
	if err != nil {
		return nil, err
	}
	return d.View()
}

// Run runs the scenario with step as the interpreter, following the host rules (host.go), and
// reports what happened; Result.Data is left empty. The error reports a failure of the host, not
// of the script: a script's failures are in the Result.
func Run(s *Scenario, step Step) (*Result, error) { return RunWith(s, step, Options{}) }

// RunWith is [Run] with options.
func RunWith(s *Scenario, step Step, o Options) (*Result, error) {
	return RunFallible(s, func(script string, prev, cur []byte, results map[uint32]interpreter.CallResult, p interpreter.Params) (interpreter.Outcome, error) {
		return step(script, prev, cur, results, p), nil
	}, o)
}

// FallibleStep is a [Step] that can fail for reasons outside the script, such as an
// interpreter in another process that crashed.
type FallibleStep func(script string, prev, cur []byte, results map[uint32]interpreter.CallResult, p interpreter.Params) (interpreter.Outcome, error)

// delivery is a particle (or call results) on its way to a peer.
type delivery struct {
	to      string // peer id
	from    string // sending peer's name ("" for the first)
	data    []byte
	results map[uint32]interpreter.CallResult
}

// RunFallible is [RunWith] with a step that can fail: the run stops at the first failure and
// returns it.
func RunFallible(s *Scenario, step FallibleStep, o Options) (*Result, error) {
	if s.Script == "" && s.Aqua != nil {
		return nil, fmt.Errorf("scenario %s: its script is the Aqua function %s of %s, not compiled yet (internal/aquascenario resolves it)", s.Name, s.Aqua.Func, s.Aqua.File)
	}
	if len(s.Wasm) > 0 {
		// This host answers calls by rules and builtins; it runs no Wasm.
		return nil, fmt.Errorf("scenario %s declares Wasm services (wasm: %s on %s ...), which only the simulator installs: run it with aquanet sim --workload", s.Name, s.Wasm[0].Service, s.Wasm[0].Peer)
	}
	ids := s.ids
	if ids == nil { // a Scenario built by hand
		ids = map[string]Identity{}
		for _, name := range s.Peers {
			id, err := NewIdentity(name)
			if err != nil {
				return nil, err
			}
			ids[name] = id
		}
	}
	init, ok := ids[s.Init]
	if !ok {
		return nil, fmt.Errorf("scenario: init %q is not one of peers", s.Init)
	}
	maxSteps := s.MaxSteps
	if maxSteps <= 0 {
		maxSteps = DefaultMaxSteps
	}

	h := newHost(s, ids)
	res := &Result{Callbacks: []Call{}, Errors: []Call{}, InterpreterErrors: []InterpreterError{}}
	stored := map[string][]byte{}         // by name
	cache := interpreter.NewParseCache(1) // every peer runs the one script
	queue := []delivery{{to: init.PeerID, results: map[uint32]interpreter.CallResult{}}}
	for {
		if len(queue) == 0 {
			t, ok := h.nextTimer()
			if !ok {
				break
			}
			queue = append(queue, delivery{to: ids[t.peer].PeerID, from: t.peer, results: map[uint32]interpreter.CallResult{t.callID: t.answer}})
		}
		d := queue[0]
		name, known := h.byID[d.to]
		if !known {
			queue = queue[1:]
			res.Undelivered = append(res.Undelivered, Undelivered{From: d.from, To: d.to})
			continue
		}
		if res.Steps >= maxSteps {
			break
		}
		queue = queue[1:]
		res.Steps++
		id := ids[name]
		out, err := step(s.Script, stored[name], d.data, d.results, interpreter.Params{
			InitPeerID:    init.PeerID,
			CurrentPeerID: id.PeerID,
			Timestamp:     s.Particle.Timestamp,
			TTL:           s.Particle.TTL,
			ParticleID:    s.Particle.ID,
			Key:           id.Key,
			ParseCache:    cache,
		})
		if err != nil {
			return nil, fmt.Errorf("scenario %s: step %d on %s: %w", s.Name, res.Steps, name, err)
		}
		if out.RetCode != 0 {
			res.InterpreterErrors = append(res.InterpreterErrors, InterpreterError{Peer: name, RetCode: out.RetCode, Message: out.ErrorMessage})
			continue
		}
		stored[name] = bytes.Clone(out.Data)
		next := slices.Clone(out.NextPeers)
		slices.Sort(next)
		for _, np := range slices.Compact(next) {
			queue = append(queue, delivery{to: np, from: name, data: out.Data, results: map[uint32]interpreter.CallResult{}})
		}
		if len(out.CallRequests) > 0 {
			reqs := slices.Clone(out.CallRequests)
			slices.SortStableFunc(reqs, func(a, b interpreter.CallRequest) int { return cmp.Compare(a.ID, b.ID) })
			results := make(map[uint32]interpreter.CallResult, len(reqs))
			for _, r := range reqs {
				rep, err := h.answer(name, r.Service, r.Function, r.Args)
				if err != nil {
					return nil, fmt.Errorf("scenario %s: step %d on %s: answering %s.%s: %w", s.Name, res.Steps, name, r.Service, r.Function, err)
				}
				switch rep.when {
				case whenAtOnce:
					results[r.ID] = rep.result
				case whenLater:
					h.setTimer(name, r.ID, rep.after, rep.result)
				}
			}
			if len(results) > 0 {
				queue = append(queue, delivery{to: id.PeerID, from: name, results: results})
			}
		}
	}
	res.Completed = len(queue) == 0 && len(h.timers) == 0
	res.Callbacks, res.Errors = append(res.Callbacks, h.callbacks...), append(res.Errors, h.errors...)
	if o.DataView != nil {
		for _, name := range slices.Sorted(maps.Keys(stored)) {
			b := stored[name]
			if len(b) == 0 {
				continue
			}
			v, err := o.DataView(b)
			if err != nil {
				return nil, fmt.Errorf("scenario %s: the data of %s: %w", s.Name, name, err)
			}
			if res.Data == nil {
				res.Data = map[string]json.RawMessage{}
			}
			res.Data[name] = v
		}
	}
	return res, nil
}

// JSON returns the result as indented JSON (HTML characters not escaped), the `--json` form.
func (r *Result) JSON() []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		// Only a malformed Data view or argument can get here.
		return fmt.Appendf(nil, "{\"error\": %q}\n", err.Error())
	}
	return b.Bytes()
}
