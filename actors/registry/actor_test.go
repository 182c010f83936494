package registry

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/aquanet/aquanet/actors/dispatch"
	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/interpreter/value"
)

// node is a registry actor on a seeded loop with a probe that collects what comes back.
type node struct {
	t        *testing.T
	system   *actor.ActorSystem
	loop     *dispatch.Loop
	clock    *clock.Manual
	registry *actor.PID
	probe    *actor.PID
	replies  map[uint32]*service.Reply
	spawned  []*Spawned
	nextID   uint32
}

func newNode(t *testing.T, overrides ...Override) *node {
	n := &node{t: t, replies: map[uint32]*service.Reply{}}
	n.system = actortest.System()
	var opts []actor.PropsOption
	n.loop, opts = actortest.Loop(1)
	n.clock = clock.NewManual(time.UnixMilli(1_700_000_000_000))
	n.registry = n.system.Root.Spawn(Props(Config{Host: host, Management: admin, Clock: n.clock, Overrides: overrides}, opts...))
	n.probe = n.system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case *service.Reply:
			n.replies[m.ID] = m
		case *Spawned:
			n.spawned = append(n.spawned, m)
		}
	}, opts...))
	n.run()
	return n
}

func (n *node) run() {
	n.t.Helper()
	if n.loop.Run(100_000); n.loop.Pending() != 0 {
		n.t.Fatal("the node did not go idle")
	}
}

func (n *node) spawn(id, owner string, h service.HandlerFunc) error {
	n.system.Root.Send(n.registry, &Spawn{ID: id, Owner: owner, NewHandler: func() service.Handler { return h }, ReplyTo: n.probe})
	n.run()
	last := n.spawned[len(n.spawned)-1]
	if last.ID != id {
		n.t.Fatalf("Spawned %q, want %q", last.ID, id)
	}
	return last.Err
}

// call makes one call as caller and returns its result (ret code, JSON).
func (n *node) call(caller, svc, fn string, args ...value.Value) (int32, string) {
	n.t.Helper()
	n.nextID++
	id := n.nextID
	n.system.Root.Send(n.registry, &service.Call{ID: id, Function: fn, Args: args, ReplyTo: n.probe,
		Context: service.CallContext{Service: svc, InitPeerID: caller, Timestamp: clock.UnixMilli(n.clock), TTL: 60_000}})
	n.run()
	r := n.replies[id]
	if r == nil {
		n.t.Fatalf("no reply to %s.%s", svc, fn)
	}
	return r.Result.RetCode, r.Result.Result
}

func (n *node) want(caller, svc, fn string, args []value.Value, code int32, result string) {
	n.t.Helper()
	if c, r := n.call(caller, svc, fn, args...); c != code || r != result {
		n.t.Errorf("%s.%s by %s = %d %s, want %d %s", svc, fn, caller, c, r, code, result)
	}
}

func str(s string) value.Value { return value.String(s) }

