package main

import (
	"encoding/json"
	"strings"
	"testing"
)

const parJoinScenario = `name: par-join
peers: [alice, bob, carol]
init: alice
script: |
  (seq (par (call "{{peer:bob}}" ("peer" "name") [] n1) (call "{{peer:carol}}" ("peer" "name") [] n2))
       (call %init_peer_id% ("callbackSrv" "response") [n1 n2]))
services:
  - {peer: "*", service: peer, function: name, result: "{{self}}"}
`

func TestAirRunScenario(t *testing.T) {
	dir := t.TempDir()
	ok := writeFile(t, dir, "ok.yaml", parJoinScenario+`expect:
  callbacks: [{service: callbackSrv, function: response, args: ["bob", "carol"]}]
`)
	code, out, stderr := aquanet(t, "", "air", "run", "--scenario", ok)
	if code != 0 || !strings.Contains(out, `callback callbackSrv.response ["bob" "carol"]`) || !strings.Contains(out, "completed") {
		t.Fatalf("air run: exit %d\n%s\n%s", code, out, stderr)
	}

	code, out, _ = aquanet(t, "", "air", "run", "--scenario", ok, "--json", "--trace")
	var res struct {
		Callbacks []struct{ Service string } `json:"callbacks"`
		Completed bool                       `json:"completed"`
		Data      map[string]json.RawMessage `json:"data"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || !res.Completed || len(res.Callbacks) != 1 || len(res.Data) != 3 {
		t.Fatalf("air run --json --trace: exit %d\n%s", code, out)
	}

	wrong := writeFile(t, dir, "wrong.yaml", parJoinScenario+`expect:
  callbacks: [{service: callbackSrv, function: response, args: ["carol", "bob"]}]
`)
	code, _, stderr = aquanet(t, "", "air", "run", "--scenario", wrong)
	if code != 1 || !strings.Contains(stderr, "differs from expect") || !strings.Contains(stderr, `"carol"`) {
		t.Fatalf("air run with a wrong expect: exit %d, stderr %q", code, stderr)
	}

	bad := writeFile(t, dir, "bad.yaml", "peers: [alice]\ninit: zed\nscript: (null)\n")
	code, _, stderr = aquanet(t, "", "air", "run", "--scenario", bad)
	if code != 1 || !strings.Contains(stderr, "zed") {
		t.Fatalf("air run of an invalid scenario: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr = aquanet(t, "", "air", "run"); code != 1 || !strings.Contains(stderr, "--scenario") {
		t.Fatalf("air run without --scenario: exit %d, %q", code, stderr)
	}
}

// The node's builtins answer what a scenario does not declare, rules win over them, and the
// results are the reference's (each file's expect block was recorded from it): air run exits 0.
func TestAirRunNodeBuiltins(t *testing.T) {
	for _, name := range []string{"host-node-builtins", "host-builtin-override-race"} {
		file := "../../interpreter/testdata/scenarios/" + name + ".yaml"
		code, out, stderr := aquanet(t, "", "air", "run", "--scenario", file, "--trace")
		if code != 0 || !strings.Contains(out, "callback callbackSrv.response [") {
			t.Errorf("air run %s: exit %d\n%s\n%s", name, code, out, stderr)
		}
		// Each peer's data, in the order of the names.
		a, b, c := strings.Index(out, "data of alice:"), strings.Index(out, "data of bob:"), strings.Index(out, "data of carol:")
		if a < 0 || b < a || c < b {
			t.Errorf("air run %s --trace: the peers' data not in name order:\n%s", name, out)
		}
	}
	code, out, _ := aquanet(t, "", "air", "run", "--help")
	if code != 0 || !strings.Contains(out, "math") || !strings.Contains(out, "peer.* (identify, timestamp_ms") {
		t.Errorf("air run --help does not list the builtins:\n%s", out)
	}
}
