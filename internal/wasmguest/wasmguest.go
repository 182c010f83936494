// Package wasmguest builds the repository's Go Wasm guests (the examples and test guests of
// aquanet's SDK) for tests, with the stock toolchain:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared
//
// A build takes seconds, so each guest is cached in the user's cache directory,
// os.UserCacheDir()/aquanet/wasm-examples/<hash>/<name>.wasm, where hash covers the guest's
// sources, the SDK's, go.mod, go.sum and the Go version: a change to any of them builds anew,
// and nothing else does. Compiled machine code is cached by wazero in
// os.UserCacheDir()/aquanet/wazero/<hash of go.sum> (CompilationCacheDir). Remove these
// directories to start cold; old entries are never removed.
package wasmguest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// Dirs are the guests' package directories, from the module root, by name.
var Dirs = map[string]string{
	"greeting":   "examples/greeting",
	"kvstore":    "examples/kvstore",
	"textfacade": "examples/textfacade",
	"textlib":    "examples/textlib",
	"guest":      "wasmhost/internal/jsonabi/testdata/guest",
}

// Root is the module's root directory (found from this file's place in it).
var Root = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}()

var (
	mu    sync.Mutex
	built = map[string][]byte{}
)

// Require returns the Wasm of the named guest, building it if it is not cached; the test fails
// if it cannot be built.
func Require(t testing.TB, name string) []byte {
	t.Helper()
	b, err := Build(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Path returns the cached file of the named guest, building it if need be.
func Path(name string) (string, error) {
	if _, err := Build(name); err != nil {
		return "", err
	}
	return cachePath(name)
}

// Build returns the Wasm of the named guest, building it if it is not cached.
func Build(name string) ([]byte, error) {
	mu.Lock()
	defer mu.Unlock()
	if b, ok := built[name]; ok {
		return b, nil
	}
	dir, ok := Dirs[name]
	if !ok {
		return nil, fmt.Errorf("no guest named %q", name)
	}
	out, err := cachePath(name)
	if err != nil {
		return nil, err
	}
	if b, err := os.ReadFile(out); err == nil {
		built[name] = b
		return b, nil
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return nil, err
	}
	tmp := fmt.Sprintf("%s.%d.tmp", out, os.Getpid())
	cmd := exec.Command(goTool(), "build", "-buildmode=c-shared", "-o", tmp, "./"+dir)
	cmd.Dir = Root
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building guest %s: %w\n%s", name, err, msg)
	}
	if err := os.Rename(tmp, out); err != nil { // atomic: a concurrent run reads a whole file
		return nil, err
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	built[name] = b
	return b, nil
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// cachePath is where the named guest's build is cached.
func cachePath(name string) (string, error) {
	cacheRoot, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for the guests: %w", err)
	}
	version, err := exec.Command(goTool(), "env", "GOVERSION").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOVERSION: %w", err)
	}
	hash, err := sourceHash(string(version), Dirs[name], "wasmhost/sdk", "go.mod", "go.sum")
	if err != nil {
		return "", err
	}
	return filepath.Join(cacheRoot, "aquanet", "wasm-examples", hash, name+".wasm"), nil
}

// CompilationCacheDir is the directory tests give wazero's compilation cache. It is keyed by
// go.sum: wazero keys its entries by its own version, which a test binary does not know (it
// says "dev"), so a wazero upgrade must start a new directory.
func CompilationCacheDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	key, err := sourceHash("", "go.sum")
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "aquanet", "wazero", key), nil
}

// sourceHash hashes the Go version and the files under paths (relative to the module root).
func sourceHash(goVersion string, paths ...string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "go %s\n", strings.TrimSpace(goVersion))
	for _, p := range paths {
		err := filepath.WalkDir(filepath.Join(Root, p), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(Root, path)
			fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(rel), len(b))
			h.Write(b)
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("hashing the guests' sources: %w", err)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:24], nil
}
