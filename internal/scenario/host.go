// Scenario host rules: how a run of a scenario hands the particle from peer to peer and answers
// its calls. There is one implementation, this package's: internal/scenario/reference runs the
// reference interpreter, AquaVM 0.62, inside the same host (RunFallible), so both interpreters
// meet the same deliveries and the same answers, byte for byte.
//
// Peers. Each name in `peers` is a peer. Its ed25519 secret-key seed is sha256(name) and its peer
// id is the libp2p peer id of the public key (identity multihash, base58: "12D3KooW...").
//
// Templates. "{{peer:NAME}}" becomes NAME's peer id, in `script` and in every string (not object
// keys) inside `args`, `services[].result`, `services[].error`, `services[].results` and `expect`.
// "{{self}}" becomes the name of the peer answering the call, only inside the values of service
// rules (when the call is answered). Any other "{{" (no "}}" after it, an unknown name, anything
// else between the braces, "{{self}}" outside a rule) is an error.
//
// Particle. `particle` = {id, timestamp, ttl}, defaults {"p-1", 1700000000000, 600000}. Every run
// gets init_peer_id = the peer id of `init`, that particle id, timestamp and ttl, and the running
// peer's own id and key. The ttl is passed on, never enforced.
//
// Delivery. A FIFO queue of deliveries {to, from, data, call_results}, which starts with one:
// {to: init, from: none, data: empty, call_results: {}}. Repeat until the queue is empty:
//   - The head delivery's `to` is not a peer id of the scenario: remove it and append {from, to}
//     to `undelivered` (from = the sending peer's name). This is not a step.
//   - Else, if `steps` = `max_steps` (default 10000): stop, leaving the queue non-empty.
//   - Else remove it, steps += 1, and run the script on that peer with prev = the peer's stored
//     data (empty before its first success), current = the delivery's data, and its call results.
//   - If ret_code != 0: append {peer (name), ret_code, message (error_message)} to
//     `interpreter_errors`, and that is all (js-client's rule): the stored data is kept, the
//     outcome's data goes nowhere, its next peers and call requests are ignored. (Acting on them,
//     as oracle/net-sim.mjs does, makes a peer answer calls of data it then throws away, and a
//     catchable error after a call can loop forever.)
//   - If ret_code = 0: the outcome's data becomes the peer's stored data. For each next peer, in
//     byte order of the peer-id strings and without duplicates, enqueue {to: it, from: this peer,
//     data: the outcome's data, call_results: {}}. Then, if there are call requests, answer each in
//     call-id order (below) and enqueue one delivery {to: this peer, from: this peer, data: empty,
//     call_results: {id: answer, ...}}.
// `completed` = the queue ran empty (the run was not cut short by max_steps).
// `data` = for each peer with stored data, the JSON view of that data (AquaVM's human-readable
// view). Peers that never stored data are absent.
//
// Answering a call request (on peer P, named N; service S, function F, arguments A). An answer is
// (ret_code, result), result being a JSON text. A value V is printed as compact JSON: object keys
// in the order given, numbers exactly as written (from the scenario) or as serde_json prints them
// (from arguments), strings escaped as JavaScript's JSON.stringify does ("\"", "\\", \b \f \n \r
// \t, other controls as \u00xx). An error message M is answered as (1, M printed as a JSON string).
// First rule that applies wins:
//   1. Service rules, in file order: the first rule with (peer = N or peer = "*"), service = S and
//      function = F. `result: V` -> (0, V); `error: V` -> (ret_code of the rule, default 1, V);
//      `results: [V1..Vn]` -> the k-th call (k = 1, 2, ...) of this rule on this peer gets
//      (0, Vk), and once they are used up: error "S.F on N: all n results used". "{{self}}" in
//      V becomes N.
//   2. On the init peer only:
//      getDataSrv.NAME -> (0, args[NAME]); error "getDataSrv: the scenario has no arg NAME" when
//        args has no key NAME;
//      callbackSrv.F and return.F (any F) -> append {service, function, args: A} to `callbacks`,
//        answer (0, null);
//      errorHandlingSrv.F (any F) -> append {service, function, args: A} to `errors`, (0, null).
//   3. Builtins, on every peer:
//      op.noop -> (0, null), whatever A;
//      op.identity -> A empty: (0, null); one argument: (0, A[0]); more: error
//        "op.identity takes at most 1 argument, got n";
//      op.array -> (0, A);
//      op.concat -> (0, the concatenation of the arguments), each must be an array, else error
//        "op.concat: argument i is not an array" (i counting from 0);
//      op.array_length -> exactly one argument, an array: (0, its length); else error
//        "op.array_length takes one array argument";
//      op.concat_strings -> (0, the concatenation of the arguments), each must be a string, else
//        error "op.concat_strings: argument i is not a string";
//      peer.identify -> (0, {"external_addresses":[],"peer_id":P}).
//   4. Anything else: error "no service S.F on peer N".
//
// Result: {"callbacks": [...], "errors": [...], "interpreter_errors": [...], "steps": n,
// "completed": bool, "undelivered": [...] (only when non-empty), "data": {...} (only when
// non-empty)}; callbacks and errors in the order their calls were answered.

package scenario

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/aquanet/aquanet/internal/scenario/yamljson"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/value"
)

