package aqua_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aquanet/aquanet/internal/aqua"
	"github.com/aquanet/aquanet/internal/aqua/aquatest"
)

// pathWith makes PATH a new directory holding the given executables: each is a shell script,
// or, for the text "=NAME", a link to NAME on the current PATH.
func pathWith(t *testing.T, programs map[string]string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("uses shell scripts as programs")
	}
	dir := t.TempDir()
	for name, text := range programs {
		if real, ok := strings.CutPrefix(text, "="); ok {
			target, err := exec.LookPath(real)
			if err != nil {
				t.Skipf("%s is not on PATH", real)
			}
			if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+text+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir)
}

// Without Node.js, with a Node.js too old, or without npm for the install, Open says what is
// missing and what to install, and installs nothing.
func TestOpenWithoutNode(t *testing.T) {
	for _, tc := range []struct {
		name     string
		programs map[string]string
		want     string
	}{
		{"no node", map[string]string{}, "the Aqua compiler needs Node.js 18 or newer, but node is not on PATH: install Node.js"},
		{"old node", map[string]string{"node": "echo v16.20.2", "npm": "exit 1"}, "/node is v16.20.2: install Node.js"},
		{"no npm", map[string]string{"node": "=node"}, "installing it needs npm, which is not on PATH"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pathWith(t, tc.programs)
			dir := filepath.Join(t.TempDir(), "aqua")
			_, err := aqua.Open(context.Background(), aqua.Config{Dir: dir})
			if !errors.Is(err, aqua.ErrNoNode) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open: %v, want ErrNoNode saying %q", err, tc.want)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s was made: %v", dir, err)
			}
		})
	}
}

// An install that does not finish within InstallTimeout fails saying so, and leaves neither a
// node_modules nor its staging directory behind. (npm here never answers.)
func TestInstallTimeout(t *testing.T) {
	pathWith(t, map[string]string{"node": "=node", "npm": "exec sleep 60", "sleep": "=sleep"})
	dir := filepath.Join(t.TempDir(), "aqua")
	_, err := aqua.Open(context.Background(), aqua.Config{Dir: dir, InstallTimeout: time.Second})
	if err == nil || !strings.Contains(err.Error(), "installing the Aqua compiler into "+dir+" did not finish within 1s") {
		t.Fatalf("Open: %v, want a timeout", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != ".install.lock" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// A directory that holds other versions is someone else's: Open says so and leaves it alone.
func TestInstallLeavesOtherVersionsAlone(t *testing.T) {
	pathWith(t, map[string]string{"node": "=node", "npm": "exit 1"})
	dir := t.TempDir()
	pkg := filepath.Join(dir, "node_modules", "@fluencelabs", "aqua-api")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pkg, "package.json"), []byte(`{"version": "0.14.5"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(aqua.EnvDir, dir)
	_, err := aqua.Open(context.Background(), aqua.Config{})
	want := dir + ` holds @fluencelabs/aqua-api "0.14.5", not 0.14.6; remove ` + filepath.Join(dir, "node_modules")
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Open: %v, want %q", err, want)
	}
	if data, _ := os.ReadFile(filepath.Join(pkg, "package.json")); string(data) != `{"version": "0.14.5"}` {
		t.Errorf("the other version was touched: %q", data)
	}
}

// Two processes (here two Opens) installing into the same new directory at once: one installs,
// the other waits for it, and both then compile. The install is real (npm ci from the registry,
// or npm's cache after the first install on this machine).
func TestConcurrentInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("installs the compiler")
	}
	aquatest.Require(t) // skips (or fails under CI) without Node.js or the registry, as the other tests do
	dir := filepath.Join(t.TempDir(), "aqua")
	var wg sync.WaitGroup
	var mu sync.Mutex
	var progress bytes.Buffer
	compilers := make([]*aqua.Compiler, 2)
	errs := make([]error, 2)
	for i := range compilers {
		wg.Go(func() {
			var own bytes.Buffer
			compilers[i], errs[i] = aqua.Open(context.Background(), aqua.Config{Dir: dir, Progress: &own})
			mu.Lock()
			progress.Write(own.Bytes())
			mu.Unlock()
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
	}
	if n := strings.Count(progress.String(), "aquanet: installing the Aqua compiler"); n != 1 {
		t.Errorf("%d installs, want 1; progress:\n%s", n, progress.String())
	}
	if hidden, _ := filepath.Glob(filepath.Join(dir, ".install-*")); len(hidden) != 0 {
		t.Errorf("staging left behind: %q", hidden)
	}
	res, err := compilers[1].Compile(context.Background(), "testdata/hello.aqua")
	if err != nil || len(res.Functions) != 2 {
		t.Fatalf("compiling with the new install: %v", err)
	}
}
