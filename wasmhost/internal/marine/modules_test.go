package marine_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/wasmhost/api"
	"github.com/aquanet/aquanet/wasmhost/internal/engine"
	"github.com/aquanet/aquanet/wasmhost/internal/it/ittest"
	"github.com/aquanet/aquanet/wasmhost/internal/marine"
)

func newRuntime(t *testing.T, cfg wazero.RuntimeConfig) wazero.Runtime {
	t.Helper()
	r := wazero.NewRuntimeWithConfig(context.Background(), cfg)
	t.Cleanup(func() { _ = r.Close(context.Background()) })
	return r
}

func customSectionsRuntime(t *testing.T) wazero.Runtime {
	return newRuntime(t, wazero.NewRuntimeConfig().WithCustomSections(true))
}

// modules compiles testdata/<name>.wasm for each name, in order.
func modules(t *testing.T, r wazero.Runtime, names ...string) []engine.Module {
	t.Helper()
	var ms []engine.Module
	for _, n := range names {
		wasm, err := os.ReadFile(filepath.Join("testdata", n+".wasm"))
		if err != nil {
			t.Fatal(err)
		}
		cm, err := r.CompileModule(context.Background(), wasm)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		ms = append(ms, engine.Module{Name: n, Compiled: cm, Config: wazero.NewModuleConfig()})
	}
	return ms
}

type logLine struct {
	module        string
	level, target int32
	msg           string
}

