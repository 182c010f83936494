package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aquanet/aquanet/interpreter"
)

// A second node on the ports a first one listens on, TCP or QUIC, does not start: it exits 1
// with one line on stderr naming the address in use.
func TestNodeOnBusyPortExits1(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	first := startNode(t, "first", "--listen", "/ip4/127.0.0.1/udp/0/quic-v1")
	for _, kind := range []string{"/tcp/", "/quic-v1/"} {
		var busy string
		for _, a := range first.addrs {
			if strings.Contains(a, kind) {
				busy, _, _ = strings.Cut(a, "/p2p/")
			}
		}
		if busy == "" {
			t.Fatalf("the first node listens on %v: no %s address", first.addrs, kind)
		}
		// A node that starts after all runs until killed: the timeout ends it.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, os.Args[0], "node", "--data-dir", filepath.Join(t.TempDir(), "second"), "--listen", busy,
			"--http", "off", "--log-level", "warn")
		cmd.Env = append(os.Environ(), "AQUANET_TEST_AS_BINARY=1")
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := cmd.ProcessState.ExitCode()
		lines := strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n")
		want := "aquanet: p2p: listen address " + busy + " is in use"
		if err == nil || code != 1 || len(lines) != 1 || !strings.HasPrefix(lines[0], want) {
			t.Errorf("a second node on %s: exit %d (%v), stderr %q; want exit 1 and one line starting %q", busy, code, err, stderr.String(), want)
		}
		if stdout.Len() != 0 {
			t.Errorf("a second node on %s printed %q", busy, stdout.String())
		}
	}
}

// The limits reach the running node: with --max-ttl 1m it refuses a particle of a 2 min TTL,
// naming its limit, and with --max-steps 1000 a fold of 1,500 on it stops at the step budget
// (the defaults, 10 min and a million steps, serve both).
func TestNodeLimitsReachTheNode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	n := startNode(t, "n", "--max-ttl", "1m", "--max-steps", "1000")
	noop := fmt.Sprintf(`(seq (call "%s" ("op" "noop") []) (call %%init_peer_id%% ("op" "noop") []))`, n.peerID)
	code, _, errOut := aquanet(t, "", "run", "--relay", n.tcpAddr(t), "--ttl", "2m", "-e", noop)
	if code != 1 || !strings.Contains(errOut, "refused the particle") || !strings.Contains(errOut, "limit of 1m0s") {
		t.Fatalf("run with a 2 min TTL: exit %d, stderr %s", code, errOut)
	}

	fold := fmt.Sprintf(`(seq (call "%s" ("json" "parse") ["[%s0]"] xs)
  (seq (fold xs a (seq (null) (next a))) (call %%init_peer_id%% ("callbackSrv" "response") ["folded"])))`, n.peerID, strings.Repeat("0,", 1499))
	code, out, errOut := aquanet(t, "", "run", "--relay", n.tcpAddr(t), "--ttl", "3s", "-e", fold)
	if code != 1 || out != "" {
		t.Fatalf("a fold of 1,500 within 1,000 steps: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	budget := `aquanet_interpreter_errors_total{code="` + strconv.Itoa(interpreter.CodeStepBudgetExceeded) + `"`
	if got := n.metricPrefix(t, budget); got == "" || got == "0" {
		t.Fatalf("%s is %q after the fold; stderr of the run: %s", budget, got, errOut)
	}
}

// metricPrefix returns the value of the first metric line that starts with prefix (a name and
// some of its labels), or "".
func (n *nodeProc) metricPrefix(t *testing.T, prefix string) string {
	t.Helper()
	resp, err := http.Get(n.metrics)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, prefix) {
			return l[strings.LastIndexByte(l, ' ')+1:]
		}
	}
	return ""
}

// metric returns the value of the metric line that starts with name (labels included), or "".
func (n *nodeProc) metric(t *testing.T, name string) string {
	t.Helper()
	return n.metricPrefix(t, name+" ")
}

// A node's --max-stream-size lets a fold put 2,000 values in a stream; the data comes back to
// the client, whose own run needs the same bound (aquanet run --max-stream-size), and refuses
// the data without it.
func TestMaxStreamSizeOnNodeAndClient(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	n := startNode(t, "n", "--max-stream-size", "3000")
	fold := fmt.Sprintf(`(seq (call "%s" ("json" "parse") ["[%s0]"] xs)
  (seq (fold xs a (seq (ap a $vals) (next a)))
    (seq (canon "%s" $vals #vals) (call %%init_peer_id%% ("callbackSrv" "n") [#vals.length]))))`, n.peerID, strings.Repeat("0,", 1999), n.peerID)
	code, out, errOut := aquanet(t, "", "run", "--relay", n.tcpAddr(t), "--ttl", "10s", "--max-stream-size", "3000", "-e", fold)
	if code != 0 || !strings.Contains(out, "2000") {
		t.Fatalf("a fold of 2,000 into a stream, both bounds raised: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	code, _, errOut = aquanet(t, "", "run", "--relay", n.tcpAddr(t), "--ttl", "10s", "-e", fold)
	if code != 1 || !strings.Contains(errOut, "stream size goes over the allowed limit of 1024") {
		t.Fatalf("the same with the client's default bound: exit %d, stderr %s", code, errOut)
	}
}
