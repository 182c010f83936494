package actors

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/network"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/internal/wasmguest"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
	"github.com/aquanet/aquanet/wasmhost"
)

// wasmNode is a node on the OS's filesystem (services keep dirs there) with two Go services
// for the scripts: src.wasm NAME gives a guest's bytes in base64, probe.report takes what a
// script reports.
type wasmNode struct {
	*Node
	t       testing.TB
	id      scenario.Identity
	reports chan []value.Value
	n       int
}

func startWasmNode(t testing.TB, dir string, cfg wasmhost.Config) *wasmNode {
	t.Helper()
	return startWasmNodeEnv(t, dir, WasmEnv{Host: &cfg})
}

// startWasmNodeEnv starts a wasmNode with env (its Dir under dir).
func startWasmNodeEnv(t testing.TB, dir string, env WasmEnv) *wasmNode {
	t.Helper()
	return startWasmNodeWith(t, dir, env, nil)
}

// startWasmNodeWith starts a wasmNode with env (its Dir under dir), its node's Env changed by
// edit if set.
func startWasmNodeWith(t testing.TB, dir string, env WasmEnv, edit func(*Env)) *wasmNode {
	t.Helper()
	id, _ := scenario.NewIdentity("alice")
	w := &wasmNode{t: t, id: id, reports: make(chan []value.Value, 16)}
	env.Dir = filepath.Join(dir, "wasm")
	nodeEnv := Env{Key: id.Key, Transport: network.NewHub().Join, DataDir: filepath.Join(dir, "store"), Wasm: env}
	if edit != nil {
		edit(&nodeEnv)
	}
	w.Node = startNode(t, nodeEnv)
	ctx := context.Background()
	if err := w.Spawn(ctx, "src", service.HandlerFunc(func(_ service.CallContext, fn string, _ []value.Value) (value.Value, error) {
		var b []byte
		var err error
		if name, ok := strings.CutPrefix(fn, "marine:"); ok { // a Marine test module of ours
			b, err = os.ReadFile(filepath.Join("..", "wasmhost", "internal", "marine", "testdata", name+".wasm"))
		} else {
			b, err = wasmguest.Build(fn)
		}
		return value.String(base64.StdEncoding.EncodeToString(b)), err
	})); err != nil {
		t.Fatal(err)
	}
	if err := w.Spawn(ctx, "probe", service.HandlerFunc(func(_ service.CallContext, _ string, args []value.Value) (value.Value, error) {
		w.reports <- args
		return value.Null(), nil
	})); err != nil {
		t.Fatal(err)
	}
	return w
}

// run sends a script from the node's own key (which may deploy) and returns what it reports
// to probe.report, or fails the test after a minute.
func (w *wasmNode) run(script string) []value.Value {
	w.t.Helper()
	w.send(script)
	return w.report()
}

func (w *wasmNode) send(script string) { w.sendTTL(script, 120_000) }

func (w *wasmNode) sendTTL(script string, ttl uint32) {
	w.t.Helper()
	w.n++
	p := actortest.Particle(w.t, w.id, particle.Particle{ID: fmt.Sprintf("p%d", w.n), Timestamp: uint64(time.Now().UnixMilli()), TTL: ttl, Script: script})
	w.Deliver(w.PeerID(), p)
}

func (w *wasmNode) report() []value.Value {
	w.t.Helper()
	select {
	case r := <-w.reports:
		return r
	case <-time.After(time.Minute):
		w.t.Fatal("no report within a minute")
		return nil
	}
}

