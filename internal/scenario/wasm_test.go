package scenario

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/interpreter"
)

const wasmHeader = "name: w\npeers: [alice, bob]\ninit: alice\nscript: (null)\n"

// The wasm block: modules by file (named after it) or {file, name}, in link order; ParseFile
// puts relative files beside the scenario file, Parse leaves them as written.
func TestParseWasm(t *testing.T) {
	src := wasmHeader + `wasm:
  - {peer: "*", service: guest, modules: [guest.wasm]}
  - {peer: bob, service: text, modules: [lib/textlib.wasm, {file: /abs/facade.wasm, name: textfacade}]}
`
	s := mustParse(t, src)
	want := []WasmService{
		{Peer: "*", Service: "guest", Modules: []WasmModule{{File: "guest.wasm", Name: "guest"}}},
		{Peer: "bob", Service: "text", Modules: []WasmModule{{File: "lib/textlib.wasm", Name: "textlib"}, {File: "/abs/facade.wasm", Name: "textfacade"}}},
	}
	if !reflect.DeepEqual(s.Wasm, want) {
		t.Errorf("wasm %+v\nwant %+v", s.Wasm, want)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "w.yaml")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{s.Wasm[0].Modules[0].File, s.Wasm[1].Modules[0].File, s.Wasm[1].Modules[1].File}; !reflect.DeepEqual(got,
		[]string{filepath.Join(dir, "guest.wasm"), filepath.Join(dir, "lib/textlib.wasm"), "/abs/facade.wasm"}) {
		t.Errorf("files %q", got)
	}
}

func TestParseWasmErrors(t *testing.T) {
	for block, want := range map[string]string{
		`[{service: g, modules: [g.wasm]}]`:                                                        `wasm[0].peer: missing`,
		`[{peer: dave, service: g, modules: [g.wasm]}]`:                                            `wasm[0].peer: "dave" is neither`,
		`[{peer: bob, modules: [g.wasm]}]`:                                                         `wasm[0].service: missing`,
		`[{peer: bob, service: g}]`:                                                                `wasm[0].modules: missing`,
		`[{peer: bob, service: g, modules: []}]`:                                                   `wasm[0].modules: missing`,
		`[{peer: bob, service: g, modules: [{name: x}]}]`:                                          `wasm[0].modules[0]: missing: the module's file`,
		`[{peer: bob, service: g, modules: [{file: a, size: 3}]}]`:                                 `wasm[0].modules[0]: want a file name or {file: FILE, name: NAME}: unknown field "size"`,
		`[{peer: bob, service: g, modules: [a/g.wasm, b/g.wasm]}]`:                                 `wasm[0].modules[1]: two modules named "g"`,
		`[{peer: bob, service: g, modules: [{file: a, name: "x/y"}]}]`:                             `wasm[0].modules[0]: module name "x/y"`,
		`[{peer: bob, service: callbackSrv, modules: [g.wasm]}]`:                                   `wasm[0].service: "callbackSrv" is the scenario host's own`,
		`[{peer: "*", service: g, modules: [g.wasm]}, {peer: bob, service: g, modules: [h.wasm]}]`: `wasm[1].service: "g" is declared twice`,
	} {
		_, err := Parse([]byte(wasmHeader + "wasm: " + block + "\n"))
		var se *Error
		if !errors.As(err, &se) || !strings.Contains(err.Error(), want) {
			t.Errorf("wasm: %s\n got %v\nwant an *Error saying %q", block, err, want)
		}
	}
	_, err := Parse([]byte(wasmHeader + "services: [{peer: bob, service: g, function: f, result: 1}]\nwasm: [{peer: alice, service: g, modules: [g.wasm]}]\n"))
	if err == nil || !strings.Contains(err.Error(), `wasm[0].service: "g" is also answered by services[0]`) {
		t.Errorf("a rule and a Wasm service of one name: %v", err)
	}
}

// The scenario host of air run runs no Wasm: it refuses a scenario that declares some, saying
// which runner does.
func TestRunRefusesWasm(t *testing.T) {
	s := mustParse(t, wasmHeader+"wasm: [{peer: bob, service: g, modules: [g.wasm]}]\n")
	_, err := Run(s, func(string, []byte, []byte, map[uint32]interpreter.CallResult, interpreter.Params) interpreter.Outcome {
		t.Fatal("the interpreter ran")
		return interpreter.Outcome{}
	})
	if err == nil || !strings.Contains(err.Error(), "aquanet sim") {
		t.Fatalf("Run = %v, want a refusal naming aquanet sim", err)
	}
}
