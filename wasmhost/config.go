package wasmhost

import (
	"time"

	"github.com/aquanet/aquanet/internal/clock"
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
	effectors        map[string][]string // module name -> host capabilities granted
	log              func(module string, level int32, msg string)
}

// NewConfig returns the defaults: the real clock, seed 0, the Default… limits, an in-memory
// compilation cache, no effectors granted, logs dropped.
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

// WithEffectors grants host capabilities beyond WASI to modules by name: for each module name,
// the capabilities (Marine's mounted binaries by name) it may import. A module importing a
// capability not granted to it is refused when a service is made of it.
func (c Config) WithEffectors(grants map[string][]string) Config {
	c.effectors = make(map[string][]string, len(grants))
	for k, v := range grants {
		c.effectors[k] = append([]string(nil), v...)
	}
	return c
}

// WithLog receives the guests' log lines (level 1 error … 5 trace).
func (c Config) WithLog(f func(module string, level int32, msg string)) Config { c.log = f; return c }
