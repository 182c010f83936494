package scenario

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The example, verbatim.
const example = `name: par-join
peers: [alice, bob, carol]   # each name is a peer; ed25519 seed = sha256(name) (the oracle's rule)
init: alice                  # initiator; the particle starts there with empty data
particle: {id: p-1, timestamp: 1700000000000, ttl: 600000}   # these are the defaults
script: |                    # {{peer:NAME}} anywhere in the script or in string values becomes NAME's peer id
  (seq (par (call "{{peer:bob}}" ("peer" "name") [] n1) (call "{{peer:carol}}" ("peer" "name") [] n2))
       (call %init_peer_id% ("callbackSrv" "response") [n1 n2]))
args: {relay: "{{peer:bob}}", n: 5}    # ("getDataSrv" NAME) on the init peer returns args[NAME]; missing → error
services:                    # extra behaviours; "*" = every peer; {{self}} = the peer's own name
  - {peer: "*", service: peer, function: name, result: "{{self}}"}
  - {peer: bob, service: test, function: fail, error: "boom"}     # ret_code 1, result "boom"
  - {peer: carol, service: counter, function: next, results: [1, 2, 3]}   # successive calls
expect:                      # optional; on mismatch ` + "`air run`" + ` prints a diff and exits 1
  callbacks: [{service: callbackSrv, function: response, args: ["bob", "carol"]}]
`

// The peer ids the oracle (avm-lib.mjs's makePeer) gives these names.
var oracleIDs = map[string]string{
	"alice": "12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm",
	"bob":   "12D3KooWRkZhiRhsqmrQ28rt73K7V3aCBpqKrLGSXmZ99PTcTZby",
	"carol": "12D3KooWCRQtX2ZiwDFPHFEd22jS7feG5HFQ33TEbbrArqiwG7ob",
}

func TestPeerIDsMatchTheOracle(t *testing.T) {
	for name, want := range oracleIDs {
		id, err := NewIdentity(name)
		if err != nil {
			t.Fatal(err)
		}
		if id.PeerID != want {
			t.Errorf("%s: peer id %s, want %s", name, id.PeerID, want)
		}
	}
}

func TestParseExample(t *testing.T) {
	s := mustParse(t, example)
	bob, carol := oracleIDs["bob"], oracleIDs["carol"]
	if s.Name != "par-join" || !reflect.DeepEqual(s.Peers, []string{"alice", "bob", "carol"}) || s.Init != "alice" {
		t.Errorf("header: %+v", s)
	}
	if s.Particle != (Particle{ID: "p-1", Timestamp: 1700000000000, TTL: 600000}) || s.MaxSteps != DefaultMaxSteps {
		t.Errorf("particle %+v, max_steps %d", s.Particle, s.MaxSteps)
	}
	if !strings.Contains(s.Script, `(call "`+bob+`" ("peer" "name") [] n1)`) || !strings.Contains(s.Script, carol) || strings.Contains(s.Script, "{{") {
		t.Errorf("script %q", s.Script)
	}
	if string(s.Args["relay"]) != `"`+bob+`"` || string(s.Args["n"]) != "5" {
		t.Errorf("args %s %s", s.Args["relay"], s.Args["n"])
	}
	want := []Service{
		{Peer: "*", Service: "peer", Function: "name", Kind: RuleResult, Value: json.RawMessage(`"{{self}}"`)},
		{Peer: "bob", Service: "test", Function: "fail", Kind: RuleError, Value: json.RawMessage(`"boom"`), RetCode: 1},
		{Peer: "carol", Service: "counter", Function: "next", Kind: RuleResults,
			Results: []json.RawMessage{json.RawMessage("1"), json.RawMessage("2"), json.RawMessage("3")}},
	}
	if !reflect.DeepEqual(s.Services, want) {
		t.Errorf("services\n got %+v\nwant %+v", s.Services, want)
	}
	if s.Expect == nil || s.Expect.Callbacks == nil || len(*s.Expect.Callbacks) != 1 || s.Expect.Errors != nil || s.Expect.Completed != nil {
		t.Fatalf("expect %+v", s.Expect)
	}
}

