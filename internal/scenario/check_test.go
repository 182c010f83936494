package scenario

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func raw(s ...string) []json.RawMessage {
	out := []json.RawMessage{}
	for _, x := range s {
		out = append(out, json.RawMessage(x))
	}
	return out
}

func TestCheck(t *testing.T) {
	r := &Result{
		Callbacks: []Call{
			{Service: "callbackSrv", Function: "response", Args: raw(`{"a":1,"b":[1.0]}`, `"x"`)},
			{Service: "return", Function: "", Args: raw()},
		},
		Errors:            []Call{},
		InterpreterErrors: []InterpreterError{{Peer: "bob", RetCode: 10000, Message: "long message"}},
		Steps:             5,
		Completed:         true,
	}
	ok := func(y string) *Expect {
		t.Helper()
		s := mustParse(t, "peers: [alice, bob]\ninit: alice\nscript: x\nexpect:\n"+y)
		return s.Expect
	}
	for _, tc := range []struct{ name, expect, diff string }{
		{"nothing checked", "  {}", ""},
		{"all equal", `  callbacks:
    - {service: callbackSrv, function: response, args: [{b: [1e0], a: 1}, "x"]}
    - {service: return, function: ""}
  errors: []
  interpreter_errors: [{peer: bob, ret_code: 10000, message: "long message"}]
  steps: 5
  completed: true
`, ""},
		{"empty message matches any", "  interpreter_errors: [{peer: bob, ret_code: 10000}]\n", ""},
		{"int is not float", `  callbacks:
    - {service: callbackSrv, function: response, args: [{a: 1, b: [1]}, "x"]}
    - {service: return, function: ""}
`, `callbacks:
- callbackSrv.response [{"a":1,"b":[1]}, "x"]
+ callbackSrv.response [{"a":1,"b":[1.0]}, "x"]
  return. []
`},
		{"missing and extra", `  callbacks: [{service: return, function: "", args: []}, {service: other, function: f}]
  errors: [{service: errorHandlingSrv, function: error, args: [1]}]
`, `callbacks:
+ callbackSrv.response [{"a":1,"b":[1.0]}, "x"]
  return. []
- other.f []
errors:
- errorHandlingSrv.error [1]
`},
		{"scalars", "  steps: 4\n  completed: false\n  interpreter_errors: []\n", `interpreter_errors:
+ bob 10000 "long message"
steps:
- 4
+ 5
completed:
- false
+ true
`},
		{"message differs", "  interpreter_errors: [{peer: bob, ret_code: 10000, message: other}]\n", `interpreter_errors:
- bob 10000 "other"
+ bob 10000 "long message"
`},
	} {
		if got := r.Check(ok(tc.expect)); got != tc.diff {
			t.Errorf("%s: diff\n%s\nwant\n%s", tc.name, got, tc.diff)
		}
	}
	if d := r.Check(nil); d != "" {
		t.Errorf("nil expect: %q", d)
	}
}

func TestCanonicalJSON(t *testing.T) {
	for in, want := range map[string]string{
		`{"b":1,"a":{"d":2,"c":3}}`: `{"a":{"c":3,"d":2},"b":1}`,
		`[1.0, 1e2, 100, -0, 0.5]`:  `[1.0,100.0,100,-0.0,0.5]`,
		`18446744073709551616`:      `1.8446744073709552e+19`,
		`{"a":1,"a":2}`:             `{"a":2}`,
		`"<>"`:                      `"<>"`,
		`nope`:                      `<invalid JSON "nope">`,
	} {
		if got := canonicalJSON(json.RawMessage(in)); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

// The scenario files in interpreter/testdata/scenarios all parse, and each one's expect block
// agrees with the reference's result stored next to it (NAME.oracle.json).
func TestScenarioFiles(t *testing.T) {
	files, err := filepath.Glob("../../interpreter/testdata/scenarios/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 60 {
		t.Fatalf("%d scenario files, want at least 60", len(files))
	}
	for _, f := range files {
		s, err := ParseFile(f)
		if err != nil {
			t.Error(err)
			continue
		}
		if s.Name != strings.TrimSuffix(filepath.Base(f), ".yaml") {
			t.Errorf("%s: name %q is not the file's", f, s.Name)
		}
		if s.Expect == nil || s.Expect.Callbacks == nil || s.Expect.Completed == nil || s.Expect.Steps == nil {
			t.Errorf("%s: expect must give callbacks, steps and completed", f)
			continue
		}
		b, err := os.ReadFile(strings.TrimSuffix(f, ".yaml") + ".oracle.json")
		if err != nil {
			t.Error(err)
			continue
		}
		var r Result
		if err := json.Unmarshal(b, &r); err != nil {
			t.Errorf("%s: oracle result: %v", f, err)
			continue
		}
		if len(r.Data) == 0 && len(r.InterpreterErrors) == 0 {
			t.Errorf("%s: the oracle result has no data views", f)
		}
		if d := r.Check(s.Expect); d != "" {
			t.Errorf("%s: expect disagrees with the oracle's result:\n%s", f, d)
		}
	}
}
