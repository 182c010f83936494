package aquascenario_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aquanet/aquanet/internal/aqua"
	"github.com/aquanet/aquanet/internal/aqua/aquatest"
	"github.com/aquanet/aquanet/internal/aquascenario"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/interpreter"
)

// compiled is what the compiler makes of a file exporting greet(name: string, tell: string -> ())
// and nothing(): enough for Apply, without the compiler.
var compiled = &aqua.Result{File: "greet.aqua", Functions: []aqua.Function{
	{Name: "greet", AIR: "(null)", Names: aqua.Names{Relay: "-relay-", CallbackSrv: "callbackSrv"}, Args: []aqua.Field{
		{Name: "name", Type: aqua.Type{Tag: "scalar", Name: "string"}},
		{Name: "tell", Type: aqua.Type{Tag: "arrow", Domain: &aqua.Type{Tag: "unlabeledProduct", Items: []aqua.Type{{Tag: "scalar", Name: "string"}}}}},
	}},
	{Name: "nothing", AIR: "(seq (null) (null))", Names: aqua.Names{Relay: "-relay-"}},
}}

func parse(t *testing.T, text string) *scenario.Scenario {
	t.Helper()
	s, err := scenario.Parse([]byte("name: s\npeers: [client, relay]\ninit: client\n" + text))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Apply sets the script of a scenario whose args fit its function, and otherwise says what is
// wrong without setting it.
func TestApply(t *testing.T) {
	const relay = "args: {'-relay-': '{{peer:relay}}'"
	s := parse(t, "aqua: {file: greet.aqua, func: greet}\n"+relay+", name: ann}\n")
	if err := aquascenario.Apply(s, compiled); err != nil || s.Script != "(null)" {
		t.Errorf("Apply: %v, script %q", err, s.Script)
	}
	s = parse(t, "aqua: {file: greet.aqua, func: nothing}\n"+relay+"}\n")
	if err := aquascenario.Apply(s, compiled); err != nil || s.Script != "(seq (null) (null))" {
		t.Errorf("Apply of a function without arguments: %v, script %q", err, s.Script)
	}
	for _, tc := range []struct{ text, want string }{
		{"aqua: {file: greet.aqua, func: wave}\n" + relay + "}\n", "scenario s: aqua.func: greet.aqua exports no function wave; it exports greet, nothing"},
		{"aqua: {file: greet.aqua, func: greet}\n" + relay + "}\n", "scenario s: args: no value for name of greet("},
		{"aqua: {file: greet.aqua, func: greet}\n" + relay + ", name: ann, age: 3}\n", "greet takes no argument age (its arguments: name)"},
		{"aqua: {file: greet.aqua, func: greet}\n" + relay + ", name: ann, tell: x}\n", "tell is a callback"},
		{"aqua: {file: greet.aqua, func: greet}\nargs: {name: ann}\n", "scenario s: args: no value for -relay-, the relay's peer id, which greet asks for first"},
	} {
		s := parse(t, tc.text)
		err := aquascenario.Apply(s, compiled)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.text, err, tc.want)
		}
		if s.Script != "" {
			t.Errorf("%q: the script is set after an error", tc.text)
		}
	}
	s = parse(t, "script: (null)\n")
	if err := aquascenario.Apply(s, compiled); err != nil || s.Script != "(null)" {
		t.Errorf("a scenario with a script: %v, script %q", err, s.Script)
	}
}

const greetAqua = `aqua Greet

import "@fluencelabs/aqua-lib/builtin.aqua"

export greet

func greet(name: string, target: string) -> string:
  on target via HOST_PEER_ID:
    s <- Op.concat_strings("hello, ", name)
  <- s
`

// Resolve compiles each file once for all the scenarios that name it, whatever path they name
// it by, and their scripts then run in the scenario host.
func TestResolve(t *testing.T) {
	c := aquatest.Require(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "greet.aqua")
	if err := os.WriteFile(file, []byte(greetAqua), 0o644); err != nil {
		t.Fatal(err)
	}
	var scenarios []*scenario.Scenario
	for i, ref := range []string{"greet.aqua", "./greet.aqua"} {
		path := filepath.Join(dir, "s"+string(rune('0'+i))+".yaml")
		text := "peers: [client, relay, bob]\ninit: client\naqua: {file: " + ref + ", func: greet}\n" +
			"args: {'-relay-': '{{peer:relay}}', name: bob, target: '{{peer:bob}}'}\n"
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := scenario.ParseFile(path)
		if err != nil {
			t.Fatal(err)
		}
		scenarios = append(scenarios, s)
	}
	scenarios = append(scenarios, parse(t, "script: (null)\n"))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	unclean := dir + "/./greet.aqua"
	results, err := aquascenario.Compile(ctx, c, []string{file, unclean})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := results[file], results[unclean]; a == nil || a != b {
		t.Errorf("one file by two paths: results %p and %p, want one compilation", a, b)
	}

	if err := aquascenario.Resolve(ctx, c, scenarios...); err != nil {
		t.Fatal(err)
	}
	for _, s := range scenarios[:2] {
		res, err := scenario.Run(s, interpreter.Run)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Callbacks) != 1 || string(res.Callbacks[0].Args[0]) != `"hello, bob"` {
			t.Errorf("%s: callbacks %+v, want the greeting", s.Name, res.Callbacks)
		}
	}
	if scenarios[2].Script != "(null)" {
		t.Errorf("a scenario with a script: %q", scenarios[2].Script)
	}

	// A file the compiler rejects: its errors, with their positions.
	broken := filepath.Join(dir, "broken.aqua")
	if err := os.WriteFile(broken, []byte("aqua Broken\n\nexport f\n\nfunc f() -> u32:\n  <- \"x\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := parse(t, "aqua: {file: "+broken+", func: f}\nargs: {'-relay-': '{{peer:relay}}'}\n")
	err = aquascenario.Resolve(ctx, c, s)
	var ce *aqua.CompileError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), broken+":6:") {
		t.Errorf("a file that does not compile: %v, want a *aqua.CompileError at line 6", err)
	}
}
