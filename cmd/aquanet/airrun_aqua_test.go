package main

import (
	"strings"
	"testing"
)

// air run compiles the Aqua function a scenario names and runs it: a corpus scenario gives the
// reference's outcome (its expect block); a scenario whose args do not fit the function, and a
// file the compiler rejects, are reported before anything runs.
func TestAirRunAquaScenario(t *testing.T) {
	requireAqua(t)
	code, out, stderr := aquanet(t, "", "air", "run", "--scenario", "../../interpreter/testdata/aqua/topology-shoutFrom.yaml")
	if code != 0 || !strings.Contains(out, `callback callbackSrv.response ["alice!"]`) {
		t.Errorf("air run of a corpus scenario: exit %d\n%s\n%s", code, out, stderr)
	}

	dir := t.TempDir()
	hello := writeFile(t, dir, "hello.aqua", helloAqua)
	writeFile(t, dir, "broken.aqua", brokenAqua)
	const peers = "peers: [client, relay]\ninit: client\n"
	ok := writeFile(t, dir, "ok.yaml", peers+"aqua: {file: hello.aqua, func: hello}\n"+
		"args: {'-relay-': '{{peer:relay}}', name: ann, target: '{{peer:relay}}'}\n"+
		"expect: {callbacks: [{service: callbackSrv, function: response, args: [ann]}]}\n")
	if code, out, stderr := aquanet(t, "", "air", "run", "--scenario", ok); code != 0 || !strings.Contains(out, `["ann"]`) {
		t.Errorf("air run of hello next to its scenario: exit %d\n%s\n%s", code, out, stderr)
	}
	for _, tc := range []struct{ text, want string }{
		{"aqua: {file: hello.aqua, func: hello}\nargs: {'-relay-': '{{peer:relay}}', name: ann}\n", "args: no value for target of hello("},
		{"aqua: {file: hello.aqua, func: wave}\nargs: {'-relay-': '{{peer:relay}}'}\n", hello + " exports no function wave"},
		{"aqua: {file: broken.aqua, func: count}\nargs: {'-relay-': '{{peer:relay}}', text: a}\n", dir + "/broken.aqua:6:6: "},
	} {
		f := writeFile(t, dir, "bad.yaml", peers+tc.text)
		code, out, stderr := aquanet(t, "", "air", "run", "--scenario", f)
		if code != 1 || out != "" || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want %q", tc.text, code, out, stderr, tc.want)
		}
	}
}

// aquanet sim compiles the Aqua function a scenario workload names, as air run does, and its
// starts call back what the function returns (an unresolved scenario would run no script).
func TestSimAquaScenario(t *testing.T) {
	requireAqua(t)
	code, out, stderr := aquanet(t, "", "sim", "--workload", "../../interpreter/testdata/aqua/topology-shoutFrom.yaml",
		"--faults", "none", "--seed", "1", "--duration", "10s", "--messages", "2")
	if code != 0 || !strings.Contains(out, "pass every_start_called_back: 3 starts, 1 callbacks each") {
		t.Errorf("sim of a corpus scenario: exit %d\n%s\n%s", code, out, stderr)
	}
}