// deployScript adds the named guests as modules and a blueprint of them (the last the facade),
// creates a service and reports its id, or the error. "marine:NAME" is the Marine test module
// NAME of wasmhost/internal/marine/testdata, deployed as module NAME.
func deployScript(guests ...string) string {
	var steps []string
	for i, g := range guests {
		name := strings.TrimPrefix(g, "marine:")
		steps = append(steps,
			fmt.Sprintf(`(call %%init_peer_id%% ("src" %q) [] w%d)`, g, i),
			fmt.Sprintf(`(call %%init_peer_id%% ("dist" "default_module_config") [%q] c%d)`, name, i),
			fmt.Sprintf(`(call %%init_peer_id%% ("dist" "add_module") [w%d c%d] m%d)`, i, i, i),
			fmt.Sprintf(`(ap m%d $deps)`, i))
	}
	steps = append(steps,
		`(canon %init_peer_id% $deps #deps)`,
		`(call %init_peer_id% ("dist" "make_blueprint") ["svc" #deps] bp)`,
		`(call %init_peer_id% ("dist" "add_blueprint") [bp] bpid)`,
		`(call %init_peer_id% ("srv" "create") [bpid] sid)`,
		`(call %init_peer_id% ("probe" "report") [sid])`)
	return catching(seqAll(steps))
}

func seqAll(steps []string) string {
	s := steps[len(steps)-1]
	for i := len(steps) - 2; i >= 0; i-- {
		s = "(seq " + steps[i] + " " + s + ")"
	}
	return s
}

// catching reports a script's error as ["error", message].
func catching(script string) string {
	return `(xor ` + script + ` (call %init_peer_id% ("probe" "report") ["error" %last_error%.$.message]))`
}

func str(v value.Value) string { s, _ := v.Str(); return s }

// A module deployed with dist and srv.create serves calls from AIR, keeps its /storage across
// a restart of the node, and its service comes back with its id and interface.
func TestWasmServiceDeployedCalledAndBackAfterARestart(t *testing.T) {
	dir := t.TempDir()
	w := startWasmNode(t, dir, wasmhost.NewConfig())
	got := w.run(deployScript("kvstore"))
	if len(got) != 1 {
		t.Fatalf("deploy reported %v", got)
	}
	sid := str(got[0])
	put := fmt.Sprintf(`(seq (call %%init_peer_id%% (%q "put") ["colour" "teal"] r) (call %%init_peer_id%% ("probe" "report") [r]))`, sid)
	if got := w.run(catching(put)); len(got) != 1 || str(got[0]) == "error" {
		t.Fatalf("put: %v", got)
	}
	iface := fmt.Sprintf(`(seq (call %%init_peer_id%% ("srv" "get_interface") [%q] i) (call %%init_peer_id%% ("probe" "report") [i.$.function_signatures]))`, sid)
	if got := w.run(catching(iface)); len(got) != 1 || !strings.Contains(got[0].String(), `"name":"put"`) {
		t.Fatalf("get_interface: %v", got)
	}
	if err := w.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}

	w = startWasmNode(t, dir, wasmhost.NewConfig())
	get := fmt.Sprintf(`(seq (call %%init_peer_id%% (%q "get") ["colour"] v) (call %%init_peer_id%% ("probe" "report") [v]))`, sid)
	if got := w.run(catching(get)); len(got) != 1 || !strings.Contains(got[0].String(), "teal") {
		t.Fatalf("get after the restart: %v", got)
	}
	list := `(seq (call %init_peer_id% ("srv" "list") [] l) (call %init_peer_id% ("probe" "report") [l]))`
	if got := w.run(catching(list)); len(got) != 1 || !strings.Contains(got[0].String(), sid) {
		t.Fatalf("srv.list after the restart: %v", got)
	}
	w.Stop(context.Background())
}

// A guest that loops forever holds up its own service's calls, nothing else: a particle that
// calls a builtin meanwhile finishes first; the spinning call fails at the time limit, saying
// so, and the service's next call gets a new instance.
func TestARunawayGuestHoldsUpNothingElse(t *testing.T) {
	w := startWasmNode(t, t.TempDir(), wasmhost.NewConfig().WithCallTimeout(3*time.Second))
	got := w.run(deployScript("guest"))
	sid := str(got[0])
	w.send(catching(fmt.Sprintf(`(seq (call %%init_peer_id%% (%q "spin") []) (call %%init_peer_id%% ("probe" "report") ["spun"]))`, sid)))
	time.Sleep(100 * time.Millisecond) // let the spin start; the order below does not depend on it
	w.send(`(seq (call %init_peer_id% ("op" "identity") ["quick"] q) (call %init_peer_id% ("probe" "report") [q]))`)
	if first := w.report(); len(first) != 1 || str(first[0]) != "quick" {
		t.Fatalf("first report %v, want the quick particle's", first)
	}
	spun := w.report()
	if len(spun) != 2 || str(spun[0]) != "error" || !strings.Contains(str(spun[1]), "time limit") || !strings.Contains(str(spun[1]), "replaced") {
		t.Fatalf("the spinning call reported %v, want an error about its time limit and the instance replaced", spun)
	}
	again := fmt.Sprintf(`(seq (call %%init_peer_id%% (%q "fail") ["fine"]) (null))`, sid)
	if got := w.run(catching(again)); len(got) != 2 || !strings.Contains(str(got[1]), "fine") {
		t.Fatalf("the next call: %v, want the guest's own error from a new instance", got)
	}
	w.Stop(context.Background())
}