// host answers call requests for one run of a scenario.
type host struct {
	s         *Scenario
	ids       map[string]Identity
	ruleCalls map[ruleKey]int
	callbacks []Call
	errors    []Call
}

type ruleKey struct {
	rule int
	peer string
}

func okJSON(text []byte) interpreter.CallResult {
	return interpreter.CallResult{RetCode: 0, Result: string(text)}
}

func errMsg(format string, args ...any) interpreter.CallResult {
	return interpreter.CallResult{RetCode: 1, Result: string(yamljson.AppendString(nil, fmt.Sprintf(format, args...)))}
}

var nullResult = interpreter.CallResult{RetCode: 0, Result: "null"}

// answer answers a call to service.function with args on the peer named name.
func (h *host) answer(name, service, function string, args []value.Value) (interpreter.CallResult, error) {
	// 1. Service rules.
	for i, r := range h.s.Services {
		if (r.Peer != name && r.Peer != "*") || r.Service != service || r.Function != function {
			continue
		}
		var v json.RawMessage
		switch r.Kind {
		case RuleResult, RuleError:
			v = r.Value
		case RuleResults:
			k := ruleKey{i, name}
			n := h.ruleCalls[k]
			h.ruleCalls[k] = n + 1
			if n >= len(r.Results) {
				return errMsg("%s.%s on %s: all %d results used", service, function, name, len(r.Results)), nil
			}
			v = r.Results[n]
		default:
			return interpreter.CallResult{}, fmt.Errorf("services[%d]: no kind of rule", i)
		}
		v, err := expandJSON(v, h.ids, selfReplace, name)
		if err != nil {
			return interpreter.CallResult{}, fmt.Errorf("services[%d]: %w", i, err)
		}
		if r.Kind == RuleError {
			return interpreter.CallResult{RetCode: r.RetCode, Result: string(v)}, nil
		}
		return okJSON(v), nil
	}

	// 2. The init peer's services.
	if name == h.s.Init {
		switch service {
		case "getDataSrv":
			if v, ok := h.s.Args[function]; ok {
				return okJSON(v), nil
			}
			return errMsg("getDataSrv: the scenario has no arg %s", function), nil
		case "callbackSrv", "return":
			h.callbacks = append(h.callbacks, Call{Service: service, Function: function, Args: argTexts(args)})
			return nullResult, nil
		case "errorHandlingSrv":
			h.errors = append(h.errors, Call{Service: service, Function: function, Args: argTexts(args)})
			return nullResult, nil
		}
	}

	// 3. Builtins.
	switch service + "." + function {
	case "op.noop":
		return nullResult, nil
	case "op.identity":
		switch len(args) {
		case 0:
			return nullResult, nil
		case 1:
			return okJSON(args[0].AppendJSON(nil)), nil
		}
		return errMsg("op.identity takes at most 1 argument, got %d", len(args)), nil
	case "op.array":
		return okJSON(appendArray(nil, args)), nil
	case "op.concat":
		var all []value.Value
		for i, a := range args {
			if a.Kind() != value.KindArray {
				return errMsg("op.concat: argument %d is not an array", i), nil
			}
			for j := range a.Len() {
				all = append(all, a.Index(j))
			}
		}
		return okJSON(appendArray(nil, all)), nil
	case "op.array_length":
		if len(args) != 1 || args[0].Kind() != value.KindArray {
			return errMsg("op.array_length takes one array argument"), nil
		}
		return okJSON(strconv.AppendInt(nil, int64(args[0].Len()), 10)), nil
	case "op.concat_strings":
		var s []byte
		for i, a := range args {
			str, ok := a.Str()
			if !ok {
				return errMsg("op.concat_strings: argument %d is not a string", i), nil
			}
			s = append(s, str...)
		}
		return okJSON(yamljson.AppendString(nil, string(s))), nil
	case "peer.identify":
		b := append([]byte(`{"external_addresses":[],"peer_id":`), yamljson.AppendString(nil, h.ids[name].PeerID)...)
		return okJSON(append(b, '}')), nil
	}

	// 4. Nothing else.
	return errMsg("no service %s.%s on peer %s", service, function, name), nil
}

// appendArray appends the JSON array of vs.
func appendArray(dst []byte, vs []value.Value) []byte {
	dst = append(dst, '[')
	for i, v := range vs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = v.AppendJSON(dst)
	}
	return append(dst, ']')
}

// argTexts returns the JSON texts of call arguments.
func argTexts(args []value.Value) []json.RawMessage {
	out := make([]json.RawMessage, len(args))
	for i, a := range args {
		out[i] = a.AppendJSON(nil)
	}
	return out
}

// Host answers calls as a run of the scenario does (its rules, then the init peer's
// getDataSrv, callbackSrv, return and errorHandlingSrv, then the emulated builtins), for
// runners that drive the peers themselves, such as the simulator. Rules with a results list
// count their calls per Host.
type Host struct{ h *host }

// NewHost returns a host for s with fresh rule counters.
func NewHost(s *Scenario) *Host {
	return &Host{&host{s: s, ids: s.ids, ruleCalls: map[ruleKey]int{}}}
}

// Answer answers a call to service.function with args on the peer called peer.
func (h *Host) Answer(peer, service, function string, args []value.Value) (interpreter.CallResult, error) {
	return h.h.answer(peer, service, function, args)
}