func TestRegistryRoutesAndServesSrv(t *testing.T) {
	n := newNode(t)
	echo := func(_ service.CallContext, fn string, args []value.Value) (value.Value, error) {
		if fn == "fail" {
			return value.Value{}, errors.New("failed on purpose")
		}
		return value.Array(append([]value.Value{value.String(fn)}, args...)...), nil
	}
	if err := n.spawn("chat-1", alice, echo); err != nil {
		t.Fatal(err)
	}
	if err := n.spawn("chat-1", bob, echo); err == nil {
		t.Fatal("a second service with the same id was spawned")
	}
	if err := n.spawn("op", bob, echo); err == nil {
		t.Fatal("a service took the id of a builtin")
	}
	none := []value.Value(nil)
	n.want(alice, "chat-1", "send", []value.Value{str("hi")}, 0, `["send","hi"]`)
	n.want(alice, "chat-1", "fail", none, 1, `"failed on purpose"`)
	n.want(alice, "op", "concat_strings", []value.Value{str("a"), str("b")}, 0, `"ab"`)
	n.want(alice, "op", "identity", []value.Value{value.Int(1), value.Int(2)}, 1, `"identity accepts up to 1 arguments, received 2 arguments"`)
	n.want(alice, "math", "add", []value.Value{value.Int(1), value.Int(2)}, 0, `3`)
	n.want(alice, "nope", "f", none, 1, `"Service with id 'nope' not found (function f)"`)

	// Aliases: only the host and the operator.
	n.want(alice, "srv", "add_alias", []value.Value{str("chat"), str("chat-1")}, 1, `"This function is only available to the host or worker spells"`)
	n.want(admin, "srv", "add_alias", []value.Value{str("chat"), str("chat-1")}, 0, `""`)
	n.want(admin, "srv", "add_alias", []value.Value{str("op"), str("chat-1")}, 1, `"Cannot add alias 'op' because it is reserved"`)
	n.want(admin, "srv", "add_alias", []value.Value{str("chat")}, 1, `"Error: Field 'service_id' is missing from args to call_service"`)
	n.want(bob, "chat", "send", []value.Value{str("via alias")}, 0, `["send","via alias"]`)
	n.want(bob, "srv", "resolve_alias", []value.Value{str("chat")}, 0, `"chat-1"`)
	n.want(bob, "srv", "resolve_alias", []value.Value{str("nope")}, 1, `"Service with alias 'nope' is not found"`)
	n.want(bob, "srv", "resolve_alias_opt", []value.Value{str("chat")}, 0, `["chat-1"]`)
	n.want(bob, "srv", "resolve_alias_opt", []value.Value{str("nope")}, 0, `[]`)
	n.want(bob, "srv", "list", none, 0, `[{"aliases":["chat"],"blueprint_id":"","id":"chat-1","owner_id":"12D3Alice","service_type":"service","worker_id":"12D3Host"}]`)
	n.want(bob, "srv", "info", []value.Value{str("chat")}, 0, `{"aliases":["chat"],"blueprint_id":"","id":"chat-1","owner_id":"12D3Alice","service_type":"service","worker_id":"12D3Host"}`)
	n.want(bob, "srv", "nope", none, 1, `"Service with id 'srv' not found (function nope)"`)

	// Removal: guarded; afterwards the service and its alias are gone.
	n.want(alice, "srv", "remove", []value.Value{str("chat")}, 1, `"This function is only available to the host or worker spells"`)
	n.want(host, "srv", "remove", []value.Value{str("chat")}, 0, `""`)
	n.want(bob, "chat", "send", none, 1, `"Service with id 'chat' not found (function send)"`)
	n.want(bob, "chat-1", "send", none, 1, `"Service with id 'chat-1' not found (function send)"`)
	n.want(bob, "srv", "list", none, 0, `[]`)
}

// An override takes the functions it names of a builtin; the builtin keeps the others, and
// services with no override are untouched.
func TestOverridesTakeTheFunctionsTheyName(t *testing.T) {
	stub := service.HandlerFunc(func(_ service.CallContext, fn string, _ []value.Value) (value.Value, error) {
		return value.String("stub " + fn), nil
	})
	n := newNode(t, Override{Service: "op", Functions: []string{"noop", "identity"}, Handler: stub})
	none := []value.Value(nil)
	n.want(alice, "op", "noop", none, 0, `"stub noop"`)
	n.want(alice, "op", "identity", []value.Value{str("x")}, 0, `"stub identity"`)
	n.want(alice, "op", "concat_strings", []value.Value{str("a"), str("b")}, 0, `"ab"`)
	n.want(alice, "math", "add", []value.Value{value.Int(1), value.Int(2)}, 0, `3`)
	n.want(alice, "nope", "noop", none, 1, `"Service with id 'nope' not found (function noop)"`)
}