// Deploying is the host's and the management peer's unless the node opens it.
func TestDeployingIsGuarded(t *testing.T) {
	w := startWasmNode(t, t.TempDir(), wasmhost.NewConfig())
	stranger, _ := scenario.NewIdentity("mallory")
	p := actortest.Particle(t, stranger, particle.Particle{ID: "m1", Timestamp: uint64(time.Now().UnixMilli()), TTL: 60_000,
		Script: fmt.Sprintf(`(xor (call %q ("srv" "create") ["whatever"]) (call %q ("probe" "report") [%%last_error%%.$.message]))`, w.PeerID(), w.PeerID())})
	w.Deliver(stranger.PeerID, p)
	if got := w.report(); len(got) != 1 || !strings.Contains(str(got[0]), "only available to the host") {
		t.Fatalf("a stranger's srv.create: %v", got)
	}
	w.Stop(context.Background())
}

// A service that declares itself stateless runs on a pool: while one call spins on one
// instance, another call to the same service is served by a second one, and the spinning call
// still ends at its time limit, replacing only its own instance.
func TestAStatelessServiceServesCallsInParallel(t *testing.T) {
	cfg := wasmhost.NewConfig().WithCallTimeout(3 * time.Second)
	w := startWasmNodeEnv(t, t.TempDir(), WasmEnv{Host: &cfg, PoolSize: 2})
	sid := str(w.run(deployScript("guest"))[0])
	w.send(catching(fmt.Sprintf(`(seq (call %%init_peer_id%% (%q "spin") []) (call %%init_peer_id%% ("probe" "report") ["spun"]))`, sid)))
	time.Sleep(100 * time.Millisecond) // let the spin start; the order below does not depend on it
	w.send(catching(fmt.Sprintf(`(seq (call %%init_peer_id%% (%q "params") [] p) (call %%init_peer_id%% ("probe" "report") [p]))`, sid)))
	if first := w.report(); len(first) != 1 || !strings.Contains(first[0].String(), sid) {
		t.Fatalf("first report %v, want the params call served beside the spinning call", first)
	}
	if spun := w.report(); len(spun) != 2 || !strings.Contains(str(spun[1]), "time limit") {
		t.Fatalf("the spinning call reported %v, want its time limit", spun)
	}
	w.Stop(context.Background())
}

// With deploying open, a stranger may create services up to the bound per peer, and is told
// why past it.
func TestOpenDeployBoundsTheServicesOfAPeer(t *testing.T) {
	cfg := wasmhost.NewConfig()
	w := startWasmNodeEnv(t, t.TempDir(), WasmEnv{Host: &cfg, OpenDeploy: true, MaxServicesPerPeer: 1})
	w.run(deployScript("greeting"))
	stranger, _ := scenario.NewIdentity("mallory")
	for i, want := range []string{"", "you own 1 Wasm services"} {
		script := fmt.Sprintf(`(xor (seq (call %[1]q ("dist" "list_blueprints") [] bps)
		  (seq (call %[1]q ("srv" "create") [bps.$.[0].id] sid) (call %[1]q ("probe" "report") [sid])))
		  (call %[1]q ("probe" "report") ["error" %%last_error%%.$.message]))`, w.PeerID())
		p := actortest.Particle(t, stranger, particle.Particle{ID: fmt.Sprintf("m%d", i), Timestamp: uint64(time.Now().UnixMilli()), TTL: 60_000, Script: script})
		w.Deliver(stranger.PeerID, p)
		got := w.report()
		if want == "" && (len(got) != 1 || str(got[0]) == "error") {
			t.Fatalf("the stranger's first service: %v", got)
		}
		if want != "" && (len(got) != 2 || !strings.Contains(str(got[1]), want)) {
			t.Fatalf("the stranger's second service: %v, want %q", got, want)
		}
	}
	w.Stop(context.Background())
}

