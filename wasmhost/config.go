package wasmhost

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"time"

	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/wasmhost/internal/marine"
)

// Defaults of Config.
const (
	// DefaultMaxModuleSize bounds an uploaded module. AquaVM's avm.wasm, one of the largest
	// Marine modules, is 6 MB; a Go guest of our SDK is 2–4 MB.
	DefaultMaxModuleSize = 32 << 20
	// DefaultMemoryLimitPages bounds each module's linear memory: 4,096 pages of 64 KiB are
	// 256 MiB. nox allows a service 4 GiB by default; a node serving strangers should not.
	DefaultMemoryLimitPages = 4096
	// DefaultCallTimeout bounds one call (besides the particle's deadline, whichever is first).
	DefaultCallTimeout = 10 * time.Second
)

// Config is how a Host runs modules. The zero value is not ready: start from NewConfig and
// change it with the With… methods, each of which returns a changed copy.
type Config struct {
	clock            clock.Clock
	seed             uint64
	maxModuleSize    int
	memoryLimitPages uint32
	callTimeout      time.Duration
	cacheDir         string
	mounts           map[string]map[string]string // module name -> binary name -> host path
	log              func(module string, level int32, msg string)
}

// NewConfig returns the defaults: the real clock, seed 0, the Default… limits, an in-memory
// compilation cache, no mounted binaries granted, logs dropped.
func NewConfig() Config {
	return Config{
		clock:            clock.Real{},
		maxModuleSize:    DefaultMaxModuleSize,
		memoryLimitPages: DefaultMemoryLimitPages,
		callTimeout:      DefaultCallTimeout,
	}
}

// WithClock sets the clock a guest reads through WASI (clock_time_get): the node's, so that a
// service in the simulator sees virtual time.
func (c Config) WithClock(clk clock.Clock) Config { c.clock = clk; return c }

// WithSeed sets the seed a guest's randomness (WASI random_get) derives from, per service, so
// that a simulated run replays.
func (c Config) WithSeed(seed uint64) Config { c.seed = seed; return c }

// WithMaxModuleSize bounds the bytes of a module AddModule accepts.
func (c Config) WithMaxModuleSize(n int) Config { c.maxModuleSize = n; return c }

// WithMemoryLimitPages bounds every module's linear memory, in 64 KiB pages (at most 65,536).
// A guest growing past it gets a failed memory.grow, which guests turn into a trap.
func (c Config) WithMemoryLimitPages(pages uint32) Config { c.memoryLimitPages = pages; return c }

// WithCallTimeout bounds one call; the guest is stopped when it passes (or when the caller's
// context ends, whichever is first). 0 leaves only the caller's context.
func (c Config) WithCallTimeout(d time.Duration) Config { c.callTimeout = d; return c }

// WithCompilationCacheDir keeps compiled modules in dir, so that a node restarting compiles
// nothing it compiled before. "" keeps them in memory only.
func (c Config) WithCompilationCacheDir(dir string) Config { c.cacheDir = dir; return c }

// WithMountedBinaries grants host programs to modules by name, as Marine's per-module
// mounted_binaries: for each module name, binary name -> absolute path of the program on the
// host. A Marine module imports a mounted binary from its host API namespace under the binary's
// name; the grant is the allow-list, exactly: an import of a name not granted to that module is
// refused when a service is made of it (a *DeniedError from Check and Instantiate), and a grant
// to another module name grants nothing. WASI's preopened dirs (the service's /storage and
// /tmp) need no grant. New refuses a path that is not absolute; that the program is there is
// the caller's to check (a run of a path with nothing behind it gives the guest Marine's
// ret_code 100001 and the reason).
//
// A granted program runs as the node's own user, with the node's privileges, whenever a call
// of the service asks: with the arguments the guest gives (no shell), an empty environment and
// empty stdin, until the call ends (its deadline or the call time limit), its stdout and
// stderr each cut at MaxBinaryOutput bytes, where it is stopped and its result says so. Grant
// only programs that are safe with any arguments a stranger could pass. A mounted binary is
// outside the guest's determinism: a service using one does not replay in a simulation.
func (c Config) WithMountedBinaries(grants map[string]map[string]string) Config {
	c.mounts = make(map[string]map[string]string, len(grants))
	for module, bins := range grants {
		c.mounts[module] = maps.Clone(bins)
	}
	return c
}

// MaxBinaryOutput bounds what a mounted binary may write to its stdout, and again to its
// stderr, in one run: 4 MiB. Its output is copied whole into the module's memory.
const MaxBinaryOutput = marine.MaxBinaryOutput

// validate reports a setting New cannot work with.
func (c Config) validate() error {
	for _, module := range slices.Sorted(maps.Keys(c.mounts)) {
		if module == "" {
			return errors.New("wasmhost: a mounted binary is granted to a module with no name")
		}
		for _, name := range slices.Sorted(maps.Keys(c.mounts[module])) {
			path := c.mounts[module][name]
			switch {
			case name == "" || name == "log_utf8_string" || name == "get_call_parameters":
				return fmt.Errorf("wasmhost: module %s is granted a mounted binary named %q, which is not a binary's name (Marine's host API has that name, or none)", module, name)
			case !filepath.IsAbs(path):
				return fmt.Errorf("wasmhost: mounted binary %s of module %s is %q, not an absolute path", name, module, path)
			}
		}
	}
	return nil
}

// WithLog receives the guests' log lines (level 1 error … 5 trace).
func (c Config) WithLog(f func(module string, level int32, msg string)) Config { c.log = f; return c }
