package wasmhost

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/wasmguest"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/wasmhost/api"
	"github.com/aquanet/aquanet/wasmhost/internal/wasmtest"
)

func newHost(t *testing.T, cfg Config) *Host {
	t.Helper()
	dir, err := wasmguest.CompilationCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(cfg.WithCompilationCacheDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	return h
}

func instantiate(t *testing.T, h *Host, spec ServiceSpec) *Instance {
	t.Helper()
	inst, err := h.Instantiate(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inst.Close(context.Background()) })
	return inst
}

func guestSpec(t *testing.T, id string, names ...string) ServiceSpec {
	spec := ServiceSpec{ServiceID: id}
	for _, n := range names {
		spec.Modules = append(spec.Modules, ModuleSource{Name: n, Wasm: wasmguest.Require(t, n)})
	}
	return spec
}

func call(t *testing.T, inst *Instance, fn string, args ...value.Value) (value.Value, error) {
	t.Helper()
	return inst.Call(context.Background(), fn, args, api.CallParams{ServiceID: "svc"})
}

func TestAnSDKServiceAnswersThroughItsInstance(t *testing.T) {
	h := newHost(t, NewConfig())
	inst := instantiate(t, h, guestSpec(t, "greeting", "greeting"))
	if inst.Kind() != SDK {
		t.Errorf("kind %s", inst.Kind())
	}
	if _, ok := inst.Interface().Function("greet"); !ok {
		t.Errorf("interface %+v has no greet", inst.Interface())
	}
	v, err := call(t, inst, "greet", value.String("aquanet"))
	if err != nil || !strings.Contains(v.String(), "aquanet") {
		t.Fatalf("greet: %v, %v", v, err)
	}
	// An argument error leaves the instance as it was.
	if _, err := call(t, inst, "greet", value.Int(1)); !errors.As(err, new(*ArgumentError)) {
		t.Fatalf("greet(1): %v, want an ArgumentError", err)
	}
	if inst.Broken() != nil {
		t.Fatal("an argument error broke the instance")
	}
}