// A call is stopped when its particle expires, not only at the call time limit: a spinning
// call of a particle that lives 2 s frees its service for the next particle long before the
// limit of 5 minutes.
func TestACallEndsWithItsParticle(t *testing.T) {
	w := startWasmNode(t, t.TempDir(), wasmhost.NewConfig().WithCallTimeout(5*time.Minute))
	sid := str(w.run(deployScript("guest"))[0])
	w.sendTTL(fmt.Sprintf(`(call %%init_peer_id%% (%q "spin") [])`, sid), 2_000)
	time.Sleep(100 * time.Millisecond) // let the spin start; the order below does not depend on it
	w.send(catching(fmt.Sprintf(`(seq (call %%init_peer_id%% (%q "params") [] p) (call %%init_peer_id%% ("probe" "report") [p]))`, sid)))
	if got := w.report(); len(got) != 1 || !strings.Contains(got[0].String(), sid) {
		t.Fatalf("the call after the expired one: %v", got)
	}
	w.Stop(context.Background())
}

// A Marine module importing a mounted binary is refused, saying how to grant it, on a node
// that does not grant it; where the node's config grants it, the service runs the program;
// and if a restart takes the grant away, the service stays listed and every call says why it
// cannot run.
func TestAMountedBinaryRunsOnlyWhereGranted(t *testing.T) {
	echo, err := exec.LookPath("echo")
	if err != nil {
		t.Skip("no echo program on this machine")
	}
	refused := startWasmNode(t, t.TempDir(), wasmhost.NewConfig())
	if got := refused.run(deployScript("marine:binary")); len(got) != 2 || !strings.Contains(str(got[1]), `does not grant it`) || !strings.Contains(str(got[1]), "wasm_mounted_binaries.binary") {
		t.Fatalf("deploying without a grant: %v", got)
	}
	refused.Stop(context.Background())

	dir := t.TempDir()
	granted := wasmhost.NewConfig().WithMountedBinaries(map[string]map[string]string{"binary": {"echo": echo}})
	w := startWasmNode(t, dir, granted)
	got := w.run(deployScript("marine:binary"))
	if len(got) != 1 {
		t.Fatalf("deploying with a grant: %v", got)
	}
	sid := str(got[0])
	run := catching(fmt.Sprintf(`(seq (seq (ap "granted" $args) (canon %%init_peer_id%% $args #args))
	  (seq (call %%init_peer_id%% (%q "run") [#args] r) (call %%init_peer_id%% ("probe" "report") [r.$.ret_code r.$.stdout])))`, sid))
	if got := w.run(run); len(got) != 2 || got[0].String() != "0" || got[1].String() != `[103,114,97,110,116,101,100,10]` { // "granted\n"
		t.Fatalf("run: %v", got)
	}
	w.Stop(context.Background())

	w = startWasmNode(t, dir, wasmhost.NewConfig())
	if got := w.run(run); len(got) != 2 || !strings.Contains(str(got[1]), "could not be brought back") || !strings.Contains(str(got[1]), "does not grant it") {
		t.Fatalf("a call after the grant was taken away: %v", got)
	}
	list := `(seq (call %init_peer_id% ("srv" "list") [] l) (call %init_peer_id% ("probe" "report") [l]))`
	if got := w.run(catching(list)); len(got) != 1 || !strings.Contains(got[0].String(), sid) {
		t.Fatalf("srv.list after the grant was taken away: %v", got)
	}
	w.Stop(context.Background())
}
