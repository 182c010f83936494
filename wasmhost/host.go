package wasmhost

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/sys"

	"github.com/aquanet/aquanet/internal/rng"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/wasmhost/api"
	"github.com/aquanet/aquanet/wasmhost/internal/engine"
	"github.com/aquanet/aquanet/wasmhost/internal/it"
	"github.com/aquanet/aquanet/wasmhost/internal/jsonabi"
	"github.com/aquanet/aquanet/wasmhost/internal/marine"
)

// Errors of a call, which a service actor turns into AIR call errors. An ArgumentError,
// NoFunctionError or ServiceError leaves the instance as it was; after a Trap (which includes a
// call stopped at its time limit and a guest out of memory) the instance is broken and must be
// replaced.
type (
	ArgumentError   = engine.ArgumentError
	NoFunctionError = engine.NoFunctionError
	ServiceError    = engine.ServiceError
	Trap            = engine.Trap
)

// Host compiles and runs modules. It is safe for concurrent use; the Instances it makes are
// not (a caller serialises the calls of one instance).
type Host struct {
	cfg   Config
	cache wazero.CompilationCache
	// compiling serialises CompileModule: two runtimes sharing the compilation cache that
	// compile the same module at once race in wazero 1.12. A module read from the file cache
	// is shared in memory before its entry preambles are made, and the other runtime,
	// finding it there, can instantiate it in between: NewFunction then panics with an index
	// out of range (TestConcurrentInstancesShareTheCompilationCache). Reading a module from
	// the cache takes milliseconds; a first compilation is once per module.
	compiling sync.Mutex
}

// New returns a Host configured by cfg.
func New(cfg Config) (*Host, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	h := &Host{cfg: cfg}
	if cfg.cacheDir != "" {
		c, err := wazero.NewCompilationCacheWithDir(cfg.cacheDir)
		if err != nil {
			return nil, fmt.Errorf("wasmhost: compilation cache in %s: %w", cfg.cacheDir, err)
		}
		h.cache = c
	} else {
		h.cache = wazero.NewCompilationCache()
	}
	return h, nil
}

// Close releases the compilation cache. Instances must be closed before.
func (h *Host) Close(ctx context.Context) error { return h.cache.Close(ctx) }

// Inspect is the package's Inspect with the host's size limit.
func (h *Host) Inspect(wasm []byte) (*ModuleInfo, error) { return Inspect(wasm, h.cfg.maxModuleSize) }

// ModuleSource is one module of a service: its name (how other modules import from it, and
// what effectors are granted to) and its bytes.
type ModuleSource struct {
	Name string
	Wasm []byte
}

// ServiceSpec is a service instance to make.
type ServiceSpec struct {
	// ServiceID is the service's id, given to the guests as the WASI env service_id (as Marine
	// does) and mixed into their randomness seed.
	ServiceID string
	// Modules in link order: each may import from those before it; the last is the facade,
	// whose exports are the service's functions. All of one Kind.
	Modules []ModuleSource
	// StorageDir, if set, is a host directory the guests see as /storage, kept between
	// instances; TmpDir one they see as /tmp, which the caller empties when it likes.
	StorageDir, TmpDir string
	// Incarnation numbers the instances made of one service (a pool's, and those replacing a
	// broken one), mixed into the guests' randomness so that no two instances of a service
	// draw the same random bytes.
	Incarnation uint64
}

// DeniedError is a module that imports a host capability (a Marine mounted binary, by name)
// which the node's config does not grant to that module (Config.WithMountedBinaries). It comes
// from Check and Instantiate, so a service needing it is never made.
type DeniedError struct {
	Module, Capability string
}

func (e *DeniedError) Error() string {
	return fmt.Sprintf("module %s imports the mounted binary %q, which this node does not grant it; "+
		"the node's owner may grant it in the node's config: [wasm_mounted_binaries.%s] %s = \"/absolute/path/of/the/program\"",
		e.Module, e.Capability, tomlKey(e.Module), tomlKey(e.Capability))
}

// tomlKey is name as a key of a TOML table: bare if it may be, else quoted.
func tomlKey(name string) string {
	bare := name != "" && !strings.ContainsFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	})
	if bare {
		return name
	}
	return strconv.Quote(name)
}

// LinkError is a service whose modules do not fit together.
type LinkError struct {
	What string
}

func (e *LinkError) Error() string { return "service modules do not link: " + e.What }

// loaders are the back ends, by the ABI they run.
var loaders = map[Kind]engine.Loader{
	Marine: marine.Load,
	SDK:    jsonabi.Load,
}

// Check checks that spec's modules link, without compiling them: every import namespace that
// is not the host's is a module before it, all modules are of one ABI, every mounted binary a
// module imports is granted to it by name (else a *DeniedError).
func (h *Host) Check(spec ServiceSpec) error {
	_, err := h.check(spec)
	return err
}