// A guest that never returns, one that eats memory and one that recurses without end each
// fail their call with a Trap saying which, break their instance, and a new instance serves.
func TestRunawayGuestsAreContained(t *testing.T) {
	for _, tc := range []struct {
		fn      string
		args    []value.Value
		timeout time.Duration
		want    string
	}{
		{"spin", nil, 300 * time.Millisecond, "time limit of 300ms"},
		{"grow", []value.Value{value.Int(512)}, time.Minute, "(the guest wrote: runtime: out of memory"},
		// A Go guest's goroutine stack grows in its linear memory: deep recursion ends at the
		// memory limit too.
		{"deep", []value.Value{value.Int(100_000_000)}, time.Minute, "out of memory: cannot allocate"},
	} {
		t.Run(tc.fn, func(t *testing.T) {
			h := newHost(t, NewConfig().WithCallTimeout(tc.timeout).WithMemoryLimitPages(512)) // 32 MiB
			inst := instantiate(t, h, guestSpec(t, "guest", "guest"))
			start := time.Now()
			_, err := call(t, inst, tc.fn, tc.args...)
			var trap *Trap
			if !errors.As(err, &trap) {
				t.Fatalf("%s: %v, want a Trap", tc.fn, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: %v, want it to say %q", tc.fn, err, tc.want)
			}
			t.Logf("%s: %v after %v", tc.fn, err, time.Since(start).Round(time.Millisecond))
			if inst.Broken() == nil {
				t.Fatal("the instance is not broken")
			}
			if _, err := call(t, inst, "fail", value.String("x")); err == nil || !strings.Contains(err.Error(), "broken") {
				t.Fatalf("a call to the broken instance: %v", err)
			}
			fresh := instantiate(t, h, guestSpec(t, "guest", "guest"))
			if _, err := call(t, fresh, "grow", value.Int(1)); err != nil {
				t.Fatalf("a new instance: %v", err)
			}
		})
	}
}

// A guest's clock is the host's and its randomness comes from the host's seed, the service id,
// the module and the instance: the same seed gives the same bytes, another seed others.
func TestGuestsReadTheNodesClockAndSeed(t *testing.T) {
	at := time.UnixMilli(1_700_000_123_456)
	entropy := func(seed uint64, service string, incarnation ...uint64) (int64, string) {
		h := newHost(t, NewConfig().WithClock(clock.NewManual(at)).WithSeed(seed))
		spec := guestSpec(t, service, "guest")
		if len(incarnation) > 0 {
			spec.Incarnation = incarnation[0]
		}
		v, err := call(t, instantiate(t, h, spec), "entropy")
		if err != nil {
			t.Fatal(err)
		}
		now, _ := v.Get("now_ms")
		ms, _ := now.Int64()
		r, _ := v.Get("random")
		s, _ := r.Str()
		return ms, s
	}
	ms, r1 := entropy(7, "a")
	if ms != at.UnixMilli() {
		t.Errorf("the guest's clock says %d, the host's %d", ms, at.UnixMilli())
	}
	if _, r2 := entropy(7, "a"); r2 != r1 {
		t.Errorf("same seed and service, randomness %s then %s", r1, r2)
	}
	if _, r3 := entropy(8, "a"); r3 == r1 {
		t.Errorf("another seed, same randomness %s", r1)
	}
	if _, r4 := entropy(7, "b"); r4 == r1 {
		t.Errorf("another service, same randomness %s", r1)
	}
	if _, r5 := entropy(7, "a", 1); r5 == r1 {
		t.Errorf("another instance of the service (a pool's, or one replacing a broken one), same randomness %s", r1)
	}
}

func TestModulesThatDoNotLinkAreRefusedBeforeCompiling(t *testing.T) {
	it := "\x05\x060.27.0"
	marine := func(imports ...[2]string) []byte {
		return wasmtest.Funcs(imports, marineExports, "interface-types", it)
	}
	effector := marine([2]string{"__marine_host_api_v1", "curl"})
	facade := marine([2]string{"lib", "f"})
	sdkMod := wasmtest.Funcs(nil, sdkExports)
	for _, tc := range []struct {
		name    string
		cfg     Config
		modules []ModuleSource
		want    string
	}{
		{"no modules", NewConfig(), nil, "no modules"},
		{"missing dependency", NewConfig(), []ModuleSource{{"facade", facade}}, `imports from "lib", which is not a module loaded before it`},
		{"dependency after", NewConfig(), []ModuleSource{{"facade", facade}, {"lib", marine()}}, "not a module loaded before it"},
		{"same name", NewConfig(), []ModuleSource{{"lib", marine()}, {"lib", marine()}}, `two modules are named "lib"`},
		{"mixed ABIs", NewConfig(), []ModuleSource{{"lib", sdkMod}, {"facade", facade}}, "share one ABI"},
		{"effector not granted", NewConfig(), []ModuleSource{{"fx", effector}}, `module fx imports the mounted binary "curl", which this node does not grant`},
		{"granted to another module", NewConfig().WithMountedBinaries(map[string]map[string]string{"other": {"curl": "/usr/bin/curl"}}), []ModuleSource{{"fx", effector}}, "does not grant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := newHost(t, tc.cfg).Check(ServiceSpec{ServiceID: "s", Modules: tc.modules})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Check: %v, want an error saying %q", err, tc.want)
			}
		})
	}
	granted := newHost(t, NewConfig().WithMountedBinaries(map[string]map[string]string{"fx": {"curl": "/usr/bin/curl"}}))
	if err := granted.Check(ServiceSpec{ServiceID: "s", Modules: []ModuleSource{{"fx", effector}}}); err != nil {
		t.Fatalf("with the grant: %v", err)
	}
	if err := granted.Check(ServiceSpec{ServiceID: "s", Modules: []ModuleSource{{"lib", marine()}, {"facade", facade}}}); err != nil {
		t.Fatalf("a facade after its dependency: %v", err)
	}
}

