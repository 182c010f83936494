package main

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
)

// A client's particle whose first call is on another node than its relay, with nothing to do
// on the relay (issue 12, fault 1): the relay passes it on, the other node sends the answer
// back through it, and the run completes. With that node gone, the relay tells the client,
// whose error names the peer it could not reach.
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

	n2.cmd.Process.Signal(syscall.SIGKILL)
	n2.cmd.Wait()
	waitFor(t, "node 1 seeing node 2 gone", func() bool { return n1.metric(t, "aquanet_p2p_peers") == "0" })
	code, _, errOut = aquanet(t, "", "run", "--relay", n1.tcpAddr(t), "--ttl", "3s", "-e", script)
	if code != 1 || !strings.Contains(errOut, "no answer from "+n2.peerID) || !strings.Contains(errOut, "particle ") {
		t.Fatalf("run with node 2 gone: exit %d, stderr %s", code, errOut)
	}
	if strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Errorf("the error is more than one line: %q", errOut)
	}
}
