package jsonabi

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/wasmhost/api"
	"github.com/aquanet/aquanet/wasmhost/internal/engine"
)

func TestTwoModules(t *testing.T) {
	svc := load(t, engine.Host{},
		module{name: "textlib", guest: "textlib"}, module{name: "textfacade", guest: "textfacade"})
	mustCall(t, svc, `{"words":4,"lines":2,"chars":19}`, "analyze", `"hello big world\nbye"`)
	mustCall(t, svc, `"Hello Big Wörld Éh"`, "title", `"hello  big wörld éh"`)
	mustCall(t, svc, `""`, "title", `""`)
	mustCall(t, svc, `"4 words on 2 lines, 19 characters"`, "summary", `{"words":4,"lines":2,"chars":19}`)
	_, err := call(t, svc, "summary", `{"words":4,"lines":2,"chars":-19}`)
	if ae, ok := errors.AsType[*engine.ArgumentError](err); !ok || ae.Arg != "stats" || ae.Got != "the number -19 at .chars" {
		t.Fatalf("summary with chars -19 = %v (%T), want an ArgumentError naming stats", err, err)
	}
}

// guestService is the test guest linked twice, as "lib" and as the facade "guest", so that
// it can call itself and another module.
func guestService(t *testing.T, host engine.Host, config wazero.ModuleConfig) engine.Service {
	return load(t, host, module{name: "lib", guest: "guest"}, module{name: "guest", guest: "guest", config: config})
}

func TestNestedCallErrors(t *testing.T) {
	svc := guestService(t, engine.Host{}, nil)
	for _, tc := range []struct{ module, fn, args, want string }{
		{"nowhere", "echo", `[]`, `the service has no module "nowhere"`},
		{"lib", "nothing", `[]`, `module lib has no function "nothing"`},
		{"lib", "fail", `[]`, `module lib: function fail takes 1 arguments, got 0`},
		{"lib", "fail", `[1]`, `module lib: function fail: argument 0 (msg) must be string, got the number 1`},
		{"lib", "fail", `["why not"]`, `why not`},
	} {
		got, err := call(t, svc, "call", `"`+tc.module+`"`, `"`+tc.fn+`"`, tc.args)
		if err != nil {
			t.Fatalf("call(%s, %s, %s): %v", tc.module, tc.fn, tc.args, err)
		}
		want := "lib" // the module as the caller named it
		if tc.module != "lib" {
			want = tc.module
		}
		want += "." + tc.fn + ": " + tc.want
		if msg, _ := got.Get("error"); !value.Equal(msg, value.String(want)) {
			t.Errorf("call(%s, %s, %s) = %s, want the error %q", tc.module, tc.fn, tc.args, got, want)
		}
	}
	// Two deep: guest calls lib.call, which calls lib.fail; lib's handler turns the error into
	// its own result.
	mustCall(t, svc, `{"ok":{"error":"lib.fail: x"}}`, "call", `"lib"`, `"call"`, `["lib","fail",["x"]]`)
}

func TestRecursion(t *testing.T) {
	svc := guestService(t, engine.Host{}, nil)
	mustCall(t, svc, `5`, "recurse", `"guest"`, `5`)
	mustCall(t, svc, `15`, "recurse", `"guest"`, `15`) // a call from the facade is depth 1
	_, err := call(t, svc, "recurse", `"guest"`, `1000`)
	se, ok := errors.AsType[*engine.ServiceError](err)
	if !ok || !strings.Contains(se.Message, "nested calls are limited to a depth of 16") {
		t.Fatalf("recurse 1000 deep = %v (%T), want a ServiceError about the depth", err, err)
	}
	mustCall(t, svc, `3`, "recurse", `"lib"`, `3`) // unharmed; and through the other module
}

