package actors

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/network"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
)

// triggerScript reads its argument greeting, appends it to its state's list runs and reports
// the list and its owner.
const triggerScript = `
(seq (seq (call %init_peer_id% ("getDataSrv" "greeting") [] g) (call %init_peer_id% ("getDataSrv" "-owner-") [] owner))
  (seq (call %init_peer_id% ("spell" "list_push_string") ["runs" g] pushed)
    (seq (call %init_peer_id% ("spell" "list_get_strings") ["runs"] l)
         (call %init_peer_id% ("probe" "report") [l.$.value owner]))))`

// triggerNode is a node on a manual clock with a probe service that reports to a channel.
type triggerNode struct {
	*Node
	t       *testing.T
	clk     *clock.Manual
	reports chan []value.Value
	n       int
}

func startTriggerNode(t *testing.T, dir string, clk *clock.Manual) *triggerNode {
	t.Helper()
	id := actortest.Identity(t, "trigger node")
	w := &triggerNode{t: t, clk: clk, reports: make(chan []value.Value, 16)}
	w.Node = startNode(t, Env{Key: id.Key, Clock: clk, Transport: network.NewHub().Join, DataDir: filepath.Join(dir, "store"),
		Triggers: TriggerEnv{MinEvery: 5 * time.Second}})
	// The probe reports its arguments and, last, the call's TriggerOwner.
	if err := w.Spawn(context.Background(), "probe", service.HandlerFunc(func(cc service.CallContext, _ string, args []value.Value) (value.Value, error) {
		w.reports <- append(args, value.String(cc.TriggerOwner))
		return value.Null(), nil
	})); err != nil {
		t.Fatal(err)
	}
	// AIR's string literals cannot hold a script's quotes: a call takes it from here as src.
	if err := w.Spawn(context.Background(), "src", service.HandlerFunc(func(_ service.CallContext, fn string, _ []value.Value) (value.Value, error) {
		if fn == "args" {
			return value.Object([]string{"greeting"}, []value.Value{value.String("hi")}), nil
		}
		return value.String(triggerScript), nil
	})); err != nil {
		t.Fatal(err)
	}
	return w
}

// call runs one call of the node's own on itself and reports its result, or the error; an
// argument src is triggerScript, srcargs {"greeting": "hi"}.
func (w *triggerNode) call(service, function string, args ...string) value.Value {
	w.t.Helper()
	w.n++
	script := fmt.Sprintf(`(xor (seq (seq (call %%init_peer_id%% ("src" "script") [] src) (call %%init_peer_id%% ("src" "args") [] srcargs))
	    (seq (call %%init_peer_id%% (%q %q) [%s] r) (call %%init_peer_id%% ("probe" "report") [r])))
	  (call %%init_peer_id%% ("probe" "report") ["error" %%last_error%%.$.message]))`, service, function, strings.Join(args, " "))
	id := actortest.Identity(w.t, "trigger node")
	p := actortest.Particle(w.t, id, particle.Particle{ID: fmt.Sprintf("call-%d", w.n), Timestamp: uint64(w.clk.Now().UnixMilli()), TTL: 60_000, Script: script})
	w.Deliver(w.PeerID(), p)
	got := w.report()
	if owner := str(got[len(got)-1]); owner != "" {
		w.t.Fatalf("a call of a particle that is no trigger's has a trigger owner, %s", owner)
	}
	if len(got) == 3 && str(got[0]) == "error" {
		return value.String("error: " + str(got[1]))
	}
	return got[0]
}

func (w *triggerNode) report() []value.Value {
	w.t.Helper()
	select {
	case r := <-w.reports:
		return r
	case <-time.After(20 * time.Second):
		w.t.Fatal("no report within 20 s")
		return nil
	}
}

// quiet says that no report comes while the clock moves on by d.
func (w *triggerNode) quiet(d time.Duration) {
	w.t.Helper()
	w.clk.Advance(d)
	select {
	case r := <-w.reports:
		w.t.Fatalf("an unexpected report: %v", r)
	case <-time.After(200 * time.Millisecond):
	}
}

// A timer trigger runs its script every period with its arguments and its own state, N times
// in all; its schedule and its state survive a restart of the node, which neither repeats a
// run nor adds one.
func TestTimerTriggerRunsNTimesAcrossARestart(t *testing.T) {
	dir := t.TempDir()
	clk := clock.NewManual(time.UnixMilli(1_700_000_000_000))
	w := startTriggerNode(t, dir, clk)
	id := w.call("script", "add", "src", "10", "srcargs", "3")
	if strings.HasPrefix(str(id), "error") || str(id) == "" {
		t.Fatalf("script.add: %v", id)
	}
	clk.Advance(0)
	if got := w.report(); got[0].String() != `["hi"]` || str(got[1]) != w.PeerID() || str(got[2]) != w.PeerID() {
		t.Fatalf("first run reported %v, want the list, and its owner as the script and the service see it", got)
	}
	w.quiet(9 * time.Second)
	clk.Advance(time.Second)
	if got := w.report(); got[0].String() != `["hi","hi"]` {
		t.Fatalf("second run reported %v", got)
	}
	if err := w.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}

	w = startTriggerNode(t, dir, clk)
	defer w.Stop(context.Background())
	list := w.call("script", "list")
	if n := list.Len(); n != 1 || !strings.Contains(list.String(), `"runs":2`) {
		t.Fatalf("script.list after the restart: %v", list)
	}
	w.quiet(9 * time.Second)
	clk.Advance(time.Second)
	if got := w.report(); got[0].String() != `["hi","hi","hi"]` {
		t.Fatalf("third run, after the restart, reported %v", got)
	}
	w.quiet(30 * time.Second) // three times, no more
}

// Bad input changes nothing and says what was wrong.
func TestTriggerBadInput(t *testing.T) {
	clk := clock.NewManual(time.UnixMilli(1_700_000_000_000))
	w := startTriggerNode(t, t.TempDir(), clk)
	defer w.Stop(context.Background())
	for _, tc := range []struct{ args, want string }{
		{`"(seq (null)"`, "the script does not parse"},
		{`"(null)" 2`, "a period of 2s is under this node's minimum of 5s"},
		{`"(null)" 10 "not an object"`, "the arguments must be an object"},
	} {
		got := w.call("script", "add", strings.Fields(tc.args)...)
		if !strings.Contains(str(got), tc.want) {
			t.Errorf("script.add %s: %v, want an error saying %q", tc.args, got, tc.want)
		}
	}
	if got := w.call("script", "remove", `"nope"`); !strings.Contains(str(got), `no trigger`) {
		t.Errorf("script.remove of an unknown id: %v", got)
	}
	if got := w.call("spell", "get_string", `"k"`); !strings.Contains(str(got), "only a trigger's own particle") {
		t.Errorf("spell from a particle that is no trigger's: %v", got)
	}
	if list := w.call("script", "list"); list.String() != "[]" {
		t.Fatalf("script.list after bad input: %v", list)
	}
}
