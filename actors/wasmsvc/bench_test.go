package wasmsvc_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/tetratelabs/wazero"
	wapi "github.com/tetratelabs/wazero/api"

	"github.com/aquanet/aquanet/actors/dispatch"
	"github.com/aquanet/aquanet/actors/internal/actortest"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/actors/wasmsvc"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/internal/wasmguest"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/wasmhost"
	"github.com/aquanet/aquanet/wasmhost/api"
)

// marineGreeting is the Marine test module greeting.wasm (ours, built by its generator):
// greeting(name: string) -> string.
func marineGreeting(b *testing.B) []byte {
	wasm, err := os.ReadFile(filepath.Join("..", "..", "wasmhost", "internal", "marine", "testdata", "greeting.wasm"))
	if err != nil {
		b.Fatal(err)
	}
	return wasm
}

func benchHost(b *testing.B) *wasmhost.Host {
	dir, err := wasmguest.CompilationCacheDir()
	if err != nil {
		b.Fatal(err)
	}
	h, err := wasmhost.New(wasmhost.NewConfig().WithCompilationCacheDir(dir))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { h.Close(context.Background()) })
	return h
}

// caller sends calls to a service actor and waits for each reply, as a particle actor does
// (without the interpreter around it).
type caller struct {
	system  *actor.ActorSystem
	probe   *actor.PID
	mu      sync.Mutex
	waiting map[uint32]chan *service.Reply
	next    uint32
}

func newCaller() *caller {
	c := &caller{system: actortest.System(), waiting: map[uint32]chan *service.Reply{}}
	c.probe = c.system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if r, ok := ctx.Message().(*service.Reply); ok {
			c.mu.Lock()
			ch := c.waiting[r.ID]
			delete(c.waiting, r.ID)
			c.mu.Unlock()
			ch <- r
		}
	}))
	return c
}

func (c *caller) call(b *testing.B, pid *actor.PID, fn string, args ...value.Value) {
	ch := make(chan *service.Reply, 1)
	c.mu.Lock()
	c.next++
	id := c.next
	c.waiting[id] = ch
	c.mu.Unlock()
	c.system.Root.Send(pid, &service.Call{ID: id, Function: fn, Args: args, ReplyTo: c.probe,
		Context: service.CallContext{Service: "bench", Timestamp: uint64(time.Now().UnixMilli()), TTL: 600_000}})
	select {
	case r := <-ch:
		if r.Result.RetCode != 0 {
			b.Errorf("%s: %+v", fn, r.Result)
		}
	case <-time.After(time.Minute):
		b.Fatalf("%s: no reply in a minute", fn)
	}
}