func TestCallParams(t *testing.T) {
	svc := guestService(t, engine.Host{}, nil)
	params := api.CallParams{
		ParticleID: "p-1", InitPeerID: "12D3Koo-init", Timestamp: 1_700_000_000_123, TTL: 30_000,
		Script: `(call %init_peer_id% ("s" "f") [])`, Signature: []byte{0, 1, 255}, Token: "tok",
		ServiceID: "svc", ServiceCreatorPeerID: "12D3Koo-creator", HostID: "12D3Koo-host", WorkerID: "12D3Koo-worker",
		Tetraplets: [][]api.Tetraplet{{{PeerPK: "pk", ServiceID: "s", FunctionName: "f", Lens: ".$.a"}}, {}},
	}
	want := parse(t, `{"particle":{"id":"p-1","init_peer_id":"12D3Koo-init","timestamp":1700000000123,"ttl":30000,
		"script":"(call %init_peer_id% (\"s\" \"f\") [])","signature":[0,1,255],"token":"tok"},
		"service_id":"svc","service_creator_peer_id":"12D3Koo-creator","host_id":"12D3Koo-host","worker_id":"12D3Koo-worker",
		"tetraplets":[[{"peer_pk":"pk","service_id":"s","function_name":"f","lens":".$.a"}],[]]}`)[0]
	got, err := svc.Call(context.Background(), "params", nil, params)
	if err != nil || !value.Equal(got, want) {
		t.Fatalf("params() = %s, %v; want %s", got, err, want)
	}
	// A nested call sees the same parameters.
	got, err = svc.Call(context.Background(), "call", parse(t, `"lib"`, `"params"`, `[]`), params)
	if inner, _ := got.Get("ok"); err != nil || !value.Equal(inner, want) {
		t.Fatalf("lib.params() through call = %s, %v; want {\"ok\": %s}", got, err, want)
	}
}

func TestTrap(t *testing.T) {
	var stderr bytes.Buffer
	svc := load(t, engine.Host{}, module{name: "guest", guest: "guest", config: wazero.NewModuleConfig().WithStderr(&stderr)})
	_, err := call(t, svc, "crash", `"boom"`)
	trap, ok := errors.AsType[*engine.Trap](err)
	if !ok || trap.Module != "guest" || trap.Function != "crash" {
		t.Fatalf("crash() = %v (%T), want a Trap of guest in crash", err, err)
	}
	if !strings.Contains(stderr.String(), "panic: crash: boom") {
		t.Errorf("the guest's stderr does not show its panic:\n%s", stderr.String())
	}
	_, err = call(t, svc, "echo", echoArgs...)
	if _, ok := errors.AsType[*engine.Trap](err); !ok {
		t.Fatalf("a call after a trap = %v (%T), want a Trap: the instance is unusable", err, err)
	}
}

func TestNestedTrap(t *testing.T) {
	svc := guestService(t, engine.Host{}, nil)
	_, err := call(t, svc, "call", `"lib"`, `"crash"`, `["deep"]`)
	trap, ok := errors.AsType[*engine.Trap](err)
	if !ok || trap.Module != "lib" || trap.Function != "crash" {
		t.Fatalf("lib.crash() through call = %v (%T), want a Trap of lib in crash", err, err)
	}
}

func TestLog(t *testing.T) {
	type line struct {
		module string
		level  int32
		msg    string
	}
	var lines []line
	host := engine.Host{Log: func(module string, level, _ int32, msg string) { lines = append(lines, line{module, level, msg}) }}
	svc := guestService(t, host, nil)
	mustCall(t, svc, `null`, "log", `2`, `"a warning"`)
	mustCall(t, svc, `{"ok":null}`, "call", `"lib"`, `"log"`, `[5,"a trace from the library"]`)
	long := strings.Repeat("é", MaxLogBytes) // twice the limit in bytes
	mustCall(t, svc, `null`, "log", `3`, `"`+long+`"`)
	if len(lines) != 3 || lines[0] != (line{"guest", 2, "a warning"}) || lines[1] != (line{"lib", 5, "a trace from the library"}) {
		t.Fatalf("logged %q", lines)
	}
	if got := lines[2].msg; len(got) > MaxLogBytes || !strings.HasSuffix(got, "é…") {
		t.Fatalf("a long line is logged as %d bytes ending %q, want it cut at %d bytes, at a rune, marked", len(got), got[len(got)-8:], MaxLogBytes)
	}
}

func TestLoadRejects(t *testing.T) {
	ctx := context.Background()
	r := newRuntime(t)
	empty, err := r.CompileModule(ctx, []byte("\x00asm\x01\x00\x00\x00"))
	if err != nil {
		t.Fatal(err)
	}
	guest, err := r.CompileModule(ctx, guestBinary(t, "guest"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		modules []engine.Module
		want    string
	}{
		{"no modules", nil, "at least one module"},
		{"not SDK", []engine.Module{{Name: "plain", Compiled: empty}}, "does not export aquanet_sdk_v1"},
		{"duplicate", []engine.Module{{Name: "g", Compiled: guest}, {Name: "g", Compiled: guest}}, "module g: the name is taken"},
	} {
		if _, err := Load(ctx, r, tc.modules, engine.Host{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Load = %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	// A plain module may be linked before the facade.
	if _, err := Load(ctx, r, []engine.Module{{Name: "plain", Compiled: empty}, {Name: "g2", Compiled: guest}}, engine.Host{}); err != nil {
		t.Fatalf("Load with a plain library: %v", err)
	}
}