func load(t *testing.T, r wazero.Runtime, names ...string) (engine.Service, *[]logLine) {
	t.Helper()
	logs := &[]logLine{}
	svc, err := marine.Load(context.Background(), r, modules(t, r, names...), engine.Host{
		Log: func(m string, level, target int32, msg string) { *logs = append(*logs, logLine{m, level, target, msg}) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close(context.Background()) })
	return svc, logs
}

func js(t *testing.T, text string) value.Value {
	t.Helper()
	v, err := value.Parse([]byte(text), value.Limits{})
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	return v
}

// call calls fn with the elements of the JSON array argsJSON and returns the result as JSON text.
func call(t *testing.T, svc engine.Service, fn, argsJSON string) (string, error) {
	t.Helper()
	a := js(t, argsJSON)
	args := make([]value.Value, a.Len())
	for i := range args {
		args[i] = a.Index(i)
	}
	out, err := svc.Call(context.Background(), fn, args, api.CallParams{})
	if err != nil {
		return "", err
	}
	return out.String(), nil
}

func TestGreetingCalls(t *testing.T) {
	svc, logs := load(t, customSectionsRuntime(t), "greeting")
	cases := []struct{ fn, args, want string }{
		{"greeting", `["aquanet"]`, `"Hi, aquanet"`},
		{"greeting", `["ünïcødé ✓"]`, `"Hi, ünïcødé ✓"`},
		{"greeting", `[""]`, `"Hi, "`},
		{"greeting", `[["wrapped"]]`, `"Hi, wrapped"`}, // a one-element array stands for its element
		{"echo_bytes", `[[0, 1, 255, 128]]`, `[0,1,255,128]`},
		{"echo_bytes", `[[]]`, `[]`},
		{"echo_strings", `[["a", "", "ccc"]]`, `["a","","ccc"]`},
		{"echo_strings", `[[]]`, `[]`},
		{"sum_u32s", `[[1, 2, 4294967295]]`, `4294967298`},
		{"neg_s32", `[5]`, `-5`},
		{"neg_s32", `[-2147483647]`, `2147483647`},
		{"neg_s8", `[-100]`, `100`},
		{"inc_u8", `[254]`, `255`},
		{"add_u64", `[9223372036854775806, 1]`, `9223372036854775807`},
		{"add_s64", `[-9223372036854775807, -1]`, `-9223372036854775808`},
		{"half_f64", `[3]`, `1.5`},
		{"half_f64", `[-0.5]`, `-0.25`},
		{"id_f32", `[0.1]`, `0.10000000149011612`}, // an f32 widened to f64, as serde_json prints it
		{"not", `[true]`, `false`},
		{"not", `[false]`, `true`},
		{"swap_u16", `[258]`, `513`},
		{"log", `["hello log"]`, `null`},
	}
	for _, c := range cases {
		got, err := call(t, svc, c.fn, c.args)
		if err != nil {
			t.Errorf("%s%s: %v", c.fn, c.args, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s%s = %s, want %s", c.fn, c.args, got, c.want)
		}
	}
	if len(*logs) != 1 || (*logs)[0] != (logLine{"greeting", 3, 0, "hello log"}) {
		t.Errorf("logs %+v", *logs)
	}
	// Every function with a string, array or record result releases the module's objects once
	// its result is read; scalar results do not.
	before, _ := call(t, svc, "release_count", `[]`)
	_, _ = call(t, svc, "greeting", `["x"]`)
	_, _ = call(t, svc, "neg_s32", `[1]`)
	after, _ := call(t, svc, "release_count", `[]`)
	if b, a := js(t, before), js(t, after); mustU(b)+1 != mustU(a) {
		t.Errorf("release_objects ran %d times for one string result and one scalar", mustU(a)-mustU(b))
	}
}

func mustU(v value.Value) uint64 { u, _ := v.Uint64(); return u }

const recordJSON = `{"flag":true,"small":-5,"count":513,"delta":-100000,"big":9223372036854775813,"ratio":1.5,` +
	`"name":"héllo","data":[0,255,7],"inner":{"id":4000000000,"label":"ok"},"tags":["a",""]}`

// Records: the module's hand-laid record lifts to the expected JSON; the host's lowering puts
// every field where the module reads it; a record goes in and comes back equal.
func TestRecords(t *testing.T) {
	svc, _ := load(t, customSectionsRuntime(t), "greeting")
	got, err := call(t, svc, "make_record", `[]`)
	if err != nil {
		t.Fatal(err)
	}
	if want := js(t, recordJSON).String(); got != want {
		t.Errorf("make_record:\n got %s\nwant %s", got, want)
	}
	// flag 1 + small -5 + count 513 + delta -100000 + big 2^63+5 + ratio 1 + len(name) 6 +
	// name[0] 'h' + len(data) 3 + data[0] 0 + inner.id 4e9 + len(label) 2 + len(tags) 2
	// (big is smaller here: a u64 result of 2^63 or more is no i64, which Marine refuses.)
	in := strings.Replace(recordJSON, "9223372036854775813", "5000000000", 1)
	want := uint64(5000000000) + 1 - 5 + 513 - 100000 + 1 + 6 + 'h' + 3 + 0 + 4000000000 + 2 + 2
	sum, err := call(t, svc, "record_sum", `[`+in+`]`)
	if err != nil {
		t.Fatal(err)
	}
	if js(t, sum).String() != value.Uint(want).String() {
		t.Errorf("record_sum = %s, want %d", sum, want)
	}
	for _, in := range []string{recordJSON,
		// A record given as an array of its fields, by position (it-json-serde allows it).
		`[false,127,0,2147483647,0,-0.5,"",[],[1,"x"],[]]`} {
		got, err := call(t, svc, "echo_record", `[`+in+`]`)
		if err != nil {
			t.Fatalf("echo_record %s: %v", in, err)
		}
		if strings.HasPrefix(in, "[") {
			in = `{"flag":false,"small":127,"count":0,"delta":2147483647,"big":0,"ratio":-0.5,"name":"","data":[],` +
				`"inner":{"id":1,"label":"x"},"tags":[]}`
		}
		if want := js(t, in).String(); got != want {
			t.Errorf("echo_record:\n got %s\nwant %s", got, want)
		}
	}
}

// Arguments are taken by it-json-serde's rules and every misfit is an ArgumentError naming the
// argument; the instance stays usable.
func TestArgumentErrors(t *testing.T) {
	svc, _ := load(t, customSectionsRuntime(t), "greeting")
	cases := []struct {
		fn, args string
		arg      string // "" for a count error
		want     string
	}{
		{"greeting", `[]`, "", "takes 1 arguments, got 0"},
		{"greeting", `["a", "b"]`, "", "takes 1 arguments, got 2"},
		{"greeting", `[5]`, "name", "must be string, got 5"},
		{"greeting", `[["a", "b"]]`, "name", `must be string, got ["a","b"]`},
		{"inc_u8", `[256]`, "x", "must be u8, got 256"},
		{"inc_u8", `[-1]`, "x", "must be u8, got -1"},
		{"neg_s8", `[-129]`, "x", "must be s8, got -129"},
		{"neg_s32", `[1.0]`, "x", "must be s32, got 1.0"},
		{"neg_s32", `[2147483648]`, "x", "must be s32, got 2147483648"},
		{"add_u64", `[1, -1]`, "b", "must be u64, got -1"},
		{"not", `[1]`, "x", "must be bool, got 1"},
		{"half_f64", `["1"]`, "x", `must be f64, got "1"`},
		{"echo_bytes", `[[1, 256]]`, "data", "must be u8 (at [1]), got 256"},
		{"echo_bytes", `["abc"]`, "data", `must be []u8, got "abc"`},
		{"sum_u32s", `[[1, -2]]`, "xs", "must be u32 (at [1]), got -2"},
		{"echo_record", `[{"flag":true}]`, "r", "must be s8 (at .small), got null"},
		{"echo_record", `[` + strings.Replace(recordJSON, `"label":"ok"`, `"label":7`, 1) + `]`, "r", "must be string (at .inner.label), got 7"},
		{"echo_record", `[` + strings.TrimSuffix(recordJSON, "}") + `,"extra":1}]`, "r", "its 10 fields and no others"},
		{"echo_record", `[` + strings.Replace(recordJSON, `"label":"ok"`, `"label":"ok","x":0`, 1) + `]`, "r", "must be Inner (its 2 fields and no others) (at .inner)"},
		{"echo_record", `["rec"]`, "r", `must be Rec, got "rec"`},
	}
	for _, c := range cases {
		_, err := call(t, svc, c.fn, c.args)
		var ae *engine.ArgumentError
		if !errors.As(err, &ae) {
			t.Errorf("%s%s: error %v, want an ArgumentError", c.fn, c.args, err)
			continue
		}
		if ae.Arg != c.arg || ae.Function != c.fn || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s%s: %q (arg %q), want %q (arg %q)", c.fn, c.args, err, ae.Arg, c.want, c.arg)
		}
	}
	if got, err := call(t, svc, "greeting", `["still here"]`); err != nil || got != `"Hi, still here"` {
		t.Errorf("after argument errors: %s, %v", got, err)
	}
	var nf *engine.NoFunctionError
	if _, err := call(t, svc, "allocate", `[1]`); !errors.As(err, &nf) || nf.Function != "allocate" {
		t.Errorf("allocate is not a function of the service: %v", err)
	}
}

// The other JSON shapes it-json-serde accepts for a whole argument list.
func TestArgumentShapes(t *testing.T) {
	svc, _ := load(t, customSectionsRuntime(t), "greeting")
	ctx := context.Background()
	// Call takes the list AIR gives; these shapes come through marine.ArgsFromJSON.
	cases := []struct {
		fn, json, want string
	}{
		{"add_u64", `{"a": 1, "b": 2}`, `3`},
		{"greeting", `"bare"`, `"Hi, bare"`},
		{"release_count", `null`, ``},
		{"add_u64", `{"a": 1}`, `ArgumentError`},
		{"add_u64", `{"a": 1, "b": 2, "c": 3}`, `ArgumentError`},
		{"add_u64", `7`, `ArgumentError`},
		{"greeting", `null`, `ArgumentError`},
	}
	for _, c := range cases {
		out, err := marine.CallJSON(ctx, svc, c.fn, js(t, c.json), api.CallParams{})
		var ae *engine.ArgumentError
		switch {
		case c.want == "ArgumentError":
			if !errors.As(err, &ae) {
				t.Errorf("%s %s: %v, want an ArgumentError", c.fn, c.json, err)
			}
		case err != nil:
			t.Errorf("%s %s: %v", c.fn, c.json, err)
		case c.want != "" && out.String() != c.want:
			t.Errorf("%s %s = %s, want %s", c.fn, c.json, out, c.want)
		}
	}
}

// A trap is an engine.Trap naming the module and function, and the service refuses further
// calls; so is a conversion the adapter cannot make, as in Marine, whose integer conversions
// are Rust's TryFrom: 255 + 1 is no u8, and a u64 of 2^63 or more is no i64.
func TestTraps(t *testing.T) {
	for _, c := range []struct{ fn, args, want string }{
		{"fail", `[]`, "unreachable"},
		{"inc_u8", `[255]`, "(u8.from_i32): i32 256 does not fit in u8"},
		{"add_u64", `[9223372036854775808, 1]`, "(i64.from_u64): u64 9223372036854775808 does not fit in i64"},
		{"add_u64", `[9223372036854775807, 1]`, "(u64.from_i64): i64 -9223372036854775808 does not fit in u64"},
	} {
		svc, _ := load(t, customSectionsRuntime(t), "greeting")
		_, err := call(t, svc, c.fn, c.args)
		var trap *engine.Trap
		if !errors.As(err, &trap) || trap.Module != "greeting" || trap.Function != c.fn || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("%s: %v, want a Trap in greeting.%s mentioning %q", c.fn, err, c.fn, c.want)
		}
		_, err = call(t, svc, "greeting", `["x"]`)
		if !errors.As(err, &trap) {
			t.Errorf("a call after a trap: %v, want a Trap", err)
		}
	}
}

