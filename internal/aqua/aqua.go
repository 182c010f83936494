// Package aqua compiles Aqua, the language Fluence's users write, to AIR with Fluence's own
// compiler, @fluencelabs/aqua-api 0.14.6, run by Node.js; imports of @fluencelabs/aqua-lib
// (0.10.2) resolve to the copy installed next to it.
//
// The compiler is installed on first use with npm, from the exact versions and integrity hashes
// of the embedded npm/package-lock.json, into $AQUANET_AQUA_DIR or else
// <user cache dir>/aquanet/aqua-api-0.14.6 (on Linux ~/.cache/aquanet/aqua-api-0.14.6). A lock
// file keeps two processes from installing at once; the install happens in a staging directory
// whose node_modules is moved in whole, so an interrupted install leaves nothing half-done.
//
// [Open] finds or installs the compiler; [Compiler.Compile] compiles one file and returns each
// exported function's AIR and what it takes to call it. Node.js 18 or newer must be on PATH
// (and npm for the install); without it Open says what to install.
//
// Tests get the compiler from aquatest.Require, which skips without Node.js or the compiler,
// unless AQUANET_REQUIRE_ORACLE=1 (CI), in which case it fails, as internal/oracle.Require does.
package aqua

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// The compiler and library versions aquanet installs; npm/package-lock.json pins the same.
const (
	APIVersion = "0.14.6"
	LibVersion = "0.10.2"
)

// Environment variables read by this package.
const (
	// EnvDir names the directory the compiler is installed in (and installed into when it is
	// not there yet), instead of the user cache directory.
	EnvDir = "AQUANET_AQUA_DIR"
	// EnvRequire, set to "1", turns a missing compiler in aquatest.Require from a skip into a
	// failure. It is internal/oracle's variable: CI sets it for every reference tool.
	EnvRequire = "AQUANET_REQUIRE_ORACLE"
)

// MinNodeMajor is the oldest Node.js major version the compiler is run with.
const MinNodeMajor = 18

// ErrNoNode is the error (wrapped) when node or npm is missing or node is too old.
var ErrNoNode = errors.New("the Aqua compiler needs Node.js " + fmt.Sprint(MinNodeMajor) + " or newer")

// Config says where the compiler lives and how long its install and compilations may take.
// The zero value is ready to use.
type Config struct {
	// Dir is the install directory. Default: $AQUANET_AQUA_DIR, else
	// <os.UserCacheDir()>/aquanet/aqua-api-<APIVersion>.
	Dir string
	// Progress receives the one-line notes of a first install (which may take a while); nil
	// discards them. "aquanet" passes its standard error.
	Progress io.Writer
	// InstallTimeout bounds the install, including the wait for another process installing.
	// Default 5 minutes.
	InstallTimeout time.Duration
	// CompileTimeout bounds one compilation. Default 2 minutes.
	CompileTimeout time.Duration
}

func (c Config) withDefaults() (Config, error) {
	if c.Dir == "" {
		c.Dir = os.Getenv(EnvDir)
	}
	if c.Dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return c, fmt.Errorf("no directory to install the Aqua compiler in (%w): set %s", err, EnvDir)
		}
		c.Dir = filepath.Join(base, "aquanet", "aqua-api-"+APIVersion)
	}
	abs, err := filepath.Abs(c.Dir)
	if err != nil {
		return c, fmt.Errorf("the Aqua compiler's directory %q: %w", c.Dir, err)
	}
	c.Dir = abs
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	if c.InstallTimeout <= 0 {
		c.InstallTimeout = 5 * time.Minute
	}
	if c.CompileTimeout <= 0 {
		c.CompileTimeout = 2 * time.Minute
	}
	return c, nil
}

// Compiler is an installed Aqua compiler. It is safe for concurrent use: each compilation is a
// node process of its own.
type Compiler struct {
	cfg  Config
	node string // the node executable
}

// Dir returns the directory the compiler is installed in.
func (c *Compiler) Dir() string { return c.cfg.Dir }

// Open returns the compiler of cfg.Dir, installing it there first if it is not (see the package
// doc). Its errors say what is missing: Node.js (wrapping [ErrNoNode]), or why the install
// failed or timed out.
func Open(ctx context.Context, cfg Config) (*Compiler, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	node, err := findNode(ctx)
	if err != nil {
		return nil, err
	}
	if err := ensureInstalled(ctx, cfg); err != nil {
		return nil, err
	}
	return &Compiler{cfg: cfg, node: node}, nil
}

// shared is the compiler of Shared, opened once.
var shared struct {
	once sync.Once
	c    *Compiler
	err  error
}

// Shared returns the compiler of the default Config, opened (and installed if need be, with
// its progress on standard error) once per process and then shared: what the tests of several
// packages use, through aquatest.Require.
func Shared() (*Compiler, error) {
	shared.once.Do(func() {
		shared.c, shared.err = Open(context.Background(), Config{Progress: os.Stderr})
	})
	return shared.c, shared.err
}