// A Marine service of two modules runs through the host: the facade's interface is read from
// its section without running it (it cannot run alone: it imports from the other module).
func TestAMarineServiceOfTwoModules(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("internal", "marine", "testdata", name+".wasm"))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	effector, pure := read("effector"), read("pure")
	h := newHost(t, NewConfig())
	iface, err := h.ModuleInterface(context.Background(), "pure", pure)
	if err != nil {
		t.Fatal(err)
	}
	if len(iface.Functions) == 0 {
		t.Fatal("the facade's interface has no functions")
	}
	inst := instantiate(t, h, ServiceSpec{ServiceID: "records", Modules: []ModuleSource{{"effector", effector}, {"pure", pure}}})
	if inst.Kind() != Marine {
		t.Errorf("kind %s", inst.Kind())
	}
	if got, want := fmt.Sprint(inst.Interface()), fmt.Sprint(iface); got != want {
		t.Errorf("the instance's interface %s, the module's %s", got, want)
	}
	if v, err := call(t, inst, "relay", value.String("hey")); err != nil || v.String() != `"hey!"` {
		t.Fatalf("relay(hey) = %v, %v; want the effector's hey!", v, err)
	}
	if _, err := call(t, inst, "relay_boom"); !errors.As(err, new(*Trap)) || inst.Broken() == nil {
		t.Fatalf("relay_boom: %v, want a Trap that breaks the instance", err)
	}
}

// A module whose initialisation never ends is stopped at the call time limit: Instantiate
// returns a Trap saying so, and holds nothing up.
func TestAnEndlessInitialisationIsStopped(t *testing.T) {
	var exp []byte
	exports := append([]string{"_initialize", "aquanet_release", "aquanet_interface"}, sdkExports...)
	exp = wasmtest.U32(exp, uint32(len(exports)+1))
	for _, e := range exports {
		exp = append(exp, wasmtest.FuncExport(e, 0)...)
	}
	exp = append(exp, append(wasmtest.Name("memory"), 0x02, 0)...) // memory 0
	spin := []byte{0, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b}          // no locals; loop: br 0; end; end
	wasm := wasmtest.Module(
		wasmtest.Section(wasmtest.Type, []byte{1, 0x60, 0, 0}),
		wasmtest.Section(wasmtest.Function, []byte{1, 0}),
		wasmtest.Section(5, []byte{1, 0, 1}), // one memory of one page
		wasmtest.Section(wasmtest.Export, exp),
		wasmtest.Section(wasmtest.Code, append([]byte{1, byte(len(spin))}, spin...)))
	h := newHost(t, NewConfig().WithCallTimeout(200*time.Millisecond))
	start := time.Now()
	_, err := h.Instantiate(context.Background(), ServiceSpec{ServiceID: "spin", Modules: []ModuleSource{{Name: "spin", Wasm: wasm}}})
	var trap *Trap
	if !errors.As(err, &trap) || !strings.Contains(err.Error(), "time limit") {
		t.Fatalf("Instantiate = %v, want a trap at the time limit", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("Instantiate took %v", d)
	}
}

// Many services of one module starting at once (a node restarting with many services, a
// pool) share the compilation cache: every instance is made and answers. wazero 1.12 raced
// here (Host.compiling says how).
func TestConcurrentInstancesShareTheCompilationCache(t *testing.T) {
	h := newHost(t, NewConfig())
	spec := guestSpec(t, "many", "greeting")
	for range 3 {
		insts := make([]*Instance, 16)
		var wg sync.WaitGroup
		for i := range insts {
			wg.Go(func() {
				inst, err := h.Instantiate(context.Background(), spec)
				if err != nil {
					t.Error(err)
					return
				}
				insts[i] = inst
				if _, err := call(t, inst, "greet", value.String("Ann")); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		for _, inst := range insts {
			if inst != nil {
				inst.Close(context.Background())
			}
		}
	}
}
