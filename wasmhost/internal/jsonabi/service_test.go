package jsonabi

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/wasmhost/api"
	"github.com/aquanet/aquanet/wasmhost/internal/engine"
)

// parse reads JSON texts as values.
func parse(t testing.TB, texts ...string) []value.Value {
	t.Helper()
	out := make([]value.Value, len(texts))
	for i, s := range texts {
		v, err := value.Parse([]byte(s), value.Limits{})
		if err != nil {
			t.Fatalf("test JSON %s: %v", s, err)
		}
		out[i] = v
	}
	return out
}

// call calls fn with args given as JSON texts.
func call(t testing.TB, svc engine.Service, fn string, args ...string) (value.Value, error) {
	t.Helper()
	return svc.Call(context.Background(), fn, parse(t, args...), api.CallParams{})
}

// mustCall calls fn and wants its result to be the JSON want.
func mustCall(t testing.TB, svc engine.Service, want, fn string, args ...string) {
	t.Helper()
	got, err := call(t, svc, fn, args...)
	if err != nil {
		t.Fatalf("%s: %v", fn, err)
	}
	if !value.Equal(got, parse(t, want)[0]) {
		t.Fatalf("%s = %s, want %s", fn, got, want)
	}
}

func TestInterface(t *testing.T) {
	svc := load(t, engine.Host{}, module{name: "greeting", guest: "greeting"})
	var got []string
	for _, f := range svc.Interface().Functions {
		got = append(got, f.Signature())
	}
	want := []string{ // sorted by name
		"count_words(text: string) -> u32",
		"greet(name: string) -> string",
		"pick(object: json, keys: []string) -> json",
	}
	if len(got) != len(want) {
		t.Fatalf("functions %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("function %d is %q, want %q", i, got[i], want[i])
		}
	}
	if f, _ := svc.Interface().Function("pick"); f.Args[1].Type.Kind != api.Array || f.Args[1].Type.Elem.Kind != api.String {
		t.Errorf("pick's keys are %+v, want an array of strings", f.Args[1].Type)
	}
	if !svc.Interface().Stateless {
		t.Error("greeting calls sdk.Stateless, its interface says it is not stateless")
	}
}

func TestInterfaceRecords(t *testing.T) {
	svc := load(t, engine.Host{},
		module{name: "textlib", guest: "textlib"}, module{name: "textfacade", guest: "textfacade"})
	r, ok := svc.Interface().Record("TextStats")
	if !ok || len(r.Fields) != 3 || r.Fields[0].Name != "words" || r.Fields[0].Type.Kind != api.U32 {
		t.Fatalf("record TextStats is %+v, %v; want {words: u32, lines: u32, chars: u32}", r, ok)
	}
	f, ok := svc.Interface().Function("summary")
	if !ok || f.Signature() != "summary(stats: TextStats) -> string" {
		t.Fatalf("summary is %q, want summary(stats: TextStats) -> string", f.Signature())
	}
	if svc.Interface().Stateless {
		t.Error("textfacade does not call sdk.Stateless, its interface says it is stateless")
	}
	if _, ok := svc.Interface().Function("capitalize"); ok {
		t.Error("the library's function capitalize is in the service's interface; only the facade's belong there")
	}
}

func TestCalls(t *testing.T) {
	svc := load(t, engine.Host{}, module{name: "greeting", guest: "greeting"})
	mustCall(t, svc, `"Hi, Ann!"`, "greet", `"Ann"`)
	mustCall(t, svc, `"Hi, Ünïcødé \"q\" <&>!"`, "greet", `"Ünïcødé \"q\" <&>"`)
	mustCall(t, svc, `3`, "count_words", `"  three  small\twords\n"`)
	mustCall(t, svc, `{"a":[1,{"b":null}],"c":1.5}`, "pick", `{"a":[1,{"b":null}],"c":1.5,"d":"x"}`, `["c","a","zz"]`)
}

func TestServiceError(t *testing.T) {
	svc := load(t, engine.Host{}, module{name: "greeting", guest: "greeting"})
	_, err := call(t, svc, "greet", `"  "`)
	se, ok := errors.AsType[*engine.ServiceError](err)
	if !ok || se.Message != "greet: the name is empty" || se.Function != "greet" {
		t.Fatalf("greet(\"  \") = %v (%T), want ServiceError \"greet: the name is empty\"", err, err)
	}
	mustCall(t, svc, `"Hi, Bob!"`, "greet", `"Bob"`) // unharmed
}

func TestNoFunction(t *testing.T) {
	svc := load(t, engine.Host{}, module{name: "greeting", guest: "greeting"})
	_, err := call(t, svc, "nope")
	if nf, ok := errors.AsType[*engine.NoFunctionError](err); !ok || nf.Function != "nope" {
		t.Fatalf("nope() = %v (%T), want NoFunctionError", err, err)
	}
}

func TestCancelledContext(t *testing.T) {
	svc := load(t, engine.Host{}, module{name: "greeting", guest: "greeting"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := svc.Call(ctx, "greet", parse(t, `"Ann"`), api.CallParams{})
	if _, ok := errors.AsType[*engine.Trap](err); !ok || !errors.Is(err, context.Canceled) && !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("a call with a cancelled context = %v (%T), want a Trap for the cancellation", err, err)
	}
}

// BenchmarkCall is one call of greeting's greet: arguments and parameters written into the
// guest, its JSON work, the envelope read back.
func BenchmarkCall(b *testing.B) {
	svc := load(b, engine.Host{}, module{name: "greeting", guest: "greeting"})
	args := parse(b, `"Ann"`)
	params := api.CallParams{ParticleID: "p", InitPeerID: "peer", Tetraplets: [][]api.Tetraplet{{{PeerPK: "pk"}}}}
	for b.Loop() {
		if _, err := svc.Call(context.Background(), "greet", args, params); err != nil {
			b.Fatal(err)
		}
	}
}
