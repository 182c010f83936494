package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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

// The node's transport gets its settings: sizes and the particles' rates.
func TestNodeConfigTransport(t *testing.T) {
	cfg := defaultNodeConfig()
	cfg.MaxParticleSize, cfg.MaxFrameBytesInFlight = 1<<20, 3<<20
	cfg.PeerParticleRate, cfg.PeerParticleBurst, cfg.ParticleRate, cfg.ParticleBurst = 5, 6, 7, 8
	got := cfg.transport()
	if !slices.Equal(got.Listen, cfg.Listen) || got.MaxParticleSize != 1<<20 || got.MaxFrameBytesInFlight != 3<<20 ||
		got.Rate != 5 || got.Burst != 6 || got.GlobalRate != 7 || got.GlobalBurst != 8 {
		t.Fatalf("transport config %+v from %+v", got, cfg)
	}
}

// A node's --particle-rate reaches its transport: of five clients' runs at once, the node takes
// what the rate and burst of 1 allow and drops the rest unread, counting them; their runs end
// at the TTL saying that a rate limit may be why. (Each client has a peer id of its own: clients
// sharing a key would share an address, and an answer could go to the wrong one.)
func TestParticleRateOnTheNode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	n := startNode(t, "n", "--particle-rate", "1", "--particle-burst", "1", "--peer-particle-rate", "1", "--peer-particle-burst", "1")
	relay := n.tcpAddr(t)
	script := fmt.Sprintf(`(seq (call "%s" ("op" "noop") []) (call %%init_peer_id%% ("callbackSrv" "response") ["ok"]))`, n.peerID)
	const runs = 5
	type result struct {
		code        int
		out, errOut string
	}
	results := make(chan result, runs)
	for range runs {
		go func() {
			code, out, errOut := aquanet(t, "", "run", "--relay", relay, "--ttl", "3s", "-e", script)
			results <- result{code, out, errOut}
		}()
	}
	answered, dropped := 0, 0
	for range runs {
		switch r := <-results; {
		case r.code == 0 && r.out == "callbackSrv.response: \"ok\"\n":
			answered++
		case r.code == 1 && strings.Contains(r.errOut, "may have dropped it over its rate limit"):
			dropped++
		default:
			t.Errorf("run: exit %d\nstdout: %s\nstderr: %s", r.code, r.out, r.errOut)
		}
	}
	// The runs start within their TTL of 3 s: the burst and at most 3 s of the rate are taken.
	if answered < 1 || dropped < 1 {
		t.Fatalf("%d runs answered and %d dropped; want some of each", answered, dropped)
	}
	if got := n.metric(t, `aquanet_p2p_dropped_total{reason="global_rate_limited"}`); got != strconv.Itoa(dropped) {
		t.Errorf("global_rate_limited counts %s; %d runs were dropped", got, dropped)
	}
}
