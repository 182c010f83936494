package marine_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/wasmhost/api"
	"github.com/aquanet/aquanet/wasmhost/internal/engine"
	"github.com/aquanet/aquanet/wasmhost/internal/marine"
)

// loadGranted loads testdata/binary.wasm as module "binary", granted mounts.
func loadGranted(t *testing.T, mounts map[string]map[string]string) engine.Service {
	t.Helper()
	r := customSectionsRuntime(t)
	svc, err := marine.Load(context.Background(), r, modules(t, r, "binary"), engine.Host{MountedBinaries: mounts})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close(context.Background()) })
	return svc
}

// needBinary skips the test on a machine without the program at path.
func needBinary(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("no %s here: %v", path, err)
	}
}

// mountedResult is a MountedBinaryResult as the facade returned it, in JSON.
type mountedResult struct {
	retCode        int64
	err            string
	stdout, stderr string
}

func runEcho(t *testing.T, svc engine.Service, args ...string) (mountedResult, error) {
	t.Helper()
	vs := make([]value.Value, len(args))
	for i, a := range args {
		vs[i] = value.String(a)
	}
	out, err := svc.Call(context.Background(), "run", []value.Value{value.Array(vs...)}, api.CallParams{})
	if err != nil {
		return mountedResult{}, err
	}
	field := func(name string) value.Value {
		v, ok := out.Get(name)
		if !ok {
			t.Fatalf("the result %s has no field %s", out, name)
		}
		return v
	}
	bytesOf := func(name string) string {
		v := field(name)
		b := make([]byte, v.Len())
		for i := range b {
			n, _ := v.Index(i).Int64()
			b[i] = byte(n)
		}
		return string(b)
	}
	var res mountedResult
	res.retCode, _ = field("ret_code").Int64()
	res.err, _ = field("error").Str()
	res.stdout, res.stderr = bytesOf("stdout"), bytesOf("stderr")
	return res, nil
}

// A granted binary runs with the arguments the guest gives, and its exit code and outputs come
// back as the MountedBinaryResult record.
func TestAGrantedMountedBinaryRuns(t *testing.T) {
	needBinary(t, "/bin/echo")
	svc := loadGranted(t, map[string]map[string]string{"binary": {"echo": "/bin/echo"}})
	res, err := runEcho(t, svc, "hello", "wörld", "$HOME;", "")
	if err != nil {
		t.Fatal(err)
	}
	// No shell: $HOME and ; reach echo as they are.
	if want := (mountedResult{stdout: "hello wörld $HOME; \n"}); res != want {
		t.Fatalf("run = %+v, want %+v", res, want)
	}
	if res, err = runEcho(t, svc); err != nil || res.stdout != "\n" {
		t.Fatalf("run() = %+v, %v; want a bare newline", res, err)
	}
}

// A binary's exit code and stderr reach the guest; a failing binary is a result, not a trap.
func TestAMountedBinarysFailureIsItsResult(t *testing.T) {
	needBinary(t, "/bin/sh")
	svc := loadGranted(t, map[string]map[string]string{"binary": {"echo": "/bin/sh"}})
	res, err := runEcho(t, svc, "-c", "echo out; echo err >&2; exit 3")
	if err != nil {
		t.Fatal(err)
	}
	if want := (mountedResult{retCode: 3, stdout: "out\n", stderr: "err\n"}); res != want {
		t.Fatalf("run = %+v, want %+v", res, want)
	}
	// The service is unharmed.
	if res, err = runEcho(t, svc, "-c", "echo again"); err != nil || res.stdout != "again\n" {
		t.Fatalf("run after a failure = %+v, %v", res, err)
	}
}

// A binary runs with an empty environment: nothing of the node's reaches it.
func TestAMountedBinarySeesNoneOfTheNodesEnvironment(t *testing.T) {
	needBinary(t, "/usr/bin/env")
	t.Setenv("AQUANET_TEST_SECRET", "hunter2")
	svc := loadGranted(t, map[string]map[string]string{"binary": {"echo": "/usr/bin/env"}})
	res, err := runEcho(t, svc)
	if err != nil || res.retCode != 0 || res.stdout != "" {
		t.Fatalf("env = %+v, %v; want an empty environment", res, err)
	}
}

// A granted path with no program behind it gives Marine's ret_code for a command that could
// not run, 100001, and the reason.
func TestAMountedBinaryThatCannotStart(t *testing.T) {
	svc := loadGranted(t, map[string]map[string]string{"binary": {"echo": "/nonexistent/aquanet-test-binary"}})
	res, err := runEcho(t, svc, "x")
	if err != nil {
		t.Fatal(err)
	}
	if res.retCode != 100001 || !strings.Contains(res.err, "no such file") || res.stdout != "" {
		t.Fatalf("run = %+v, want ret_code 100001 and an error saying no such file", res)
	}
}

// A grant is per module name: one to another module grants nothing, and the call traps naming
// the binary.
func TestAMountedBinaryGrantedToAnotherModule(t *testing.T) {
	svc := loadGranted(t, map[string]map[string]string{"other": {"echo": "/bin/echo"}, "binary": {"curl": "/bin/echo"}})
	_, err := runEcho(t, svc, "x")
	var trap *engine.Trap
	if !errors.As(err, &trap) || !strings.Contains(err.Error(), `mounted binary "echo" (imported from host) is not granted to module binary`) {
		t.Fatalf("run: %v, want a Trap saying echo is not granted", err)
	}
}

// A binary that outlives its call is stopped with it, and the call fails with the call's
// cause.
func TestAMountedBinaryEndsWithItsCall(t *testing.T) {
	needBinary(t, "/bin/sleep")
	svc := loadGranted(t, map[string]map[string]string{"binary": {"echo": "/bin/sleep"}})
	stop := errors.New("the call's deadline")
	ctx, cancel := context.WithTimeoutCause(context.Background(), 200*time.Millisecond, stop)
	defer cancel()
	start := time.Now()
	_, err := svc.Call(ctx, "run", []value.Value{value.Array(value.String("30"))}, api.CallParams{})
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("the call took %v: sleep was not stopped", took)
	}
	if !errors.As(err, new(*engine.Trap)) || !errors.Is(err, stop) {
		t.Fatalf("run(sleep 30): %v, want a Trap caused by the deadline", err)
	}
}

// A mounted binary's import must have Marine's signature; the service refuses to load
// otherwise (mounted.wasm imports curl as (i32, i32) -> (), and so passes).
func TestAMountedBinaryWithMarinesSignatureLoads(t *testing.T) {
	r := customSectionsRuntime(t)
	svc, err := marine.Load(context.Background(), r, modules(t, r, "mounted"),
		engine.Host{MountedBinaries: map[string]map[string]string{"mounted": {"curl": "/nonexistent/curl"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close(context.Background())
	// run_curl passes no arguments and drops the result: the program that cannot start is
	// its result, not a trap.
	if _, err := svc.Call(context.Background(), "run_curl", nil, api.CallParams{}); err != nil {
		t.Fatalf("run_curl: %v", err)
	}
}