// BenchmarkCallOverhead is the cost of one call of a Marine export, greeting("Ann"), at each
// layer: "direct-wazero" does by hand what any host must (allocate, write the argument, call,
// read the result, release) with no conversion; "instance" is wasmhost's Instance.Call (JSON
// to interface values and back through the module's adapters, the call's time limit);
// "service-actor" sends it to a service actor on protoactor's default dispatcher and waits
// for the reply, as a particle does; "service-actor-warm" the same on the dispatcher a node
// gives its Wasm services (dispatch.Warm: goroutines whose stacks stay grown);
// "service-actor-go" is the round trip to a Go handler that does nothing, the actor messaging
// alone. The host's overhead is service-actor-warm minus direct-wazero.
func BenchmarkCallOverhead(b *testing.B) {
	wasm := marineGreeting(b)
	ctx := context.Background()
	b.Run("direct-wazero", func(b *testing.B) {
		r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCloseOnContextDone(true))
		defer r.Close(ctx)
		if _, err := r.NewHostModuleBuilder("__marine_host_api_v1").NewFunctionBuilder().
			WithFunc(func(context.Context, uint32, uint32, uint32, uint32) {}).Export("log_utf8_string").
			Instantiate(ctx); err != nil {
			b.Fatal(err)
		}
		m, err := r.InstantiateWithConfig(ctx, wasm, wazero.NewModuleConfig().WithStartFunctions())
		if err != nil {
			b.Fatal(err)
		}
		alloc, greet := m.ExportedFunction("allocate"), m.ExportedFunction("greeting")
		resPtr, resSize, release := m.ExportedFunction("get_result_ptr"), m.ExportedFunction("get_result_size"), m.ExportedFunction("release_objects")
		name := []byte("Ann")
		call := func(f wapi.Function, args ...uint64) uint64 {
			res, err := f.Call(ctx, args...)
			if err != nil {
				b.Fatal(err)
			}
			if len(res) > 0 {
				return res[0]
			}
			return 0
		}
		b.ReportAllocs()
		for b.Loop() {
			p := call(alloc, uint64(len(name)), 1)
			m.Memory().Write(uint32(p), name)
			call(greet, p, uint64(len(name)))
			out, _ := m.Memory().Read(uint32(call(resPtr)), uint32(call(resSize)))
			if string(out) != "Hi, Ann" {
				b.Fatalf("greeting = %q", out)
			}
			call(release)
		}
	})
	spec := wasmhost.ServiceSpec{ServiceID: "bench", Modules: []wasmhost.ModuleSource{{Name: "greeting", Wasm: wasm}}}
	b.Run("instance", func(b *testing.B) {
		inst, err := benchHost(b).Instantiate(ctx, spec)
		if err != nil {
			b.Fatal(err)
		}
		defer inst.Close(ctx)
		args := []value.Value{value.String("Ann")}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := inst.Call(ctx, "greeting", args, api.CallParams{ServiceID: "bench"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("service-actor", func(b *testing.B) {
		c := newCaller()
		svc := wasmsvc.NewService(benchHost(b), spec, "host", "creator")
		pid := c.system.Root.Spawn(service.Props(service.Env{Clock: clock.Real{}}, svc.NewHandler))
		defer c.system.Root.Stop(pid)
		c.call(b, pid, "greeting", value.String("Ann")) // the instance is made on the first call
		b.ReportAllocs()
		for b.Loop() {
			c.call(b, pid, "greeting", value.String("Ann"))
		}
	})
	b.Run("service-actor-warm", func(b *testing.B) {
		c := newCaller()
		warm := dispatch.NewWarm(4, 300)
		defer warm.Close()
		svc := wasmsvc.NewService(benchHost(b), spec, "host", "creator")
		pid := c.system.Root.Spawn(service.Props(service.Env{Clock: clock.Real{}}, svc.NewHandler, actor.WithDispatcher(warm)))
		defer c.system.Root.Stop(pid)
		c.call(b, pid, "greeting", value.String("Ann"))
		b.ReportAllocs()
		for b.Loop() {
			c.call(b, pid, "greeting", value.String("Ann"))
		}
	})
	b.Run("service-actor-go", func(b *testing.B) {
		c := newCaller()
		pid := c.system.Root.Spawn(service.Props(service.Env{Clock: clock.Real{}}, func() service.Handler {
			return service.HandlerFunc(func(service.CallContext, string, []value.Value) (value.Value, error) {
				return value.String("Hi, Ann"), nil
			})
		}))
		defer c.system.Root.Stop(pid)
		b.ReportAllocs()
		for b.Loop() {
			c.call(b, pid, "greeting", value.String("Ann"))
		}
	})
}

// BenchmarkStatelessPool is calls/s of one stateless service (the SDK example greeting,
// count_words over 64 KiB of text) under 8 concurrent callers: one instance serving them in
// turn, against a pool of as many instances as the machine has cores.
func BenchmarkStatelessPool(b *testing.B) {
	spec := wasmhost.ServiceSpec{ServiceID: "bench", Modules: []wasmhost.ModuleSource{{Name: "greeting", Wasm: wasmguest.Require(b, "greeting")}}}
	text := value.String(strings.Repeat("the quick brown fox jumps over the lazy dog\n", 64<<10/44))
	for _, tc := range []struct {
		name string
		size int
	}{{"one-instance", 1}, {"pool", max(2, runtime.GOMAXPROCS(0))}} {
		b.Run(tc.name, func(b *testing.B) {
			c := newCaller()
			svc := wasmsvc.NewService(benchHost(b), spec, "host", "creator")
			pid := c.system.Root.Spawn(service.PoolProps(service.Env{Clock: clock.Real{}}, tc.size, svc.NewHandler))
			defer c.system.Root.Stop(pid)
			var warm sync.WaitGroup // every instance the pool will use, made before the clock runs
			for range tc.size {
				warm.Go(func() { c.call(b, pid, "count_words", text) })
			}
			warm.Wait()
			b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0)))
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c.call(b, pid, "count_words", text)
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "calls/s")
		})
	}
}