func (h *Host) check(spec ServiceSpec) ([]*ModuleInfo, error) {
	if len(spec.Modules) == 0 {
		return nil, &LinkError{"no modules"}
	}
	infos := make([]*ModuleInfo, len(spec.Modules))
	for i, m := range spec.Modules {
		if m.Name == "" {
			return nil, &LinkError{fmt.Sprintf("module %d has no name", i)}
		}
		if slices.ContainsFunc(spec.Modules[:i], func(o ModuleSource) bool { return o.Name == m.Name }) {
			return nil, &LinkError{fmt.Sprintf("two modules are named %q", m.Name)}
		}
		info, err := h.Inspect(m.Wasm)
		if err != nil {
			return nil, fmt.Errorf("module %s: %w", m.Name, err)
		}
		if i > 0 && info.Kind != infos[0].Kind {
			return nil, &LinkError{fmt.Sprintf("module %s is a %s module, %s a %s one: a service's modules share one ABI", m.Name, info.Kind, spec.Modules[0].Name, infos[0].Kind)}
		}
		for _, l := range info.Links {
			if !slices.ContainsFunc(spec.Modules[:i], func(o ModuleSource) bool { return o.Name == l }) {
				return nil, &LinkError{fmt.Sprintf("module %s imports from %q, which is not a module loaded before it", m.Name, l)}
			}
		}
		for _, e := range info.Effects {
			if _, ok := h.cfg.mounts[m.Name][e]; !ok {
				return nil, &DeniedError{Module: m.Name, Capability: e}
			}
		}
		infos[i] = info
	}
	return infos, nil
}

// Instantiate checks spec as Check does and makes an instance of the service in a runtime of
// its own.
func (h *Host) Instantiate(ctx context.Context, spec ServiceSpec) (*Instance, error) {
	infos, err := h.check(spec)
	if err != nil {
		return nil, err
	}
	load := loaders[infos[0].Kind]
	if load == nil {
		return nil, &LinkError{fmt.Sprintf("no back end runs %s modules", infos[0].Kind)}
	}
	rc := wazero.NewRuntimeConfig().
		WithCompilationCache(h.cache).
		WithCustomSections(true).
		WithCloseOnContextDone(true).
		WithMemoryLimitPages(h.cfg.memoryLimitPages)
	r := wazero.NewRuntimeWithConfig(ctx, rc)
	mods := make([]engine.Module, len(spec.Modules))
	stderr := &head{}
	for i, m := range spec.Modules {
		h.compiling.Lock()
		cm, err := r.CompileModule(ctx, m.Wasm)
		h.compiling.Unlock()
		if err != nil {
			r.Close(ctx)
			return nil, &UploadError{fmt.Sprintf("module %s does not compile: %v", m.Name, err)}
		}
		mods[i] = engine.Module{Name: m.Name, Compiled: cm, Config: h.moduleConfig(spec, m.Name).WithStderr(stderr)}
	}
	// A module's initialisation (_initialize, _start, a Go guest's init functions) runs
	// under the same time limit as a call.
	lctx, cancel := h.bound(ctx)
	defer cancel()
	svc, err := load(lctx, r, mods, engine.Host{Log: h.log, MountedBinaries: h.cfg.mounts})
	if err != nil {
		r.Close(ctx)
		if stopped := context.Cause(lctx); stopped != nil {
			return nil, &Trap{Function: "_initialize", Err: stopped}
		}
		return nil, err
	}
	return &Instance{h: h, r: r, svc: svc, kind: infos[0].Kind, stderr: stderr}, nil
}

// moduleConfig is a module's WASI: the node's clock, randomness derived from the node's seed
// and the service, the service's dirs, the env Marine gives (service_id).
func (h *Host) moduleConfig(spec ServiceSpec, module string) wazero.ModuleConfig {
	clk := h.cfg.clock
	fs := wazero.NewFSConfig()
	if spec.StorageDir != "" {
		fs = fs.WithDirMount(spec.StorageDir, "/storage")
	}
	if spec.TmpDir != "" {
		fs = fs.WithDirMount(spec.TmpDir, "/tmp")
	}
	seed := rng.Derive(h.cfg.seed, fmt.Sprintf("wasm/%s/%s/%d", spec.ServiceID, module, spec.Incarnation))
	return wazero.NewModuleConfig().
		WithFSConfig(fs).
		WithEnv("service_id", spec.ServiceID).
		WithRandSource(rng.Reader(rng.New(seed))).
		WithWalltime(func() (int64, int32) {
			t := clk.Now()
			return t.Unix(), int32(t.Nanosecond())
		}, sys.ClockResolution(time.Millisecond)).
		WithNanotime(func() int64 { return clk.Now().UnixNano() }, sys.ClockResolution(time.Millisecond))
}

func (h *Host) log(module string, level, target int32, msg string) {
	if h.cfg.log != nil {
		h.cfg.log(module, level, msg)
	}
}

// Instance is a running service: its modules linked in a runtime of their own. Its methods are
// not safe for concurrent use.
type Instance struct {
	h      *Host
	r      wazero.Runtime
	svc    engine.Service
	kind   Kind
	broken error
	stderr *head // the start of what the guests wrote to stderr in the last call
}