func TestParseDefaults(t *testing.T) {
	s := mustParse(t, "{peers: [a], init: a, script: '(null)'}") // JSON-ish flow YAML
	if s.Name != "" || s.Particle != (Particle{ID: DefaultParticleID, Timestamp: DefaultTimestamp, TTL: DefaultTTL}) ||
		s.MaxSteps != DefaultMaxSteps || len(s.Args) != 0 || s.Services != nil || s.Expect != nil || s.Racy {
		t.Errorf("%+v", s)
	}
	s = mustParse(t, `{"peers": ["a"], "init": "a", "script": "(null)", "particle": {"ttl": 0}, "max_steps": 3, "racy": true, "expect": {}}`)
	if s.Particle.TTL != 0 || s.Particle.ID != DefaultParticleID || s.MaxSteps != 3 || s.Expect == nil || !s.Racy {
		t.Errorf("%+v", s)
	}
	if js, err := s.JSON(); err != nil || !mustParse(t, string(js)).Racy {
		t.Errorf("racy lost in the JSON form: %s (%v)", js, err)
	}
}

func TestParseErrors(t *testing.T) {
	const ok = "peers: [alice, bob]\ninit: alice\nscript: (null)\n"
	for _, tc := range []struct{ in, want string }{
		{"", "scenario: empty document"},
		{"[1, 2]", "a scenario must be a mapping"},
		{"just text", "a scenario must be a mapping"},
		{"init: alice\nscript: x\n", "scenario: peers: missing"},
		{"peers: []\ninit: alice\nscript: x\n", "peers: missing"},
		{"peers: alice\ninit: alice\nscript: x\n", "scenario: peers: want a list, got a string"},
		{"peers: [alice, 5]\ninit: alice\nscript: x\n", "scenario: peers: want a string, got a number"},
		{"peers: [alice, alice]\ninit: alice\nscript: x\n", `peers[1]: duplicate peer "alice"`},
		{"peers: [alice, 'bo b']\ninit: alice\nscript: x\n", `peers[1]: "bo b" is not a peer name`},
		{"peers: ['*']\ninit: '*'\nscript: x\n", `peers[0]: "*" is not a peer name`},
		{"peers: [alice]\nscript: x\n", "init: missing"},
		{"peers: [alice]\ninit: bob\nscript: x\n", `init: "bob" is not one of peers`},
		{"peers: [alice]\ninit: alice\n", "script: missing"},
		{"peers: [alice]\ninit: alice\nscript: 5\n", "scenario: script: want a string, got a number"},
		{"peers: [alice]\ninit: alice\n", "or aqua: {file: FILE, func: NAME}"},
		{ok + "aqua: {file: x.aqua, func: f}\n", "has script and aqua: give only one"},
		{"peers: [alice]\ninit: alice\naqua: {func: f}\n", "aqua.file: missing"},
		{"peers: [alice]\ninit: alice\naqua: {file: '', func: f}\n", "aqua.file: missing"},
		{"peers: [alice]\ninit: alice\naqua: {file: x.aqua}\n", "aqua.func: missing"},
		{"peers: [alice]\ninit: alice\naqua: {file: x.aqua, func: f, args: {}}\n", `unknown field "args"`},
		{"peers: [alice]\ninit: alice\naqua: x.aqua\n", "scenario: aqua: want a mapping, got a string"},
		{ok + "extra: 1\n", `unknown field "extra"`},
		{ok + "particle: {idd: x}\n", `unknown field "idd"`},
		{ok + "particle: {id: ''}\n", "particle.id: empty"},
		{ok + "particle: {timestamp: -1}\n", "particle.timestamp: want an integer from 0 to 9007199254740991, got -1"},
		{ok + "particle: {timestamp: 9007199254740992}\n", "particle.timestamp: want an integer"},
		{ok + "particle: {ttl: 4294967296}\n", "particle.ttl: want an integer from 0 to 4294967295"},
		{ok + "particle: {ttl: 1.5}\n", "particle.ttl: want an integer"},
		{ok + "max_steps: 0\n", "max_steps: want an integer from 1 to 1000000, got 0"},
		{ok + "max_steps: 1000001\n", "max_steps: want an integer from 1 to"},
		{"peers: [alice]\ninit: alice\nscript: '(call \"{{peer:zed}}\" (\"a\" \"b\") [])'\n", `script: {{peer:zed}}: no peer named "zed"`},
		{"peers: [alice]\ninit: alice\nscript: '{{peer:alice}'\n", `script: "{{peer:alice}": "{{" without "}}"`},
		{"peers: [alice]\ninit: alice\nscript: '{{self}}'\n", "script: {{self}} is only allowed in the values of service rules"},
		{"peers: [alice]\ninit: alice\nscript: '{{who}}'\n", "script: {{who}}: unknown template"},
		{ok + "args: {a: [\"{{peer:nobody}}\"]}\n", `args.a: {{peer:nobody}}: no peer named "nobody"`},
		{ok + "args: {a: \"{{self}}\"}\n", "args.a: {{self}} is only allowed"},
		{ok + "args: [1]\n", "scenario: args: want a mapping, got a list"},
		{ok + "services: {peer: alice}\n", "scenario: services: want a list, got a mapping"},
		{ok + "services: [{peer: carol, service: s, function: f, result: 1}]\n", `services[0].peer: "carol" is neither one of peers nor "*"`},
		{ok + "services: [{peer: 5, service: s, function: f, result: 1}]\n", "services.peer: want a string, got a number"},
		{ok + "services: [{service: s, function: f, result: 1}]\n", "services[0].peer: missing"},
		{ok + "services: [{peer: alice, function: f, result: 1}]\n", "services[0].service: missing"},
		{ok + "services: [{peer: alice, service: s, result: 1}]\n", "services[0].function: missing"},
		{ok + "services: [{peer: alice, service: s, function: f}]\n", "services[0]: needs one of result, error, results"},
		{ok + "services: [{peer: alice, service: s, function: f, result: 1, error: 2}]\n", "services[0]: has result and error: give only one"},
		{ok + "services: [{peer: alice, service: s, function: f, result: 1, error: 2, results: []}]\n", "has result and error and results"},
		{ok + "services: [{peer: alice, service: s, function: f, results: 3}]\n", "services[0].results: want a list of values"},
		{ok + "services: [{peer: alice, service: s, function: f, results: null}]\n", "services[0].results: want a list of values"},
		{ok + "services: [{peer: alice, service: s, function: f, result: 1, ret_code: 2}]\n", "services[0].ret_code: only allowed with error"},
		{ok + "services: [{peer: alice, service: s, function: f, error: 1, ret_code: 0}]\n", "services[0].ret_code: want a non-zero 32-bit integer, got 0"},
		{ok + "services: [{peer: alice, service: s, function: f, error: 1, ret_code: 2147483648}]\n", "want a non-zero 32-bit integer"},
		{ok + "services: [{peer: alice, service: s, function: f, result: '{{peer:x}}'}]\n", `services[0].result: {{peer:x}}: no peer named "x"`},
		{ok + "services: [{peer: alice, service: s, function: f, results: [1, '{{sel}}']}]\n", "services[0].results[1]: {{sel}}: unknown template"},
		{ok + "expect: {callbacks: [{service: s}]}\n", "expect.callbacks[0]: needs service and function"},
		{ok + "expect: {callbacks: [{service: s, function: f, args: ['{{self}}']}]}\n", "expect.callbacks[0].args[0]: {{self}} is only allowed"},
		{ok + "expect: {interpreter_errors: [{peer: zed, ret_code: 1}]}\n", `expect.interpreter_errors[0].peer: "zed" is not one of peers`},
		{ok + "expect: {interpreter_errors: [{peer: alice}]}\n", "expect.interpreter_errors[0]: needs peer and ret_code"},
		{ok + "expect: {completed: yes}\n", "want true or false"},
		{ok + "expect: {steps: -1}\n", "expect.steps: want an integer"},
		{ok + "expect: {undelivered: [{from: alice}]}\n", "expect.undelivered[0]: needs from and to"},
		{ok + "expect: {what: 1}\n", `unknown field "what"`},
		{"peers: [a]\npeers: [b]\n", `duplicate key "peers"`},
		{"a: &x [1]\nb: *x\n", "anchors"},
		{strings.Repeat("x", MaxSize+1), "larger than"},
	} {
		_, err := Parse([]byte(tc.in))
		if err == nil {
			t.Errorf("%q: no error, want %q", tc.in, tc.want)
			continue
		}
		var se *Error
		if !errors.As(err, &se) {
			t.Errorf("%q: error %T %v is not a *scenario.Error", tc.in, err, err)
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\n error %q\n  want %q", tc.in, err, tc.want)
		}
	}
}

func TestParseFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "my-scenario.yaml")
	if err := os.WriteFile(good, []byte("peers: [a]\ninit: a\nscript: (null)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := ParseFile(good)
	if err != nil || s.Name != "my-scenario" {
		t.Errorf("%v, name %q", err, s.Name)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("peers: [a]\ninit: b\nscript: (null)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseFile(bad); err == nil || err.Error() != bad+`: init: "b" is not one of peers` {
		t.Errorf("error %v", err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, MaxSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseFile(big); err == nil || !strings.HasPrefix(err.Error(), big+": larger than") {
		t.Errorf("error %v", err)
	}
	if _, err := ParseFile(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("missing file: no error")
	}
}

// A scenario may name an Aqua function instead of a script: parsing records it, with a path
// relative to the scenario file's directory, and leaves the script empty; its JSON keeps the
// reference until a script is set, and Run refuses to run it before.
func TestParseAquaFunction(t *testing.T) {
	const text = "peers: [client, relay]\ninit: client\naqua: {file: corpus/x.aqua, func: hello}\nargs: {'-relay-': '{{peer:relay}}', name: 'bob'}\n"
	s := mustParse(t, text)
	if s.Script != "" || s.Aqua == nil || *s.Aqua != (AquaFunc{File: "corpus/x.aqua", Func: "hello"}) {
		t.Fatalf("script %q, aqua %+v", s.Script, s.Aqua)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "hello.yaml")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if s, err := ParseFile(file); err != nil || s.Aqua.File != filepath.Join(dir, "corpus", "x.aqua") {
		t.Errorf("ParseFile: %v, aqua %+v; want the file under %s", err, s.Aqua, dir)
	}
	abs := strings.Replace(text, "corpus/x.aqua", "/src/x.aqua", 1)
	if err := os.WriteFile(file, []byte(abs), 0o644); err != nil {
		t.Fatal(err)
	}
	if s, err := ParseFile(file); err != nil || s.Aqua.File != "/src/x.aqua" {
		t.Errorf("ParseFile of an absolute path: %v, aqua %+v", err, s.Aqua)
	}

	if _, err := Run(s, nil); err == nil || !strings.Contains(err.Error(), "the Aqua function hello of corpus/x.aqua, not compiled yet") {
		t.Errorf("Run before the script is set: %v", err)
	}
	j, err := s.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if back, err := Parse(j); err != nil || back.Aqua == nil || *back.Aqua != *s.Aqua || strings.Contains(string(j), `"script"`) {
		t.Errorf("JSON before the script is set: %s; parsed back %+v, %v", j, back, err)
	}
	s.Script = "(null)" // as a resolver does
	j, err = s.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if back, err := Parse(j); err != nil || back.Script != "(null)" || back.Aqua != nil {
		t.Errorf("JSON once the script is set: %s; parsed back %+v, %v", j, back, err)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	s := mustParse(t, example+"max_steps: 40\n")
	s.Services = append(s.Services, Service{Peer: "alice", Service: "x", Function: "y", Kind: RuleError, Value: json.RawMessage(`{"b":1,"a":2}`), RetCode: 7},
		Service{Peer: "alice", Service: "x", Function: "z", Kind: RuleResults, Results: []json.RawMessage{}})
	j, err := s.JSON()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(j)
	if err != nil {
		t.Fatalf("%v\n%s", err, j)
	}
	back.Name = s.Name
	if !reflect.DeepEqual(back.Services[3:], []Service{
		{Peer: "alice", Service: "x", Function: "y", Kind: RuleError, Value: json.RawMessage(`{"b":1,"a":2}`), RetCode: 7},
		{Peer: "alice", Service: "x", Function: "z", Kind: RuleResults}}) {
		t.Errorf("services %+v", back.Services[3:])
	}
	back.Services[4].Results, s.Services[4].Results = nil, nil
	if !reflect.DeepEqual(back, s) {
		t.Errorf("round trip differs:\n%+v\n%+v", back, s)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(example))
	for _, s := range []string{
		"peers: [a]\ninit: a\nscript: x\n",
		`{"peers": ["a"], "init": "a", "script": "{{peer:a}}", "services": [{"peer": "*", "service": "s", "function": "f", "results": [1, "{{self}}"]}]}`,
		"peers: [a, a]", "expect: {callbacks: [{}]}", "a: &x 1\nb: *x", "{{", "script: '{{peer:}}'",
		"peers: [a]\ninit: a\naqua: {file: x.aqua, func: f}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data)
		if err != nil {
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		// A valid scenario converts to JSON and back.
		j, err := s.JSON()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(j); err != nil {
			t.Fatalf("its JSON does not parse: %v\n%s", err, j)
		}
	})
}
