package jsonabi

import (
	"context"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/aquanet/aquanet/internal/wasmguest"
	"github.com/aquanet/aquanet/wasmhost/internal/engine"
)

// The tests run real guests built from source (internal/wasmguest caches the builds).

// guestBinary returns the Wasm of the named guest.
func guestBinary(t testing.TB, name string) []byte {
	t.Helper()
	return wasmguest.Require(t, name)
}

// compilationCache is wazero's cache of compiled guests, shared by the tests' runtimes.
var compilationCache = sync.OnceValues(func() (wazero.CompilationCache, error) {
	dir, err := wasmguest.CompilationCacheDir()
	if err != nil {
		return nil, err
	}
	return wazero.NewCompilationCacheWithDir(dir)
})

// newRuntime is a runtime for one service, closed when the test ends.
func newRuntime(t testing.TB) wazero.Runtime {
	t.Helper()
	ctx := context.Background()
	cache, err := compilationCache()
	if err != nil {
		t.Fatal(err)
	}
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().
		WithCompilationCache(cache).WithCloseOnContextDone(true))
	t.Cleanup(func() { _ = r.Close(ctx) })
	return r
}

// module is a module of a test service: a guest, linked under a name, with a configuration.
type module struct {
	name, guest string
	config      wazero.ModuleConfig // nil for a default one
}

// load links modules (the last the facade) into a fresh runtime.
func load(t testing.TB, host engine.Host, modules ...module) engine.Service {
	t.Helper()
	ctx := context.Background()
	r := newRuntime(t)
	var ms []engine.Module
	for _, m := range modules {
		compiled, err := r.CompileModule(ctx, guestBinary(t, m.guest))
		if err != nil {
			t.Fatalf("compiling %s: %v", m.guest, err)
		}
		cfg := m.config
		if cfg == nil {
			cfg = wazero.NewModuleConfig()
		}
		ms = append(ms, engine.Module{Name: m.name, Compiled: compiled, Config: cfg})
	}
	svc, err := Load(ctx, r, ms, host)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	t.Cleanup(func() { _ = svc.Close(ctx) })
	return svc
}
