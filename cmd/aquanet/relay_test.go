package main

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A client's particle whose first call is on another node than its relay, with nothing to do
// on the relay (issue 12, fault 1): the relay passes it on, the other node sends the answer
// back through it, and the run completes. A script that fails on the relay, or a node the relay
// cannot reach, makes the client's error say so (issue 12, fault 2).
func TestRelayPassesOnAClientsParticle(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	n1 := startNode(t, "n1")
	n2 := startNode(t, "n2", "--bootstrap", n1.tcpAddr(t))
	waitFor(t, "node 2 connected", func() bool { return n2.metric(t, "aquanet_p2p_bootstrap_connected") == "1" })

	script := fmt.Sprintf(`(seq (call "%s" ("op" "identity") ["x"] r) (call %%init_peer_id%% ("callbackSrv" "response") [r]))`, n2.peerID)
	code, out, errOut := aquanet(t, "", "run", "--relay", n1.tcpAddr(t), "--ttl", "10s", "-e", script)
	if code != 0 || out != "callbackSrv.response: \"x\"\n" {
		t.Fatalf("run: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}

	// A call that fails with nothing to catch it: the relay says where the script failed, and why.
	failing := fmt.Sprintf(`(call "%s" ("op" "nosuch") [])`, n1.peerID)
	code, _, errOut = aquanet(t, "", "run", "--relay", n1.tcpAddr(t), "--ttl", "2s", "-e", failing)
	if code != 1 || !strings.Contains(errOut, "the script failed on "+n1.peerID) || !strings.Contains(errOut, "Service with id 'op' not found (function nosuch)") {
		t.Fatalf("run with a failing call: exit %d, stderr %s", code, errOut)
	}

	n2.cmd.Process.Signal(syscall.SIGKILL)
	n2.cmd.Wait()
	waitFor(t, "node 1 seeing node 2 gone", func() bool { return n1.metric(t, "aquanet_p2p_peers") == "0" })
	code, _, errOut = aquanet(t, "", "run", "--relay", n1.tcpAddr(t), "--ttl", "3s", "-e", script)
	if code != 1 || !strings.Contains(errOut, "no answer from "+n2.peerID) || !strings.Contains(errOut, "particle ") {
		t.Fatalf("run with node 2 gone: exit %d, stderr %s", code, errOut)
	}
	if notice, _ := noticeThenError(t, errOut); !strings.Contains(notice, "no answer from "+n2.peerID) {
		t.Errorf("the notice, printed as it came, reads %q", notice)
	}
}

// A particle its relay refuses (here a TTL over the node's limit: issue 13) ends the run at once
// with the relay's reason, not after the TTL.
func TestRelayRefusalEndsTheRunAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	n := startNode(t, "n")
	script := fmt.Sprintf(`(seq (call "%s" ("op" "noop") []) (call %%init_peer_id%% ("op" "noop") []))`, n.peerID)
	start := time.Now()
	code, _, errOut := aquanet(t, "", "run", "--relay", n.tcpAddr(t), "--ttl", "1h", "-e", script)
	if code != 1 || !strings.Contains(errOut, "refused the particle") || !strings.Contains(errOut, "ttl too long") {
		t.Fatalf("run with a one-hour TTL: exit %d, stderr %s", code, errOut)
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("the refused run took %v", took)
	}
}