func TestPanickingServiceIsRestartedAndTheNodeKeepsServing(t *testing.T) {
	n := newNode(t)
	starts := 0
	n.system.Root.Send(n.registry, &Spawn{ID: "flaky", Owner: alice, ReplyTo: n.probe, NewHandler: func() service.Handler {
		starts++
		return service.HandlerFunc(func(_ service.CallContext, fn string, _ []value.Value) (value.Value, error) {
			if fn == "boom" {
				panic("boom")
			}
			return value.Int(int64(starts)), nil
		})
	}})
	n.run()
	if len(n.spawned) != 1 || n.spawned[0].Err != nil {
		t.Fatalf("spawned %+v", n.spawned)
	}
	n.want(alice, "flaky", "ok", nil, 0, "1")
	n.want(alice, "flaky", "boom", nil, 1, `"service 'flaky' failed in 'boom': boom"`)
	if starts != 2 {
		t.Fatalf("the service started %d times, want 2 (restarted after the panic)", starts)
	}
	n.want(alice, "flaky", "ok", nil, 0, "2")
	n.want(alice, "op", "identity", []value.Value{str("x")}, 0, `"x"`)
}

// stat.service_stat shows a spawned service's counters, per function and in total, in the shape
// of aqua-lib's StatResult; they survive a restart of the service's actor. service_memory is
// empty for a Go service. Builtins and unknown services have no stats.
func TestStatShowsAServicesCounters(t *testing.T) {
	n := newNode(t)
	if err := n.spawn("calc", alice, func(c service.CallContext, fn string, _ []value.Value) (value.Value, error) {
		switch fn {
		case "slow":
			n.clock.Advance(250 * time.Millisecond) // the call takes a quarter of a second
			return value.Null(), nil
		case "fail":
			return value.Value{}, errors.New("no")
		case "boom":
			panic("boom")
		}
		return value.Value{}, service.NotFound(c.Service, fn)
	}); err != nil {
		t.Fatal(err)
	}
	if err := n.spawn("idle", alice, nil); err != nil {
		t.Fatal(err)
	}
	n.want(admin, "srv", "add_alias", []value.Value{str("calculator"), str("calc")}, 0, `""`)
	ts := clock.UnixMilli(n.clock)
	n.call(alice, "calc", "slow")
	n.call(alice, "calc", "slow")
	n.call(alice, "calc", "fail")
	n.call(alice, "calc", "boom") // the actor restarts; the counts stay
	n.call(alice, "calc", "nope") // counted in the totals only
	later := ts + 500

	stats := func(success, failed int, times string, timestamps ...uint64) string {
		tss := make([]string, len(timestamps))
		for i, t := range timestamps {
			tss[i] = strconv.FormatUint(t, 10)
		}
		zeros := strings.TrimSuffix(strings.Repeat("0.0,", success), ",")
		total := map[int]string{0: "0.0", 1: "0.25", 2: "0.5"}[success]
		avg := map[bool]string{true: "0.25", false: "0.0"}[success > 0]
		return `{"call_time_sec":{"avg":` + avg + `,"series":[` + times + `],"total":` + total + `},"failed_req_count":` + strconv.Itoa(failed) +
			`,"memory_deltas_bytes":{"avg":0.0,"series":[` + zeros + `],"total":0.0},"success_req_count":` + strconv.Itoa(success) +
			`,"timestamps":[` + strings.Join(tss, ",") + `]}`
	}
	want := `{"error":"","result":[{"functions_stats":[` +
		`{"name":"boom","stats":` + stats(0, 1, "", later) + `},` +
		`{"name":"fail","stats":` + stats(0, 1, "", later) + `},` +
		`{"name":"slow","stats":` + stats(2, 0, "0.25,0.25", ts, ts+250) + `}],` +
		`"total_stats":` + stats(2, 3, "0.25,0.25", ts, ts+250, later, later, later) + `}],"status":true}`
	n.want(bob, "stat", "service_stat", []value.Value{str("calculator")}, 0, want)
	n.want(bob, "stat", "service_stat", []value.Value{str("idle")}, 0, "{\"error\":\"No stats were collected for the `idle` service\",\"result\":[],\"status\":false}")
	n.want(bob, "stat", "service_stat", []value.Value{str("op")}, 1, `"Service with id 'op' not found"`)
	n.want(bob, "stat", "service_stat", nil, 1, `"Error: Field 'service_id' is missing from args to call_service"`)
	n.want(bob, "stat", "service_memory", []value.Value{str("calc")}, 0, `[]`)
	n.want(bob, "stat", "service_memory", []value.Value{str("nope")}, 1, `"Service with id 'nope' not found"`)
	n.want(bob, "stat", "nope", []value.Value{str("calc")}, 1, `"Service with id 'stat' not found (function nope)"`)
}

