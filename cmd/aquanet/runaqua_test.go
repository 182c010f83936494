package main

import (
	"regexp"
	"strings"
	"testing"
)

// run --aqua without its partner flag, or with a script as well, is refused before anything
// is compiled or dialled.
func TestRunAquaFlags(t *testing.T) {
	relay := "/ip4/127.0.0.1/tcp/1/p2p/" + unknownPeer(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--aqua", "x.aqua"}, "--aqua x.aqua needs --func NAME"},
		{[]string{"--func", "hello"}, "--func hello needs --aqua FILE"},
		{[]string{"--aqua", "x.aqua", "--func", "hello", "-e", "(null)"}, "only one of them"},
		{[]string{"--aqua", "x.aqua", "--func", "hello", "--script", "x.air"}, "only one of them"},
	} {
		code, out, stderr := aquanet(t, "", append([]string{"run", "--relay", relay}, tc.args...)...)
		if line := oneErrorLine(t, stderr); code != 1 || out != "" || !strings.Contains(line, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q, want %q", tc.args, code, out, stderr, tc.want)
		}
	}
}

// An unknown --func, an --arg missing or unknown, and a compiler error are each reported before
// anything is sent: the relay is a closed port that no error mentions.
func TestRunAquaChecksFirst(t *testing.T) {
	requireAqua(t)
	relay := "/ip4/127.0.0.1/tcp/1/p2p/" + unknownPeer(t)
	dir := t.TempDir()
	hello := writeFile(t, dir, "hello.aqua", helloAqua)
	broken := writeFile(t, dir, "broken.aqua", brokenAqua)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--aqua", hello, "--func", "greet"}, "aquanet: --func greet: " + hello + " exports no function greet; it exports hello, shout"},
		{[]string{"--aqua", hello, "--func", "hello", "--arg", `name="a"`},
			"aquanet: --arg: no value for target of hello(name: string, target: string) -> string"},
		{[]string{"--aqua", hello, "--func", "hello", "--arg", `name="a"`, "--arg", `target="b"`, "--arg", `nme="c"`},
			"aquanet: --arg: hello takes no argument nme (its arguments: name, target)"},
		{[]string{"--aqua", hello, "--func", "shout", "--arg", `text="a"`, "--arg", `tell="b"`},
			"aquanet: --arg: tell is a callback (string -> ()): the caller answers callbackSrv.tell, it takes no value"},
		{[]string{"--aqua", broken, "--func", "count", "--arg", `text="a"`}, broken + ":6:6: Wrong value type, expected: u32, given: string"},
	} {
		code, out, stderr := aquanet(t, "", append([]string{"run", "--relay", relay}, tc.args...)...)
		if code != 1 || out != "" || !strings.HasPrefix(stderr, tc.want) || strings.Contains(stderr, "relay") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %q and no connection", tc.args[3:], code, out, stderr, tc.want)
		}
	}
}

// Against a node on 127.0.0.1: hello hops to the node through itself as the relay, gets the
// name back from op.identity there and returns it, which is printed as the result; shout's
// callback is printed as it comes, then its two results on one line.
func TestRunAquaOnANode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	requireAqua(t)
	n := startNode(t, "n1")
	hello := writeFile(t, t.TempDir(), "hello.aqua", helloAqua)

	code, out, stderr := aquanet(t, "", "run", "--relay", n.tcpAddr(t), "--aqua", hello, "--func", "hello",
		"--arg", `name="alice"`, "--arg", `target="`+n.peerID+`"`)
	if code != 0 || out != "\"alice\"\n" || stderr != "" {
		t.Errorf("hello: exit %d, stdout %q, stderr %q; want the result \"alice\"", code, out, stderr)
	}

	code, out, stderr = aquanet(t, "", "run", "--relay", n.tcpAddr(t), "--aqua", hello, "--func", "shout", "--arg", `text="hey"`)
	if code != 0 || out != "callbackSrv.tell: \"hey\"\n[\"hey\",\"hey\"] 2\n" || stderr != "" {
		t.Errorf("shout: exit %d, stdout %q, stderr %q", code, out, stderr)
	}

	// With --json the result is a callback like any other.
	code, out, _ = aquanet(t, "", "run", "--relay", n.tcpAddr(t), "--json", "--aqua", hello, "--func", "hello",
		"--arg", `name="bob"`, "--arg", `target="`+n.peerID+`"`)
	if code != 0 || out != `{"service":"callbackSrv","function":"response","args":["bob"]}`+"\n" {
		t.Errorf("hello --json: exit %d, stdout %q", code, out)
	}

	// A target no one can reach: the function's own error handling reports it, and the run fails.
	code, out, stderr = aquanet(t, "", "run", "--relay", n.tcpAddr(t), "--ttl", "5s", "--aqua", hello, "--func", "hello",
		"--arg", `name="carol"`, "--arg", `target="`+unknownPeer(t)+`"`)
	if code != 1 || out != "" || !regexp.MustCompile(`(?m)^aquanet: particle [0-9a-f-]{36}: `).MatchString(stderr) {
		t.Errorf("an unreachable target: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}
