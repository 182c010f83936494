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
// peer's own id and key.
//
// Clock. The scenario has one clock, in ms since the Unix epoch. It starts at the particle's
// timestamp and stands still while deliveries are queued: it moves only to fire a timer (set by
// peer.timeout), when nothing else is left to deliver. The particle's deadline is timestamp +
// ttl; a timer that would fire at or after it is never set, so the clock never reaches the
// deadline and the ttl ends nothing else.
//
// Delivery. A FIFO queue of deliveries {to, from, data, call_results}, which starts with one:
// {to: init, from: none, data: empty, call_results: {}}. Repeat:
//   - If the queue is empty and a timer is pending: remove the earliest (ties: the first set),
//     move the clock to its time and enqueue {to: its peer, from: its peer, data: empty,
//     call_results: {its call id: its answer}}. If the queue is empty and no timer is pending,
//     stop.
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
//     data: the outcome's data, call_results: {}}. Then answer each call request in call-id order
//     (below); the answers given at once go in one delivery {to: this peer, from: this peer, data:
//     empty, call_results: {id: answer, ...}}, enqueued if there is at least one.
// `completed` = the queue ran empty with no timer pending (the run was not cut by max_steps).
// `data` = for each peer with stored data, the JSON view of that data (AquaVM's human-readable
// view). Peers that never stored data are absent.
//
// Answering a call request (on peer P, named N; service S, function F, arguments A). An answer is
// (ret_code, result), result being a JSON text. A value V is printed as compact JSON: object keys
// in the order given, numbers exactly as written (from the scenario) or as serde_json prints them
// (from arguments and builtins), strings escaped as JavaScript's JSON.stringify does ("\"", "\\",
// \b \f \n \r \t, other controls as \u00xx). An error message M is answered as (1, M printed as a
// JSON string). First rule that applies wins:
//   1. Service rules, in file order: the first rule with (peer = N or peer = "*"), service = S and
//      function = F. `result: V` -> (0, V); `error: V` -> (ret_code of the rule, default 1, V);
//      `results: [V1..Vn]` -> the k-th call (k = 1, 2, ...) of this rule on this peer gets
//      (0, Vk), and once they are used up: error "S.F on N: all n results used". "{{self}}" in
//      V becomes N. A rule may name a builtin: it wins over the builtin.
//   2. On the init peer only:
//      getDataSrv.NAME -> (0, args[NAME]); error "getDataSrv: the scenario has no arg NAME" when
//        args has no key NAME;
//      callbackSrv.F and return.F (any F) -> append {service, function, args: A} to `callbacks`,
//        answer (0, null);
//      errorHandlingSrv.F (any F) -> append {service, function, args: A} to `errors`, (0, null).
//   3. The node's builtins, on every peer, answered as an aquanet node answers them (with
//      Fluence's node's results and error texts): every function of the services of package
//      actors/builtin (op, math, cmp, array, json, debug), and the peer service on a node whose
//      clock is the scenario's, whose host and operator are P itself, with no version and no
//      addresses, and whose transport reaches every other peer of the scenario:
//      peer.identify -> (0, {"air_version":"0.62.0","external_addresses":[],"node_version":""});
//      peer.timestamp_ms, peer.timestamp_sec -> (0, the clock in ms, or in whole seconds);
//      peer.is_connected(id) -> (0, whether id is another peer of the scenario);
//      peer.get_contact(id) -> (0, {"addresses":[],"peer_id":id}) for another peer, else (0, "");
//      peer.connect(id, addrs?) -> as is_connected when P is the init peer, else the node's
//        error "This function is only available to the host or worker spells";
//      peer.timeout(ms, message?) -> a timer ms after the clock, whose answer is (0, message, or
//        ""); no answer ever if that is at or after the deadline.
//      Arguments are read as the node reads them: a bad one is (1, the node's message).
//   4. Anything else, a builtin service's unknown function included: error
//      "Service with id 'S' not found (function F)", the node's.
//
// Result: {"callbacks": [...], "errors": [...], "interpreter_errors": [...], "steps": n,
// "completed": bool, "undelivered": [...] (only when non-empty), "data": {...} (only when
// non-empty)}; callbacks and errors in the order their calls were answered.

package scenario

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/aquanet/aquanet/actors/builtin"
	"github.com/aquanet/aquanet/internal/scenario/yamljson"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/value"
)

// host answers call requests for one run of a scenario and keeps its clock and timers.
type host struct {
	s         *Scenario
	ids       map[string]Identity // by name
	byID      map[string]string   // peer id -> name
	ruleCalls map[ruleKey]int
	callbacks []Call
	errors    []Call

	now      uint64 // the clock, ms since the Unix epoch
	deadline uint64 // the particle's: timestamp + ttl
	timers   []timer
	timerSeq uint64
}

type ruleKey struct {
	rule int
	peer string
}

// timer is an answer the clock gives later: peer.timeout's.
type timer struct {
	at     uint64 // when it fires, on the clock
	seq    uint64 // the order timers were set in, for ties
	peer   string // the name of the peer that called
	callID uint32
	answer interpreter.CallResult
}

func newHost(s *Scenario, ids map[string]Identity) *host {
	byID := make(map[string]string, len(ids))
	for name, id := range ids {
		byID[id.PeerID] = name
	}
	return &host{s: s, ids: ids, byID: byID, ruleCalls: map[ruleKey]int{},
		now: s.Particle.Timestamp, deadline: s.Particle.Timestamp + uint64(s.Particle.TTL)}
}

// reply is how a call is answered: at once, by a timer, or never.
type reply struct {
	result interpreter.CallResult
	when   when
	after  uint64 // ms on the clock, for a reply that comes later
}

