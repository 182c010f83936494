package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary stand in for the aquanet binary: with AQUANET_TEST_AS_BINARY=1
// it runs the command line it was given, so the tests start real node processes without
// building anything.
func TestMain(m *testing.M) {
	if os.Getenv("AQUANET_TEST_AS_BINARY") == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// nodeProc is an `aquanet node` process.
type nodeProc struct {
	cmd     *exec.Cmd
	peerID  string
	addrs   []string // as printed: full multiaddrs
	metrics string   // URL of /metrics
	stderr  *strings.Builder
}

// tcpAddr returns the node's TCP address.
func (n *nodeProc) tcpAddr(t *testing.T) string {
	for _, a := range n.addrs {
		if strings.Contains(a, "/tcp/") && !strings.Contains(a, "/ws") {
			return a
		}
	}
	t.Fatalf("node %s has no TCP address: %v", n.peerID, n.addrs)
	return ""
}

// startNode starts a node process on random loopback ports and waits for it to print its
// addresses. The process is killed, and waited for, when the test ends.
func startNode(t *testing.T, name string, args ...string) *nodeProc {
	t.Helper()
	args = append([]string{"node", "--data-dir", filepath.Join(t.TempDir(), name), "--listen", "/ip4/127.0.0.1/tcp/0",
		"--http", "127.0.0.1:0", "--log-level", "warn"}, args...)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "AQUANET_TEST_AS_BINARY=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	n := &nodeProc{cmd: cmd, stderr: &strings.Builder{}}
	cmd.Stderr = n.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("%s's log:\n%s", name, n.stderr)
		}
	})
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		io.Copy(io.Discard, stdout)
	}()
	timeout := time.After(20 * time.Second)
	for n.metrics == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("%s exited before it was up: %s", name, n.stderr)
			}
			switch {
			case strings.HasPrefix(l, "aquanet node "):
				n.peerID = strings.TrimPrefix(l, "aquanet node ")
			case strings.HasPrefix(l, "listening on "):
				n.addrs = append(n.addrs, strings.TrimPrefix(l, "listening on "))
			case strings.HasPrefix(l, "metrics on "):
				n.metrics = strings.TrimPrefix(l, "metrics on ")
			}
		case <-timeout:
			t.Fatalf("%s did not start: %s", name, n.stderr)
		}
	}
	go func() {
		for range lines { // keep draining
		}
	}()
	return n
}

// Three nodes in a line, 1 - 2 - 3; a client of node 1 calls a service on node 3 through node 2
// and gets the answer. With node 2 killed, the next particle fails within its TTL, saying so, and
// node 3 counts its bootstrap peer gone.
func TestThreeNodesInALine(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	n1 := startNode(t, "n1")
	n2 := startNode(t, "n2", "--bootstrap", n1.tcpAddr(t))
	n3 := startNode(t, "n3", "--bootstrap", n2.tcpAddr(t))
	// node 3 has node 2 among its peers once its bootstrap is through (and, through the DHT,
	// may come to know node 1 too).
	waitFor(t, "node 3 connected", func() bool {
		return n3.metric(t, "aquanet_p2p_peers") != "0" && n3.metric(t, "aquanet_p2p_peers") != "" &&
			n3.metric(t, "aquanet_p2p_bootstrap_connected") == "1"
	})

	script := fmt.Sprintf(`
(seq
  (seq
    (call %%init_peer_id%% ("getDataSrv" "-relay-") [] -relay-)
    (call %%init_peer_id%% ("getDataSrv" "who") [] who))
  (seq
    (seq
      (seq
        (call -relay- ("op" "noop") [])
        (call "%[1]s" ("op" "noop") []))
      (call "%[2]s" ("op" "concat_strings") ["hello from node 3, " who] answer))
    (seq
      (seq
        (call "%[1]s" ("op" "noop") [])
        (call -relay- ("op" "noop") []))
      (call %%init_peer_id%% ("callbackSrv" "response") [answer]))))`, n2.peerID, n3.peerID)
	start := time.Now()
	code, out, errOut := aquanet(t, "", "run", "--relay", n1.tcpAddr(t), "--ttl", "20s", "--arg", `who="alice"`, "-e", script)
	if code != 0 || out != "callbackSrv.response: \"hello from node 3, alice\"\n" {
		t.Fatalf("run: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	t.Logf("client -> 1 -> 2 -> 3 -> 2 -> 1 -> client in %v", time.Since(start))

	// Node 2 goes away; the same route now cannot complete, and the client says so in time.
	n2.cmd.Process.Signal(syscall.SIGKILL)
	n2.cmd.Wait()
	start = time.Now()
	code, _, errOut = aquanet(t, "", "run", "--relay", n1.tcpAddr(t), "--ttl", "3s", "--arg", `who="bob"`, "-e", script)
	took := time.Since(start)
	if code != 1 || !strings.Contains(errOut, "did not complete within its TTL") {
		t.Fatalf("run with node 2 gone: exit %d, stderr %s", code, errOut)
	}
	if took > 6*time.Second {
		t.Errorf("the failed run took %v with a TTL of 3s", took)
	}
	waitFor(t, "node 3 counting its bootstrap peer gone", func() bool {
		return n3.metric(t, "aquanet_p2p_bootstrap_connected") == "0" && n3.metric(t, "aquanet_p2p_bootstrap_disconnects_total") == "1"
	})
	waitFor(t, "node 1 counting the particle it could not send", func() bool {
		v := n1.metric(t, `aquanet_p2p_dropped_total{reason="unreachable"}`)
		return v != "" && v != "0"
	})
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