// A call whose context ends stops the guest (the runtime closes modules on context done).
func TestContextDeadline(t *testing.T) {
	r := newRuntime(t, wazero.NewRuntimeConfig().WithCustomSections(true).WithCloseOnContextDone(true))
	svc, _ := load(t, r, "greeting")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := svc.Call(ctx, "spin", nil, api.CallParams{})
	var trap *engine.Trap
	if !errors.As(err, &trap) || trap.Function != "spin" {
		t.Fatalf("spin: %v, want a Trap", err)
	}
}

func TestCallParameters(t *testing.T) {
	svc, _ := load(t, customSectionsRuntime(t), "callparams")
	p := api.CallParams{
		ParticleID: "particle-7", InitPeerID: "init-peer", Timestamp: 1700000000123, TTL: 4000000000,
		Script: "(null)", Signature: []byte{1, 2, 255}, Token: "tok", ServiceID: "svc", ServiceCreatorPeerID: "creator",
		HostID: "host-peer", WorkerID: "worker-peer",
		Tetraplets: [][]api.Tetraplet{
			{{PeerPK: "pk1", ServiceID: "s1", FunctionName: "f1", Lens: ".$.a"}},
			{},
			{{PeerPK: "pk2", ServiceID: "s2", FunctionName: "f2", Lens: ""}, {PeerPK: "pk3", ServiceID: "s3", FunctionName: "f3", Lens: "[0]"}},
		},
	}
	tetraplets := func(lens string) string {
		return `[[{"peer_pk":"pk1","service_id":"s1","function_name":"f1","` + lens + `":".$.a"}],[],` +
			`[{"peer_pk":"pk2","service_id":"s2","function_name":"f2","` + lens + `":""},` +
			`{"peer_pk":"pk3","service_id":"s3","function_name":"f3","` + lens + `":"[0]"}]]`
	}
	particle := `{"id":"particle-7","init_peer_id":"init-peer","timestamp":1700000000123,"ttl":4000000000,` +
		`"script":"(null)","signature":[1,2,255],"token":"tok"}`
	want := map[string]string{
		"params_v0": `{"init_peer_id":"init-peer","service_id":"svc","service_creator_peer_id":"creator",` +
			`"host_id":"host-peer","particle_id":"particle-7","tetraplets":` + tetraplets("json_path") + `}`,
		"params_v1": `{"init_peer_id":"init-peer","service_id":"svc","service_creator_peer_id":"creator",` +
			`"host_id":"host-peer","worker_id":"worker-peer","particle_id":"particle-7","tetraplets":` + tetraplets("json_path") + `}`,
		"params_v2": `{"particle":` + particle + `,"service_id":"svc","service_creator_peer_id":"creator",` +
			`"host_id":"host-peer","worker_id":"worker-peer","tetraplets":` + tetraplets("lambda") + `}`,
		"params_v3": `{"particle":` + particle + `,"service_id":"svc","service_creator_peer_id":"creator",` +
			`"host_id":"host-peer","worker_id":"worker-peer","tetraplets":` + tetraplets("lens") + `}`,
	}
	for fn, w := range want {
		out, err := svc.Call(context.Background(), fn, nil, p)
		if err != nil {
			t.Fatalf("%s: %v", fn, err)
		}
		if out.String() != js(t, w).String() {
			t.Errorf("%s:\n got %s\nwant %s", fn, out, js(t, w))
		}
	}
	// Empty parameters: empty strings and lists, not garbage.
	out, err := svc.Call(context.Background(), "params_v3", nil, api.CallParams{})
	if err != nil {
		t.Fatal(err)
	}
	if w := `{"host_id":"","particle":{"id":"","init_peer_id":"","script":"","signature":[],"timestamp":0,"token":"","ttl":0},` +
		`"service_creator_peer_id":"","service_id":"","tetraplets":[],"worker_id":""}`; out.String() != w {
		t.Errorf("empty params: %s", out)
	}
}

