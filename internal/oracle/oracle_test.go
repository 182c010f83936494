package oracle

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	dir := Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	res, err := Parse(ctx, dir, []string{
		"(null)",
		"(seq (null)",
		"(ap 9223372036854775807 x)",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 {
		t.Fatalf("got %d results for 3 scripts", len(res))
	}
	if !res[0].OK || string(res[0].AST) != `{"Null":null}` || res[0].Error != "" {
		t.Errorf("(null): got %+v, want ok with AST {\"Null\":null}", res[0])
	}
	if res[1].OK || !strings.Contains(res[1].Error, "expected") || res[1].AST != nil {
		t.Errorf("(seq (null): got ok=%v ast=%s error=%q, want not ok with an error mentioning \"expected\"",
			res[1].OK, res[1].AST, res[1].Error)
	}
	// The AST must be AquaVM's bytes, not re-encoded by JavaScript (which would round the i64).
	if !res[2].OK || !strings.Contains(string(res[2].AST), "9223372036854775807") {
		t.Errorf("(ap 9223372036854775807 x): got %+v, want the i64 kept exactly", res[2])
	}
}

func TestParseKeepsOrder(t *testing.T) {
	dir := Require(t)
	const n = 300
	scripts := make([]string, n)
	for i := range scripts {
		if i%3 == 0 {
			scripts[i] = fmt.Sprintf("(call %%init_peer_id%% (\"s\" \"f\") [undefined_%d])", i)
		} else {
			scripts[i] = fmt.Sprintf("(ap %d v_%d)", i, i)
		}
	}
	res, err := Parse(context.Background(), dir, scripts)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if want := i%3 != 0; r.OK != want {
			t.Fatalf("script %d %q: ok=%v, want %v", i, scripts[i], r.OK, want)
		}
		if r.OK && !strings.Contains(string(r.AST), fmt.Sprintf(`"v_%d"`, i)) {
			t.Fatalf("script %d: AST %s is not this script's", i, r.AST)
		}
		if !r.OK && !strings.Contains(r.Error, fmt.Sprintf("undefined_%d", i)) {
			t.Fatalf("script %d: error %q is not this script's", i, r.Error)
		}
	}
}

func TestParseReportsWasmFailure(t *testing.T) {
	dir := Require(t)
	// AquaVM traps on these instead of giving a verdict: the result says so, and the scripts after
	// it still get theirs from a fresh AquaVM.
	for name, script := range map[string]string{
		// The wasm stack runs out while AquaVM serializes the AST.
		"deep nesting": strings.Repeat("(seq (null) ", 100000) + "(null)" + strings.Repeat(")", 100000),
		// The lens lexer slices a multi-byte letter in half and panics.
		"non-ASCII lens field": `(seq (call %init_peer_id% ("s" "f") [] x) (ap x.$.я y))`,
	} {
		res, err := Parse(context.Background(), dir, []string{"(null)", script, "(never)", "(seq"})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !res[0].OK || res[1].OK || !res[1].Trap || res[1].Error == "" {
			t.Errorf("%s: got %+v, %+v; want (null) ok, then a trap with its message", name, res[0], res[1])
		}
		if !res[2].OK || string(res[2].AST) != `{"Never":null}` || res[3].OK || res[3].Trap {
			t.Errorf("%s: after the trap got %+v, %+v; want (never) ok and (seq rejected", name, res[2], res[3])
		}
	}
}

func TestParseEmpty(t *testing.T) {
	res, err := Parse(context.Background(), "/nonexistent", nil)
	if err != nil || len(res) != 0 {
		t.Fatalf("Parse of no scripts: %v, %v; want no results and no error", res, err)
	}
}

func TestParseReportsNodeFailure(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not on PATH")
	}
	dir := t.TempDir() // no avm-lib.mjs: the driver cannot start AquaVM
	_, err := Parse(context.Background(), dir, []string{"(null)"})
	if err == nil {
		t.Fatal("Parse with a directory that is not an oracle succeeded")
	}
	if !strings.Contains(err.Error(), "cannot start AquaVM") {
		t.Fatalf("error %q does not carry the driver's stderr", err)
	}
}

func TestDirSaysWhatIsMissing(t *testing.T) {
	t.Setenv(EnvDir, "")
	if _, err := Dir(); err == nil || !strings.Contains(err.Error(), EnvDir+" is not set") {
		t.Errorf("unset: got %v", err)
	}

	empty := t.TempDir()
	t.Setenv(EnvDir, empty)
	if _, err := Dir(); err == nil || !strings.Contains(err.Error(), "node_modules") {
		t.Errorf("no node_modules: got %v", err)
	}

	t.Setenv(EnvDir, filepath.Join(empty, "missing"))
	if _, err := Dir(); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing directory: got %v", err)
	}

	fake := t.TempDir()
	if err := os.Mkdir(filepath.Join(fake, "node_modules"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fake, "avm-lib.mjs"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvDir, fake)
	t.Setenv("PATH", t.TempDir())
	if _, err := Dir(); err == nil || !strings.Contains(err.Error(), "node is not on PATH") {
		t.Errorf("no node: got %v", err)
	}
}

// recordingTB records Skip and Fatal calls; like testing.T it stops the calling goroutine.
type recordingTB struct {
	testing.TB
	mu      sync.Mutex
	skipped string
	fatal   string
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Skipf(format string, args ...any) {
	r.mu.Lock()
	r.skipped = fmt.Sprintf(format, args...)
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recordingTB) Fatalf(format string, args ...any) {
	r.mu.Lock()
	r.fatal = fmt.Sprintf(format, args...)
	r.mu.Unlock()
	runtime.Goexit()
}

func runRequire(tb *recordingTB) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		Require(tb)
	}()
	<-done
}

func TestRequireSkipsOrFails(t *testing.T) {
	t.Setenv(EnvDir, "")

	t.Setenv(EnvRequire, "")
	skip := &recordingTB{TB: t}
	runRequire(skip)
	if skip.fatal != "" || !strings.Contains(skip.skipped, "scripts/test.sh") {
		t.Errorf("without %s: skipped %q, fatal %q; want a skip saying how to enable the oracle", EnvRequire, skip.skipped, skip.fatal)
	}

	t.Setenv(EnvRequire, "1")
	fail := &recordingTB{TB: t}
	runRequire(fail)
	if fail.skipped != "" || !strings.Contains(fail.fatal, EnvRequire+"=1") {
		t.Errorf("with %s=1: skipped %q, fatal %q; want a failure", EnvRequire, fail.skipped, fail.fatal)
	}
}
