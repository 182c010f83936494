package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSimJSONAndDeterminism(t *testing.T) {
	code, out, errOut := aquanet(t, "", "sim", "--seeds", "4..6", "--faults", "net", "--duration", "1m", "--check-determinism", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines for 3 seeds:\n%s", len(lines), out)
	}
	hashes := map[string]bool{}
	for i, l := range lines {
		var r struct {
			Seed           uint64                         `json:"seed"`
			Options        map[string]any                 `json:"options"`
			Hash           string                         `json:"hash"`
			Events         int                            `json:"events"`
			VirtualSeconds float64                        `json:"virtual_seconds"`
			RealSeconds    float64                        `json:"real_seconds"`
			Checks         map[string]struct{ Pass bool } `json:"checks"`
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if r.Seed != uint64(4+i) || r.Options["faults"] != "net" || r.Hash == "" || r.Events == 0 || r.VirtualSeconds < 60 {
			t.Errorf("line %d: %+v", i, r)
		}
		for _, name := range []string{"determinism", "delivered_at_most_once", "no_actor_failures", "no_leaks"} {
			if c, ok := r.Checks[name]; !ok || !c.Pass {
				t.Errorf("seed %d: check %s: %+v (present %v)", r.Seed, name, c, ok)
			}
		}
		hashes[r.Hash] = true
	}
	if len(hashes) != 3 {
		t.Errorf("three seeds, %d distinct hashes", len(hashes))
	}
}

func TestSimRefusesBadOptions(t *testing.T) {
	for args, want := range map[string]string{
		"--nodes 3":            "at least 4",
		"--faults fire":        `faults "fire"`,
		"--seeds 5..2":         "A <= B",
		"--workload nope.yaml": "nope.yaml",
	} {
		code, _, errOut := aquanet(t, "", append([]string{"sim"}, strings.Fields(args)...)...)
		if code != 1 || !strings.Contains(errOut, want) {
			t.Errorf("sim %s: exit %d, stderr %q, want it to say %q", args, code, errOut, want)
		}
	}
}

func TestSimScenarioWorkload(t *testing.T) {
	code, out, errOut := aquanet(t, "", "sim", "--workload", "../../interpreter/testdata/scenarios/messenger-member.yaml",
		"--faults", "net", "--seed", "2", "--duration", "30s", "--messages", "3", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r struct {
		Options struct{ Nodes int } `json:"options"`
		Checks  map[string]struct {
			Pass   bool
			Detail string
		} `json:"checks"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if c := r.Checks["same_as_fault_free"]; !c.Pass || r.Options.Nodes < 2 || !r.Checks["liveness"].Pass {
		t.Fatalf("result %s", out)
	}
}
