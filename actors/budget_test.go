package actors

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/network"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
)

// A fold bomb (issue 13, item 1: a 2 KB signed particle, three nested folds over the 1000
// values json.parse returns) ends with the interpreter's step budget error, counted in the
// node's metrics by its code, while a normal particle given to the node with it is served.
func TestFoldBombEndsAtItsBudget(t *testing.T) {
	clk := clock.NewManual(time.UnixMilli(1_700_000_000_000))
	id := actortest.Identity(t, "alice")
	reg := prometheus.NewRegistry()
	n := startNode(t, Env{Key: id.Key, Clock: clk, Transport: network.NewHub().Join, Metrics: reg})
	defer func() {
		clk.Advance(time.Hour)
		if err := n.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan string, 2)
	if err := n.Spawn(ctx, "callback", service.HandlerFunc(func(_ service.CallContext, _ string, args []value.Value) (value.Value, error) {
		s, _ := args[0].Str()
		done <- s
		return value.Null(), nil
	})); err != nil {
		t.Fatal(err)
	}
	bomb := `(seq (call %init_peer_id% ("json" "parse") ["[` + strings.Repeat("0,", 999) + `0]"] xs)
  (seq (fold xs a (seq (fold xs b (seq (fold xs c (seq (null) (next c))) (next b))) (next a)))
    (call %init_peer_id% ("callback" "done") ["bomb"])))`
	start := func(pid, script string) {
		n.Deliver(n.PeerID(), actortest.Particle(t, id, particle.Particle{ID: pid, Timestamp: uint64(clk.Now().UnixMilli()), TTL: 5_000, Script: script}))
	}
	start("p-bomb", bomb)
	start("p-normal", `(call %init_peer_id% ("callback" "done") ["normal"])`)

	select {
	case got := <-done:
		if got != "normal" {
			t.Fatalf("callback from %q, want the normal particle's", got)
		}
	case <-ctx.Done():
		t.Fatal("the normal particle was not served")
	}
	// The bomb's error is counted once, under its code; nothing else failed.
	code := strconv.Itoa(interpreter.CodeStepBudgetExceeded)
	for errs := interpreterErrors(t, reg); errs[code] != 1; errs = interpreterErrors(t, reg) {
		if len(errs) > 1 || errs[code] > 1 || ctx.Err() != nil {
			t.Fatalf("interpreter errors by code %v, want the bomb's budget error (%s) once", errs, code)
		}
		time.Sleep(time.Millisecond)
	}
	select {
	case got := <-done:
		t.Fatalf("a callback from %q after the bomb stopped", got)
	default:
	}
}

// interpreterErrors reads aquanet_interpreter_errors_total by code.
func interpreterErrors(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "aquanet_interpreter_errors_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "code" {
					out[l.GetValue()] += m.GetCounter().GetValue()
				}
			}
		}
	}
	return out
}

// The node's Budget reaches every run: with a step budget of 100, a fold over 200 values fails
// with the step budget error where the default budget serves it.
func TestNodeBudgetApplies(t *testing.T) {
	script := `(seq (call %init_peer_id% ("json" "parse") ["[` + strings.Repeat("0,", 199) + `0]"] xs)
  (seq (fold xs a (seq (null) (next a))) (call %init_peer_id% ("callback" "done") ["folded"])))`
	for _, tc := range []struct {
		name   string
		budget interpreter.Limits
		served bool
	}{{"default", interpreter.Limits{}, true}, {"100 steps", interpreter.Limits{MaxSteps: 100}, false}} {
		t.Run(tc.name, func(t *testing.T) {
			clk := clock.NewManual(time.UnixMilli(1_700_000_000_000))
			id := actortest.Identity(t, "alice")
			reg := prometheus.NewRegistry()
			n := startNode(t, Env{Key: id.Key, Clock: clk, Transport: network.NewHub().Join, Metrics: reg, Budget: tc.budget})
			defer func() {
				clk.Advance(time.Hour)
				if err := n.Stop(context.Background()); err != nil {
					t.Error(err)
				}
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			done := make(chan struct{}, 1)
			if err := n.Spawn(ctx, "callback", service.HandlerFunc(func(service.CallContext, string, []value.Value) (value.Value, error) {
				done <- struct{}{}
				return value.Null(), nil
			})); err != nil {
				t.Fatal(err)
			}
			n.Deliver(n.PeerID(), actortest.Particle(t, id, particle.Particle{ID: "fold", Timestamp: uint64(clk.Now().UnixMilli()), TTL: 5_000, Script: script}))
			code := strconv.Itoa(interpreter.CodeStepBudgetExceeded)
			for {
				select {
				case <-done:
					if !tc.served {
						t.Fatal("the fold was served within a budget of 100 steps")
					}
					return
				case <-ctx.Done():
					t.Fatalf("neither served nor stopped by the budget (errors %v)", interpreterErrors(t, reg))
				case <-time.After(time.Millisecond):
				}
				if errs := interpreterErrors(t, reg); errs[code] > 0 {
					if tc.served {
						t.Fatalf("the default budget stopped a fold of 200: %v", errs)
					}
					return
				}
			}
		})
	}
}
