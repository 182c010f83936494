package scenario

import (
	"crypto/ed25519"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/value"
)

func mustParse(t *testing.T, y string) *Scenario {
	t.Helper()
	s, err := Parse([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustRun(t *testing.T, s *Scenario, step Step) *Result {
	t.Helper()
	r, err := Run(s, step)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// names maps the peer ids of the runs in log to names.
func names(s *Scenario, log []fakeRun) []string {
	byID := map[string]string{}
	for _, n := range s.Peers {
		byID[s.PeerID(n)] = n
	}
	var out []string
	for _, r := range log {
		out = append(out, byID[r.Peer])
	}
	return out
}

func argsText(c Call) string {
	var parts []string
	for _, a := range c.Args {
		parts = append(parts, string(a))
	}
	return c.Service + "." + c.Function + "(" + strings.Join(parts, ",") + ")"
}

func TestDeliveryOrder(t *testing.T) {
	// Alice forwards to bob and carol (in that script order) and asks a local call. Next peers
	// go first, sorted by peer id (carol's sorts before bob's), then the call results back to
	// alice; each of bob and carol asks a call of its own, answered after the others.
	s := mustParse(t, `
peers: [alice, bob, carol]
init: alice
script: |
  [{"peer": "{{peer:bob}}", "service": "op", "function": "noop", "par": true},
   {"peer": "{{peer:carol}}", "service": "op", "function": "noop", "par": true},
   {"peer": "{{peer:alice}}", "service": "op", "function": "identity", "args": ["x"]}]
`)
	var log []fakeRun
	r := mustRun(t, s, fakeStep(&log))
	got := strings.Join(names(s, log), " ")
	if want := "alice carol bob alice carol bob"; got != want {
		t.Fatalf("runs %s, want %s", got, want)
	}
	if !r.Completed || r.Steps != 6 || len(r.InterpreterErrors) != 0 {
		t.Errorf("result %s", r.JSON())
	}
	// The first run: empty data, no results.
	if log[0].Prev != "" || log[0].Cur != "" || len(log[0].Results) != 0 {
		t.Errorf("first run: prev %q cur %q results %v", log[0].Prev, log[0].Cur, log[0].Results)
	}
	// carol gets alice's data as current, with nothing stored yet.
	if log[1].Prev != "" || log[1].Cur == "" {
		t.Errorf("carol's first run: prev %q cur %q", log[1].Prev, log[1].Cur)
	}
	// The call results come back with empty current data, alice's stored data as prev.
	back := log[3]
	if back.Cur != "" || back.Prev == "" {
		t.Errorf("results run: prev %q cur %q", back.Prev, back.Cur)
	}
	if res, ok := back.Results[1]; !ok || res.RetCode != 0 || res.Result != `"x"` || len(back.Results) != 1 {
		t.Errorf("results run: results %v, want {1: 0 \"x\"}", back.Results)
	}
	// Parameters.
	alice, _ := s.Identity("alice")
	for _, run := range log {
		p := run.Params
		if p.InitPeerID != alice.PeerID || p.ParticleID != "p-1" || p.Timestamp != 1700000000000 || p.TTL != 600000 {
			t.Errorf("params %+v", p)
		}
		if !p.Key.Public().(ed25519.PublicKey).Equal(s.ids[names(s, []fakeRun{run})[0]].Key.Public()) {
			t.Errorf("run on %s with another peer's key", run.Peer)
		}
	}
}

func TestCallRequestsAnsweredInIDOrder(t *testing.T) {
	s := mustParse(t, `
peers: [alice]
init: alice
script: "[]"
`)
	var order []string
	step := func(script string, prev, cur []byte, results map[uint32]interpreter.CallResult, p interpreter.Params) interpreter.Outcome {
		if len(prev) == 0 {
			return interpreter.Outcome{Data: []byte("1"), CallRequests: []interpreter.CallRequest{
				{ID: 3, Service: "callbackSrv", Function: "c", Args: []value.Value{value.Int(3)}},
				{ID: 1, Service: "callbackSrv", Function: "a", Args: []value.Value{value.Int(1)}},
				{ID: 2, Service: "return", Function: "b", Args: []value.Value{value.Int(2)}},
			}}
		}
		for id := uint32(1); id <= 3; id++ {
			if results[id].Result != "null" {
				order = append(order, "bad result")
			}
		}
		return interpreter.Outcome{Data: []byte("2")}
	}
	r := mustRun(t, s, step)
	var got []string
	for _, c := range r.Callbacks {
		got = append(got, argsText(c))
	}
	if strings.Join(got, " ") != "callbackSrv.a(1) return.b(2) callbackSrv.c(3)" || len(order) != 0 {
		t.Errorf("callbacks %v %v", got, order)
	}
}

// runCalls runs a one-peer fake script of local calls on alice, ending with a callback of every
// result, and returns the callback's arguments (or the interpreter error).
func runCalls(t *testing.T, extra string, calls ...string) (string, *Result) {
	t.Helper()
	var script []string
	var refs []string
	for i, c := range calls {
		script = append(script, c)
		refs = append(refs, `"$`+strconv.Itoa(i)+`"`)
	}
	script = append(script, `{"peer": "{{peer:alice}}", "service": "callbackSrv", "function": "response", "args": [`+strings.Join(refs, ",")+`]}`)
	sb, _ := json.Marshal("[" + strings.Join(script, ",") + "]")
	s := mustParse(t, "peers: [alice, bob]\ninit: alice\nscript: "+string(sb)+"\n"+extra)
	r := mustRun(t, s, fakeStep(nil))
	if len(r.Callbacks) != 1 {
		return "", r
	}
	var parts []string
	for _, a := range r.Callbacks[0].Args {
		parts = append(parts, string(a))
	}
	return strings.Join(parts, " "), r
}

func call(service, function string, args ...string) string {
	return `{"peer": "{{peer:alice}}", "service": "` + service + `", "function": "` + function + `", "args": [` + strings.Join(args, ",") + `]}`
}

func TestBuiltins(t *testing.T) {
	// The node's builtins, a sample of each service, and the peer service on the scenario's
	// clock and peers.
	s := mustParse(t, "peers: [alice, bob]\ninit: alice\nscript: x")
	stranger, err := NewIdentity("carol") // not a peer of the scenario
	if err != nil {
		t.Fatal(err)
	}
	got, r := runCalls(t, "",
		call("op", "noop", "1"),
		call("op", "identity"),
		call("op", "identity", `{"b": 1.0, "a": [18446744073709551615]}`),
		call("op", "array", `1`, `"two"`, `[]`),
		call("op", "concat", `[1]`, `[]`, `[2, [3]]`),
		call("op", "array_length", `[1, 2, 3]`),
		call("op", "concat_strings", `"a"`, `""`, `"b\u00e9"`),
		call("op", "string_to_b58", `"hello"`),
		call("op", "sha256_string", `"hello"`),
		call("math", "sub", "5", "7"),
		call("cmp", "gt", "3", "2"),
		call("array", "slice", `[1, 2, 3, 4]`, "1", "3"),
		call("json", "obj", `"b"`, "1", `"a"`, `[true]`),
		call("debug", "stringify", `"x"`, "1"),
		call("peer", "identify"),
		call("peer", "timestamp_ms"),
		call("peer", "timestamp_sec"),
		call("peer", "is_connected", `"`+s.PeerID("bob")+`"`),
		call("peer", "is_connected", `"`+s.PeerID("alice")+`"`),
		call("peer", "get_contact", `"`+s.PeerID("bob")+`"`),
		call("peer", "get_contact", `"`+stranger.PeerID+`"`),
		call("peer", "connect", `"`+s.PeerID("bob")+`"`, `["/ip4/127.0.0.1/tcp/1"]`),
	)
	want := strings.Join([]string{`""`, `""`, `{"a":[18446744073709551615],"b":1.0}`, `[1,"two",[]]`, `[1,2,[3]]`, `3`, `"abé"`,
		`"Cn8eVZg"`, `"QmRN6wdp1S2A5EtjW9A3M1vKSBuQQGcgvuhoMUoEz4iiT5"`, `-2`, `true`, `[2,3]`, `{"a":[true],"b":1}`, `"[\"x\",1]"`,
		`{"air_version":"0.62.0","external_addresses":[],"node_version":""}`, `1700000000000`, `1700000000`, `true`, `false`,
		`{"addresses":[],"peer_id":"` + s.PeerID("bob") + `"}`, `""`, `true`}, " ")
	if got != want {
		t.Errorf("got  %s\nwant %s\n%s", got, want, r.JSON())
	}
}

func TestBuiltinErrors(t *testing.T) {
	bob := mustParse(t, "peers: [alice, bob]\ninit: alice\nscript: x").PeerID("bob")
	for _, tc := range []struct{ call, want string }{
		// Fluence's node words a missing service and a missing function of a builtin alike.
		{call("nope", "nothing"), `"Service with id 'nope' not found (function nothing)"`},
		{call("op", "nothing"), `"Service with id 'op' not found (function nothing)"`},
		{call("peer", "nothing"), `"Service with id 'peer' not found (function nothing)"`},
		{call("op", "identity", "1", "2"), `"identity accepts up to 1 arguments, received 2 arguments"`},
		{call("op", "concat", "[]", `"x"`), `"all arguments of 'concat' must be arrays: argument #1 is not"`},
		{call("math", "sub", `"5"`, "1"), `"Error: Error deserializing field 'x': expected i64, got \"5\""`},
		{call("op", "string_to_b58"), `"Error: Field 'string' is missing from args to call_service"`},
		{call("peer", "is_connected", `"bob"`), `"invalid peer id 'bob': failed to parse peer ID: invalid cid: invalid cid: expected 1 as the cid version number, got: 112"`},
		{call("peer", "timeout", `"soon"`), `"Error: Error deserializing field 'duration_ms': expected u64, got \"soon\""`},
		{call("getDataSrv", "absent"), `"getDataSrv: the scenario has no arg absent"`},
		// connect is for the node's host and operator: on bob, the initiator alice is neither.
		{`{"peer": "` + bob + `", "service": "peer", "function": "connect", "args": ["` + bob + `"]}`,
			`"This function is only available to the host or worker spells"`},
	} {
		_, r := runCalls(t, "", tc.call)
		if len(r.InterpreterErrors) != 1 || r.InterpreterErrors[0].Message != "call 0 failed: 1 "+tc.want {
			t.Errorf("%s: got %s, want the message %s", tc.call, r.JSON(), tc.want)
		}
	}
}

func TestServiceRules(t *testing.T) {
	got, r := runCalls(t, `
args: {relay: "{{peer:bob}}", n: 1.0}
services:
  - {peer: alice, service: op, function: identity, result: "overridden for {{self}}"}
  - {peer: "*", service: who, function: am_i, result: {me: "{{self}}", bob: "{{peer:bob}}"}}
  - {peer: alice, service: counter, function: next, results: [1, "two", null]}
  - {peer: "*", service: counter, function: next, results: [99]}
`,
		call("op", "identity", "5"),
		call("who", "am_i"),
		call("counter", "next"),
		call("counter", "next"),
		call("counter", "next"),
		call("getDataSrv", "relay"),
		call("getDataSrv", "n"),
	)
	s := mustParse(t, "peers: [alice, bob]\ninit: alice\nscript: x")
	want := `"overridden for alice" {"bob":"` + s.PeerID("bob") + `","me":"alice"} 1 "two" null "` + s.PeerID("bob") + `" 1.0`
	if got != want {
		t.Errorf("got  %s\nwant %s\n%s", got, want, r.JSON())
	}

	// Results used up; errors with and without ret_code; a rule for another peer does not apply.
	for _, tc := range []struct{ rules, call, want string }{
		{"[{peer: alice, service: c, function: n, results: []}]", call("c", "n"), `call 0 failed: 1 "c.n on alice: all 0 results used"`},
		{`[{peer: alice, service: t, function: f, error: "boom {{self}}"}]`, call("t", "f"), `call 0 failed: 1 "boom alice"`},
		{`[{peer: alice, service: t, function: f, error: {b: 1, a: "x"}, ret_code: -3}]`, call("t", "f"), `call 0 failed: -3 {"b":1,"a":"x"}`},
		{`[{peer: bob, service: t, function: f, result: 1}]`, call("t", "f"), `call 0 failed: 1 "Service with id 't' not found (function f)"`},
	} {
		_, r := runCalls(t, "services: "+tc.rules, tc.call)
		if len(r.InterpreterErrors) != 1 || r.InterpreterErrors[0].Message != tc.want {
			t.Errorf("%s: got %s, want %s", tc.rules, r.JSON(), tc.want)
		}
	}
}

func TestCallbacksOnlyOnInit(t *testing.T) {
	s := mustParse(t, `
peers: [alice, bob]
init: alice
script: |
  [{"peer": "{{peer:alice}}", "service": "errorHandlingSrv", "function": "error", "args": ["e", 0]},
   {"peer": "{{peer:bob}}", "service": "callbackSrv", "function": "response", "args": ["from bob"]}]
`)
	r := mustRun(t, s, fakeStep(nil))
	if len(r.Errors) != 1 || argsText(r.Errors[0]) != `errorHandlingSrv.error("e",0)` {
		t.Errorf("errors %v", r.Errors)
	}
	if len(r.Callbacks) != 0 || len(r.InterpreterErrors) != 1 || r.InterpreterErrors[0].Peer != "bob" ||
		!strings.Contains(r.InterpreterErrors[0].Message, `"Service with id 'callbackSrv' not found (function response)"`) {
		t.Errorf("result %s", r.JSON())
	}
}

func TestFailedRunIsDropped(t *testing.T) {
	// A run with ret code != 0: recorded, its data not stored, its next peers and call requests
	// ignored.
	s := mustParse(t, "peers: [alice, bob]\ninit: alice\nscript: x\n")
	runs := 0
	var prevs []string
	step := func(script string, prev, cur []byte, results map[uint32]interpreter.CallResult, p interpreter.Params) interpreter.Outcome {
		runs++
		prevs = append(prevs, string(prev))
		if runs == 1 {
			return interpreter.Outcome{Data: []byte("good"), CallRequests: []interpreter.CallRequest{{ID: 1, Service: "op", Function: "noop"}}}
		}
		return interpreter.Outcome{RetCode: 10006, ErrorMessage: "failed", Data: []byte("bad"), NextPeers: []string{s.PeerID("bob")},
			CallRequests: []interpreter.CallRequest{{ID: 2, Service: "callbackSrv", Function: "response"}}}
	}
	r := mustRun(t, s, step)
	if runs != 2 || r.Steps != 2 || !r.Completed || len(r.Callbacks) != 0 {
		t.Fatalf("runs %d, result %s", runs, r.JSON())
	}
	if prevs[1] != "good" {
		t.Errorf("second run's prev %q, want the first run's data", prevs[1])
	}
	if len(r.InterpreterErrors) != 1 || r.InterpreterErrors[0] != (InterpreterError{Peer: "alice", RetCode: 10006, Message: "failed"}) {
		t.Errorf("interpreter errors %v", r.InterpreterErrors)
	}
	runs = 0
	r2, err := RunWith(s, step, Options{DataView: func(b []byte) (json.RawMessage, error) { return json.Marshal(string(b)) }})
	if err != nil {
		t.Fatal(err)
	}
	if string(r2.Data["alice"]) != `"good"` || len(r2.Data) != 1 {
		t.Errorf("data %v, want alice's stored data only", r2.Data)
	}
}

func TestMaxSteps(t *testing.T) {
	// A ping-pong that never ends.
	s := mustParse(t, "peers: [alice, bob]\ninit: alice\nscript: x\nmax_steps: 7\n")
	step := func(script string, prev, cur []byte, results map[uint32]interpreter.CallResult, p interpreter.Params) interpreter.Outcome {
		other := s.PeerID("bob")
		if p.CurrentPeerID == other {
			other = s.PeerID("alice")
		}
		return interpreter.Outcome{Data: []byte("d"), NextPeers: []string{other}}
	}
	r := mustRun(t, s, step)
	if r.Steps != 7 || r.Completed {
		t.Errorf("result %s, want 7 steps, not completed", r.JSON())
	}
	// The default bound.
	s.MaxSteps = 0
	if r := mustRun(t, s, step); r.Steps != DefaultMaxSteps || r.Completed {
		t.Errorf("steps %d, want %d", r.Steps, DefaultMaxSteps)
	}
}

func TestUndelivered(t *testing.T) {
	s := mustParse(t, `
peers: [alice]
init: alice
script: '[{"peer": "12D3KooWNobody", "service": "op", "function": "noop", "par": true}, {"peer": "{{peer:alice}}", "service": "return", "function": "", "args": [1]}]'
`)
	r := mustRun(t, s, fakeStep(nil))
	if len(r.Undelivered) != 1 || r.Undelivered[0] != (Undelivered{From: "alice", To: "12D3KooWNobody"}) || !r.Completed || len(r.Callbacks) != 1 {
		t.Errorf("result %s", r.JSON())
	}
}

func TestUncatchableKeepsData(t *testing.T) {
	s := mustParse(t, `
peers: [alice, bob]
init: alice
script: |
  [{"peer": "{{peer:bob}}", "service": "op", "function": "identity", "args": [1]},
   {"peer": "{{peer:bob}}", "service": "fail", "function": "uncatchable"}]
`)
	r, err := RunWith(s, fakeStep(nil), Options{DataView: func(b []byte) (json.RawMessage, error) { return b, nil }})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.InterpreterErrors) != 1 || r.InterpreterErrors[0].Peer != "bob" || r.InterpreterErrors[0].RetCode != 20000 {
		t.Fatalf("result %s", r.JSON())
	}
	// bob's stored data is from the run before the failure: call 0 pending, not done.
	var d fakeData
	if err := json.Unmarshal(r.Data["bob"], &d); err != nil || len(d.Done) != 0 || d.Pending[0] != 1 {
		t.Errorf("bob's data %s", r.Data["bob"])
	}
}

func TestRunHandBuiltScenario(t *testing.T) {
	// A Scenario not made by Parse gets its identities from its peer names.
	s := &Scenario{Peers: []string{"alice"}, Init: "alice", Script: `[{"peer": "PEER", "service": "return", "function": "x", "args": [2]}]`}
	id, err := NewIdentity("alice")
	if err != nil {
		t.Fatal(err)
	}
	s.Script = strings.ReplaceAll(s.Script, "PEER", id.PeerID)
	r := mustRun(t, s, fakeStep(nil))
	if len(r.Callbacks) != 1 || argsText(r.Callbacks[0]) != "return.x(2)" {
		t.Errorf("result %s", r.JSON())
	}
	if _, err := Run(&Scenario{Peers: []string{"alice"}, Init: "bob"}, fakeStep(nil)); err == nil {
		t.Error("init not a peer: no error")
	}
}

func TestResultJSON(t *testing.T) {
	r := &Result{Callbacks: []Call{{Service: "s", Function: "f", Args: []json.RawMessage{json.RawMessage(`"<&>"`), json.RawMessage(`1.0`)}}},
		Errors: []Call{}, InterpreterErrors: []InterpreterError{}, Steps: 2, Completed: true}
	got := string(r.JSON())
	if !strings.Contains(got, `"<&>"`) || !strings.Contains(got, "1.0") || !strings.Contains(got, `"interpreter_errors": []`) || strings.Contains(got, "undelivered") {
		t.Errorf("JSON:\n%s", got)
	}
	var back Result
	if err := json.Unmarshal([]byte(got), &back); err != nil || back.Steps != 2 {
		t.Errorf("round trip: %v %+v", err, back)
	}
}

func TestPeerTimeout(t *testing.T) {
	// Timers fire once nothing else is left to deliver, earliest first, each moving the clock
	// to its time; one that would end at the deadline is never set, and leaves nothing pending.
	par := func(c string) string { return strings.Replace(c, `"args"`, `"par": true, "args"`, 1) }
	script, _ := json.Marshal("[" + strings.Join([]string{
		par(call("peer", "timeout", "2000", `"second"`)),
		par(call("peer", "timeout", `"1000"`, `["first"]`)),
		par(call("peer", "timeout", "5000", `"never"`)),
		call("peer", "timestamp_ms", `"$1"`),
		call("peer", "timestamp_sec", `"$0"`),
		call("callbackSrv", "response", `"$1"`, `"$0"`, `"$3"`, `"$4"`),
	}, ",") + "]")
	s := mustParse(t, "peers: [alice]\ninit: alice\nparticle: {timestamp: 1700000000500, ttl: 5000}\nscript: "+string(script))
	r := mustRun(t, s, fakeStep(nil))
	if len(r.Callbacks) != 1 || argsText(r.Callbacks[0]) != `callbackSrv.response("first","second",1700000001500,1700000002)` ||
		!r.Completed || r.Steps != 6 {
		t.Errorf("result %s, want the callback (first, second, +1000 ms, +2000 ms in s) in 6 steps", r.JSON())
	}
	// A timer still pending when max_steps cuts the run: not completed.
	s.MaxSteps = 2
	if r := mustRun(t, s, fakeStep(nil)); r.Completed || r.Steps != 2 {
		t.Errorf("cut by max_steps with timers pending: %s", r.JSON())
	}
}

func TestRuleOverridesBuiltin(t *testing.T) {
	got, r := runCalls(t, "services: [{peer: \"*\", service: peer, function: timestamp_ms, result: 42}, {peer: alice, service: op, function: noop, results: [\"mine\"]}]",
		call("peer", "timestamp_ms"), call("op", "noop"), call("math", "add", "1", "2"))
	if got != `42 "mine" 3` {
		t.Errorf("got %s, want the rules' answers and the builtin's; %s", got, r.JSON())
	}
	_, r = runCalls(t, `services: [{peer: alice, service: math, function: sub, error: "no maths today"}]`, call("math", "sub", "3", "1"))
	if len(r.InterpreterErrors) != 1 || r.InterpreterErrors[0].Message != `call 0 failed: 1 "no maths today"` {
		t.Errorf("an error rule over math.sub: %s", r.JSON())
	}
}