// Interface is the service's interface: its facade's functions and records.
func (i *Instance) Interface() api.Interface { return i.svc.Interface() }

// Kind is the ABI of the service's modules.
func (i *Instance) Kind() Kind { return i.kind }

// Broken returns the trap that broke the instance, or nil. A broken instance refuses calls;
// replace it with a new one.
func (i *Instance) Broken() error { return i.broken }

// Call runs fn with args (JSON values, converted by the function's signature). It stops the
// guest when ctx ends or the host's call time limit passes, whichever is first.
func (i *Instance) Call(ctx context.Context, fn string, args []value.Value, params api.CallParams) (value.Value, error) {
	if i.broken != nil {
		return value.Value{}, fmt.Errorf("the service instance is broken since an earlier call: %w", i.broken)
	}
	i.stderr.reset()
	ctx, cancel := i.h.bound(ctx)
	defer cancel()
	v, err := i.svc.Call(ctx, fn, args, params)
	var trap *Trap
	if errors.As(err, &trap) {
		if cause := context.Cause(ctx); cause != nil {
			trap.Err = cause
		} else {
			trap.Err = &guestFault{err: trap.Err, said: i.stderr.reason()}
		}
		i.broken = trap
	}
	return v, err
}

// bound returns the context a call into the guests runs under: ctx, ended at the host's call
// time limit if it passes first. wazero stops a guest whose context ends (the runtime checks
// for it, WithCloseOnContextDone) by closing the module it runs in, safely, on the call's own
// goroutine; a module called from it gets the same context, so it stops too.
func (h *Host) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if d := h.cfg.callTimeout; d > 0 {
		return context.WithTimeoutCause(ctx, d, &timeLimitError{d})
	}
	return ctx, func() {}
}

// guestFault is a trap in the guest's own code: wazero's error without its stack trace (a call
// error travels in AIR, on one line), and the last line the guest wrote to stderr before it,
// which says why (a Go guest's "fatal error: out of memory", a Rust panic's message).
type guestFault struct {
	err  error
	said string
}

func (g *guestFault) Error() string {
	first, _, _ := strings.Cut(g.err.Error(), "\n")
	if g.said == "" {
		return first
	}
	return fmt.Sprintf("%s (the guest wrote: %s)", first, g.said)
}

func (g *guestFault) Unwrap() error { return g.err }

// head keeps the first headSize bytes written to it since its reset: a guest's stderr during a
// call, which nothing else reads. The reason for a fault comes first (a Go guest's goroutine
// dump follows its "fatal error" line and can be long).
type head struct {
	buf []byte
}

const headSize = 4096

func (t *head) Write(p []byte) (int, error) {
	if room := headSize - len(t.buf); room > 0 {
		t.buf = append(t.buf, p[:min(len(p), room)]...)
	}
	return len(p), nil
}

func (t *head) reset() { t.buf = t.buf[:0] }

// reason is the line that says why a guest failed: Go's runtime writes "panic: ..." or
// "fatal error: ..." and then goroutine dumps, Rust "panicked at ...". Without one, the first
// line written.
func (t *head) reason() string {
	for _, line := range strings.Split(string(t.buf), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "fatal error:") || strings.HasPrefix(line, "panic:") || strings.HasPrefix(line, "runtime:") || strings.Contains(line, "panicked at") {
			return line
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(string(t.buf)), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return ""
}

// timeLimitError is a call stopped at the host's time limit.
type timeLimitError struct{ d time.Duration }

func (e *timeLimitError) Error() string {
	return fmt.Sprintf("the call ran past its time limit of %v and was stopped", e.d)
}

// Close stops the instance and frees its memory.
func (i *Instance) Close(ctx context.Context) error {
	err := i.svc.Close(ctx)
	if cerr := i.r.Close(ctx); err == nil {
		err = cerr
	}
	return err
}

// ModuleInterface returns the interface of one module: the functions it exports and the
// records they use. A Marine module's is read from its interface-types section; a module of
// aquanet's SDK says it when it runs, so it runs alone for it (its initialisation included),
// with no dirs, under name (what errors call it).
func (h *Host) ModuleInterface(ctx context.Context, name string, wasm []byte) (api.Interface, error) {
	info, err := h.Inspect(wasm)
	if err != nil {
		return api.Interface{}, err
	}
	if info.Kind == Marine {
		section, _ := info.summary.CustomSection("interface-types")
		s, err := it.Decode(section)
		if err != nil {
			return api.Interface{}, &UploadError{err.Error()}
		}
		return s.Interface()
	}
	inst, err := h.Instantiate(ctx, ServiceSpec{ServiceID: "interface", Modules: []ModuleSource{{Name: name, Wasm: wasm}}})
	if err != nil {
		return api.Interface{}, err
	}
	defer inst.Close(ctx)
	return inst.Interface(), nil
}

// MaxModuleSize is the largest module the host accepts, in bytes.
func (h *Host) MaxModuleSize() int { return h.cfg.maxModuleSize }