// when says when a reply comes.
type when uint8

const (
	whenAtOnce when = iota
	whenLater
	whenNever
)

func okJSON(text []byte) interpreter.CallResult {
	return interpreter.CallResult{RetCode: 0, Result: string(text)}
}

func errMsg(format string, args ...any) interpreter.CallResult {
	return interpreter.CallResult{RetCode: 1, Result: string(yamljson.AppendString(nil, fmt.Sprintf(format, args...)))}
}

var nullResult = interpreter.CallResult{RetCode: 0, Result: "null"}

// answer answers a call to service.function with args on the peer named name: rules 1 to 4.
func (h *host) answer(name, service, function string, args []value.Value) (reply, error) {
	if res, ok, err := h.declared(name, service, function, args); ok || err != nil {
		return reply{result: res}, err
	}
	return h.builtin(name, service, function, args), nil
}

// declared answers a call with the scenario's own services (rules 1 and 2); ok is false when
// neither applies.
func (h *host) declared(name, service, function string, args []value.Value) (res interpreter.CallResult, ok bool, err error) {
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
				return errMsg("%s.%s on %s: all %d results used", service, function, name, len(r.Results)), true, nil
			}
			v = r.Results[n]
		default:
			return interpreter.CallResult{}, false, fmt.Errorf("services[%d]: no kind of rule", i)
		}
		v, err := expandJSON(v, h.ids, selfReplace, name)
		if err != nil {
			return interpreter.CallResult{}, false, fmt.Errorf("services[%d]: %w", i, err)
		}
		if r.Kind == RuleError {
			return interpreter.CallResult{RetCode: r.RetCode, Result: string(v)}, true, nil
		}
		return okJSON(v), true, nil
	}

	// 2. The init peer's services.
	if name == h.s.Init {
		switch service {
		case "getDataSrv":
			if v, ok := h.s.Args[function]; ok {
				return okJSON(v), true, nil
			}
			return errMsg("getDataSrv: the scenario has no arg %s", function), true, nil
		case "callbackSrv", "return":
			h.callbacks = append(h.callbacks, Call{Service: service, Function: function, Args: argTexts(args)})
			return nullResult, true, nil
		case "errorHandlingSrv":
			h.errors = append(h.errors, Call{Service: service, Function: function, Args: argTexts(args)})
			return nullResult, true, nil
		}
	}
	return interpreter.CallResult{}, false, nil
}

// builtin answers a call as a node does (rules 3 and 4): the pure builtins with the functions
// of package actors/builtin, which the node's service actors run, the peer service as peerCall
// says. The node's wrapping of answers (actors/service: Result, NotFound) is followed here, not
// called, because the actor runtime's tests import this package; the tests of package
// scenario_test check that both answer alike.
func (h *host) builtin(name, svc, function string, args []value.Value) reply {
	if svc == "peer" {
		return h.peerCall(name, function, args)
	}
	if f, ok := builtin.Lookup(svc, function); ok {
		return reply{result: nodeResult(f(args))}
	}
	return reply{result: nodeResult(value.Value{}, notFound(svc, function))}
}

// nodeResult is a service's answer as a node returns it (service.Result): the value as JSON,
// or a failure with ret code 1 and the error's message as a JSON string.
func nodeResult(v value.Value, err error) interpreter.CallResult {
	if err != nil {
		return interpreter.CallResult{RetCode: 1, Result: value.String(err.Error()).String()}
	}
	return interpreter.CallResult{Result: string(v.AppendJSON(nil))}
}

// notFound is the node's error for a call no service answers (service.NotFound): Fluence's
// node words a missing service and a builtin's missing function alike.
func notFound(service, function string) error {
	return fmt.Errorf("Service with id '%s' not found (function %s)", service, function)
}

// setTimer sets a timer that answers the call callID of the peer named name after ms.
func (h *host) setTimer(name string, callID uint32, after uint64, answer interpreter.CallResult) {
	h.timerSeq++
	h.timers = append(h.timers, timer{at: h.now + after, seq: h.timerSeq, peer: name, callID: callID, answer: answer})
}

// nextTimer removes the earliest timer and moves the clock to it; ok is false if none is set.
func (h *host) nextTimer() (t timer, ok bool) {
	if len(h.timers) == 0 {
		return timer{}, false
	}
	i := 0
	for j, u := range h.timers {
		if u.at < h.timers[i].at || (u.at == h.timers[i].at && u.seq < h.timers[i].seq) {
			i = j
		}
	}
	t = h.timers[i]
	h.timers = slices.Delete(h.timers, i, i+1)
	h.now = t.at
	return t, true
}

// argTexts returns the JSON texts of call arguments.
func argTexts(args []value.Value) []json.RawMessage {
	out := make([]json.RawMessage, len(args))
	for i, a := range args {
		out[i] = a.AppendJSON(nil)
	}
	return out
}

// Host answers the calls a scenario declares, as a run of it does: its service rules, then on
// the init peer getDataSrv, callbackSrv, return and errorHandlingSrv; for runners whose peers
// are real nodes, which answer everything else themselves, such as the simulator. Rules with a
// results list count their calls per Host.
type Host struct{ h *host }

// NewHost returns a host for s with fresh rule counters.
func NewHost(s *Scenario) *Host {
	return &Host{newHost(s, s.ids)}
}

// Answer answers a call to service.function with args on the peer called peer. ok is false
// when the scenario declares no answer for it: a node's own services answer it, or it fails as
// a call to a service that does not exist (service.NotFound).
func (h *Host) Answer(peer, service, function string, args []value.Value) (res interpreter.CallResult, ok bool, err error) {
	return h.h.declared(peer, service, function, args)
}
