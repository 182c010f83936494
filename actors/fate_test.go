package actors

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/network"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/particle"
)

// A call that fails without xor, and a script the interpreter rejects, are not silent (issue 12,
// fault 2): each is counted in the node's metrics and logged at debug with the particle's id.
func TestFailuresAreCountedAndLogged(t *testing.T) {
	clk := clock.NewManual(time.UnixMilli(1_700_000_000_000))
	id := actortest.Identity(t, "alice")
	reg := prometheus.NewRegistry()
	var logs actortest.Logs
	n := startNode(t, Env{Key: id.Key, Clock: clk, Transport: network.NewHub().Join, Metrics: reg,
		Logger: logs.Logger(slog.LevelDebug)})
	defer func() {
		clk.Advance(time.Hour)
		if err := n.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	start := func(pid, script string) {
		n.Deliver(n.PeerID(), actortest.Particle(t, id, particle.Particle{ID: pid, Timestamp: uint64(clk.Now().UnixMilli()), TTL: 60_000, Script: script}))
	}
	start("p-failing-call", `(call %init_peer_id% ("no-such-service" "f") [])`)
	start("p-bad-script", `(seq (call %init_peer_id% ("op" "noop") []) (ap 1 $s) (null))`)
	// sum adds up the values of the counter called name, over its labels.
	sum := func(name string) float64 {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		total := 0.0
		for _, mf := range mfs {
			if mf.GetName() == name {
				for _, m := range mf.GetMetric() {
					total += m.GetCounter().GetValue()
				}
			}
		}
		return total
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		failed, errs := sum("aquanet_particle_failed_calls_total"), sum("aquanet_interpreter_errors_total")
		if failed == 1 && errs >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("failed calls %v, interpreter errors %v; logs:\n%s", failed, errs, logs.String())
		}
	}
	for _, want := range []string{"particle call failed", "particle=p-failing-call", "particle run failed", "particle=p-bad-script"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the debug log has no %q:\n%s", want, logs.String())
		}
	}
}