// TestNotFoundAsNox: nox words a missing service and a missing function of a service it has
// (a builtin, or a custom service) alike, "Service with id 'S' not found (function F)": the
// builtin answers NotDefined and the call falls through to the app services, which lack S
// (particle-builtins/src/builtins.rs, aquamarine/src/particle_functions.rs). It says so before
// it reads any argument.
func TestNotFoundAsNox(t *testing.T) {
	n := newNode(t)
	if err := n.spawn("calc", alice, func(c service.CallContext, fn string, _ []value.Value) (value.Value, error) {
		if fn == "add" {
			return value.Int(3), nil
		}
		return value.Value{}, service.NotFound(c.Service, fn)
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ svc, fn, want string }{
		// A missing service.
		{"nosuch", "f", `"Service with id 'nosuch' not found (function f)"`},
		// A missing function of a service the node has.
		{"op", "nosuch", `"Service with id 'op' not found (function nosuch)"`},
		{"json", "obj_pairs", `"Service with id 'json' not found (function obj_pairs)"`},
		{"srv", "nosuch", `"Service with id 'srv' not found (function nosuch)"`},
		{"stat", "nosuch", `"Service with id 'stat' not found (function nosuch)"`},
		{"calc", "sub", `"Service with id 'calc' not found (function sub)"`},
	} {
		n.want(bob, c.svc, c.fn, nil, 1, c.want)
	}
	n.want(bob, "calc", "add", nil, 0, "3")
}

// The registry serves the pure builtins itself, as a service actor would: a call whose
// particle expired before its turn came is not run.
func TestBuiltinCallOfAnExpiredParticleIsNotRun(t *testing.T) {
	n := newNode(t)
	n.system.Root.Send(n.registry, &service.Call{ID: 1, Function: "noop", ReplyTo: n.probe,
		Context: service.CallContext{Service: "op", InitPeerID: alice, Timestamp: clock.UnixMilli(n.clock) - 120_000, TTL: 60_000}})
	n.run()
	if r := n.replies[1]; r == nil || r.Result.RetCode != 1 || !strings.Contains(r.Result.Result, "did not run 'noop': the particle expired 60000 ms before") {
		t.Fatalf("reply %+v", r)
	}
}

// Calls to the builtins with small arguments are served by the registry; those with large ones
// by the builtin's own actor, so that a long one holds up no other call of the node. Both are
// answered alike.
func TestBuiltinCallsSmallHereLargeInTheirActor(t *testing.T) {
	many := make([]value.Value, 1000)
	for i := range many {
		many[i] = value.Int(int64(i))
	}
	long := value.String(strings.Repeat("x", 64*smallArgs))
	for _, c := range []struct {
		args  []value.Value
		small bool
	}{
		{nil, true},
		{[]value.Value{str("a"), value.Int(1), value.Array(str("b"), str("c"))}, true},
		{[]value.Value{value.Array(many[:smallArgs-2]...)}, true},
		{[]value.Value{value.Array(many...)}, false},
		{[]value.Value{long}, false},
		{[]value.Value{value.Object([]string{"k"}, []value.Value{value.Array(many...)})}, false},
	} {
		if got := small(c.args); got != c.small {
			t.Errorf("small(%d args, the first of %d elements) = %v, want %v", len(c.args), lenOf(c.args), got, c.small)
		}
	}
	n := newNode(t)
	n.want(alice, "op", "array_length", []value.Value{value.Array(many...)}, 0, "1000")
	n.want(alice, "op", "array_length", []value.Value{value.Array(many[:3]...)}, 0, "3")
	n.want(alice, "op", "concat_strings", []value.Value{long, str("!")}, 0, value.String(strings.Repeat("x", 64*smallArgs)+"!").String())
}

func lenOf(args []value.Value) int {
	if len(args) == 0 {
		return 0
	}
	return args[0].Len()
}
