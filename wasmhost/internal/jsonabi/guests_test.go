package jsonabi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/aquanet/aquanet/wasmhost/internal/engine"
)

// The tests run real guests, built from source with the Go toolchain:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared
//
// A build takes seconds, so each guest is cached in the user's cache directory,
// os.UserCacheDir()/aquanet/wasm-examples/<hash>/<name>.wasm, where hash covers the guest's
// sources, the SDK's, go.mod, go.sum and the Go version: a change to any of them builds anew,
// and nothing else does. Compiled machine code is cached by wazero in
// os.UserCacheDir()/aquanet/wazero/<hash of go.sum>. Remove these directories to start cold;
// old entries are never removed by the tests.

// moduleRoot is the repository root, from this package's directory.
const moduleRoot = "../../.."

// guestDirs are the guests' package directories, from the module root, by the name the
// tests give them.
var guestDirs = map[string]string{
	"greeting":   "examples/greeting",
	"kvstore":    "examples/kvstore",
	"textfacade": "examples/textfacade",
	"textlib":    "examples/textlib",
	"guest":      "wasmhost/internal/jsonabi/testdata/guest",
}

// guests builds (or finds) every guest, once per test binary.
var guests = sync.OnceValues(buildGuests)

// guestBinary returns the Wasm of the named guest.
func guestBinary(t testing.TB, name string) []byte {
	t.Helper()
	binaries, err := guests()
	if err != nil {
		t.Fatal(err)
	}
	return binaries[name]
}

func buildGuests() (map[string][]byte, error) {
	cacheRoot, err := os.UserCacheDir()
	if err != nil {
		return nil, fmt.Errorf("no cache directory for the guests: %w", err)
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("the tests build their guests with the go command: %w", err)
	}
	version, err := exec.Command(goTool, "env", "GOVERSION").Output()
	if err != nil {
		return nil, fmt.Errorf("go env GOVERSION: %w", err)
	}
	binaries := map[string][]byte{}
	for _, name := range slices.Sorted(maps.Keys(guestDirs)) {
		dir := guestDirs[name]
		hash, err := sourceHash(string(version), dir, "wasmhost/sdk", "go.mod", "go.sum")
		if err != nil {
			return nil, err
		}
		out := filepath.Join(cacheRoot, "aquanet", "wasm-examples", hash, name+".wasm")
		if b, err := os.ReadFile(out); err == nil {
			binaries[name] = b
			continue
		}
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return nil, err
		}
		tmp := fmt.Sprintf("%s.%d.tmp", out, os.Getpid())
		cmd := exec.Command(goTool, "build", "-buildmode=c-shared", "-o", tmp, "./"+dir)
		cmd.Dir = moduleRoot
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("building guest %s: %w\n%s", name, err, msg)
		}
		if err := os.Rename(tmp, out); err != nil { // atomic: a concurrent run reads a whole file
			return nil, err
		}
		if binaries[name], err = os.ReadFile(out); err != nil {
			return nil, err
		}
	}
	return binaries, nil
}

// sourceHash hashes the Go version and the files under paths (relative to the module root).
func sourceHash(goVersion string, paths ...string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "go %s\n", strings.TrimSpace(goVersion))
	for _, p := range paths {
		err := filepath.WalkDir(filepath.Join(moduleRoot, p), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(path), len(b))
			h.Write(b)
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("hashing the guests' sources: %w", err)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:24], nil
}

// compilationCache is wazero's cache of compiled guests, shared by the tests' runtimes. Its
// directory is keyed by go.sum: wazero keys its entries by its own version, which a test
// binary does not know (it says "dev"), so a wazero upgrade must start a new directory.
var compilationCache = sync.OnceValues(func() (wazero.CompilationCache, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return nil, err
	}
	key, err := sourceHash("", "go.sum")
	if err != nil {
		return nil, err
	}
	return wazero.NewCompilationCacheWithDir(filepath.Join(dir, "aquanet", "wazero", key))
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