// A mounted binary granted to no module: calling it traps, naming the binary.
func TestMountedBinaryRefused(t *testing.T) {
	svc, _ := load(t, customSectionsRuntime(t), "mounted")
	_, err := svc.Call(context.Background(), "run_curl", nil, api.CallParams{})
	var trap *engine.Trap
	if !errors.As(err, &trap) || trap.Module != "mounted" || !strings.Contains(err.Error(), `mounted binary "curl"`) {
		t.Fatalf("run_curl: %v", err)
	}
	if strings.Contains(err.Error(), "recovered by wazero") {
		t.Errorf("the error carries wazero's wrapping: %v", err)
	}
}

// Two modules: pure (the facade) imports effector's functions; values cross from one memory
// to the other through both modules' adapters.
func TestTwoModules(t *testing.T) {
	svc, _ := load(t, customSectionsRuntime(t), "effector", "pure")
	var names []string
	for _, f := range svc.Interface().Functions {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, ","); got != "relay,relay_boom,relay_bump,relay_sum,seen_at_start,start_order" {
		t.Errorf("the facade's functions: %s", got)
	}
	cases := []struct{ fn, args, want string }{
		// _initialize ran before _start (1 then 2), and _start could call effector, whose own
		// _initialize had run (its base, 1000).
		{"start_order", `[]`, `12`},
		{"seen_at_start", `[]`, `1000`},
		{"relay", `["hey"]`, `"hey!"`},
		{"relay", `[""]`, `"!"`},
		{"relay_sum", `[[1, 2, 3]]`, `1006`},
		{"relay_sum", `[[]]`, `1000`},
		{"relay_bump", `[{"n": 41, "s": "ünï"}]`, `{"n":42,"s":"ünï"}`},
		{"relay_bump", `[{"n": -1, "s": ""}]`, `{"n":0,"s":""}`},
	}
	for _, c := range cases {
		got, err := call(t, svc, c.fn, c.args)
		if err != nil {
			t.Errorf("%s%s: %v", c.fn, c.args, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s%s = %s, want %s", c.fn, c.args, got, c.want)
		}
	}
	// A trap in the dependency is reported as the dependency's.
	_, err := call(t, svc, "relay_boom", `[]`)
	var trap *engine.Trap
	if !errors.As(err, &trap) || trap.Module != "effector" || trap.Function != "boom" {
		t.Fatalf("relay_boom: %v, want a Trap in effector.boom", err)
	}
}

func TestLoadErrors(t *testing.T) {
	ctx := context.Background()
	emptyModule := []byte("\x00asm\x01\x00\x00\x00")
	compile := func(t *testing.T, r wazero.Runtime, wasm []byte) wazero.CompiledModule {
		cm, err := r.CompileModule(ctx, wasm)
		if err != nil {
			t.Fatal(err)
		}
		return cm
	}
	cases := []struct {
		name string
		mods func(t *testing.T, r wazero.Runtime) []engine.Module
		cfg  wazero.RuntimeConfig
		want string
	}{
		{"runtime without custom sections", func(t *testing.T, r wazero.Runtime) []engine.Module {
			return modules(t, r, "greeting")
		}, wazero.NewRuntimeConfig().WithDebugInfoEnabled(false), "WithCustomSections(true)"},
		{"no interface-types section", func(t *testing.T, r wazero.Runtime) []engine.Module {
			wasm := append(append([]byte{}, emptyModule...), ittest.CustomSection("other", []byte{1})...)
			return []engine.Module{{Name: "plain", Compiled: compile(t, r, wasm)}}
		}, nil, "no interface-types section: not a module built by marine"},
		{"dependency missing", func(t *testing.T, r wazero.Runtime) []engine.Module {
			return modules(t, r, "pure")
		}, nil, `"effector" is neither WASI, the host API nor a module loaded before it`},
		{"duplicate names", func(t *testing.T, r wazero.Runtime) []engine.Module {
			return append(modules(t, r, "effector"), modules(t, r, "effector")...)
		}, nil, `two modules are named "effector"`},
		{"no modules", func(t *testing.T, r wazero.Runtime) []engine.Module { return nil }, nil, "at least one module"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := c.cfg
			if cfg == nil {
				cfg = wazero.NewRuntimeConfig().WithCustomSections(true)
			}
			r := newRuntime(t, cfg)
			_, err := marine.Load(ctx, r, c.mods(t, r), engine.Host{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}
