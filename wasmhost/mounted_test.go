package wasmhost

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/interpreter/value"
)

// binarySpec is a service of internal/marine/testdata/binary.wasm, a Marine module that imports
// the mounted binary "echo" (host.echo) and returns its result from run(args), named module.
func binarySpec(t *testing.T, module string) ServiceSpec {
	t.Helper()
	wasm, err := os.ReadFile(filepath.Join("internal", "marine", "testdata", "binary.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	return ServiceSpec{ServiceID: "mounted", Modules: []ModuleSource{{Name: module, Wasm: wasm}}}
}

type grants = map[string]map[string]string

// A service whose module imports a mounted binary the node does not grant to that module is
// never made: Check and Instantiate fail with a DeniedError naming the module and the binary,
// and saying how the node's owner grants it. A grant to another module, or of another binary,
// grants nothing.
func TestAMountedBinaryIsDeniedWithoutAGrant(t *testing.T) {
	for _, tc := range []struct {
		name   string
		grants grants
	}{
		{"no grant", nil},
		{"granted to another module", grants{"other": {"echo": "/bin/echo"}}},
		{"another binary granted", grants{"binary": {"curl": "/bin/echo"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHost(t, NewConfig().WithMountedBinaries(tc.grants))
			spec := binarySpec(t, "binary")
			check := func(what string, err error) {
				t.Helper()
				var denied *DeniedError
				if !errors.As(err, &denied) || denied.Module != "binary" || denied.Capability != "echo" {
					t.Fatalf("%s: %v, want a DeniedError of binary's echo", what, err)
				}
				for _, want := range []string{`module binary imports the mounted binary "echo"`, `[wasm_mounted_binaries.binary] echo = "/absolute/path`} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("%s: %q does not say %q", what, err, want)
					}
				}
			}
			check("Check", h.Check(spec))
			inst, err := h.Instantiate(context.Background(), spec)
			if err == nil {
				inst.Close(context.Background())
			}
			check("Instantiate", err)
		})
	}
}

// The way to grant it that DeniedError gives is a TOML key that parses, whatever the names.
func TestDeniedErrorQuotesNamesTOMLCannotTakeBare(t *testing.T) {
	err := &DeniedError{Module: "curl.adapter v2", Capability: "curl"}
	if want := `[wasm_mounted_binaries."curl.adapter v2"] curl = "/absolute/path/of/the/program"`; !strings.HasSuffix(err.Error(), want) {
		t.Errorf("%q does not end in %q", err, want)
	}
}

// runEcho calls run(args) and returns ret_code, error and stdout of the MountedBinaryResult.
func runEcho(t *testing.T, inst *Instance, args ...string) (int64, string, string) {
	t.Helper()
	vs := make([]value.Value, len(args))
	for i, a := range args {
		vs[i] = value.String(a)
	}
	out, err := call(t, inst, "run", value.Array(vs...))
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	code, _ := out.Get("ret_code")
	ret, _ := code.Int64()
	e, _ := out.Get("error")
	msg, _ := e.Str()
	stdout, _ := out.Get("stdout")
	b := make([]byte, stdout.Len())
	for i := range b {
		n, _ := stdout.Index(i).Int64()
		b[i] = byte(n)
	}
	return ret, msg, string(b)
}

// With the grant, the guest's call runs the program and gets its exit code and output.
func TestAGrantedMountedBinaryRunsThroughTheHost(t *testing.T) {
	if _, err := os.Stat("/bin/echo"); err != nil {
		t.Skipf("no /bin/echo here: %v", err)
	}
	h := newHost(t, NewConfig().WithMountedBinaries(grants{"binary": {"echo": "/bin/echo"}}))
	spec := binarySpec(t, "binary")
	if err := h.Check(spec); err != nil {
		t.Fatalf("Check with the grant: %v", err)
	}
	inst := instantiate(t, h, spec)
	if ret, msg, out := runEcho(t, inst, "granted", "binary"); ret != 0 || msg != "" || out != "granted binary\n" {
		t.Fatalf("run = %d, %q, %q; want 0, no error, echo's line", ret, msg, out)
	}
}

// A grant of a path with no program behind it gives the guest Marine's ret_code for a command
// that could not run, and the reason (the node's config checks paths at start; a program can
// still go away later).
func TestAMountedBinaryGrantedAMissingPath(t *testing.T) {
	h := newHost(t, NewConfig().WithMountedBinaries(grants{"binary": {"echo": "/nonexistent/aquanet/echo"}}))
	inst := instantiate(t, h, binarySpec(t, "binary"))
	if ret, msg, out := runEcho(t, inst, "x"); ret != 100001 || !strings.Contains(msg, "no such file") || out != "" {
		t.Fatalf("run = %d, %q, %q; want 100001 and an error saying no such file", ret, msg, out)
	}
	if inst.Broken() != nil {
		t.Fatalf("a program that could not start broke the instance: %v", inst.Broken())
	}
}

// New refuses grants it cannot honour, saying which.
func TestNewRefusesBadMountedBinaryGrants(t *testing.T) {
	for _, tc := range []struct {
		grants grants
		want   string
	}{
		{grants{"m": {"echo": "bin/echo"}}, `mounted binary echo of module m is "bin/echo", not an absolute path`},
		{grants{"m": {"echo": ""}}, "not an absolute path"},
		{grants{"": {"echo": "/bin/echo"}}, "a module with no name"},
		{grants{"m": {"": "/bin/echo"}}, `named ""`},
		{grants{"m": {"log_utf8_string": "/bin/echo"}}, `named "log_utf8_string", which is not a binary's name`},
	} {
		if _, err := New(NewConfig().WithMountedBinaries(tc.grants)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%v): %v, want an error saying %q", tc.grants, err, tc.want)
		}
	}
}

// A Config's grants are its own: changing the map given to WithMountedBinaries later changes
// nothing.
func TestMountedBinaryGrantsAreCopied(t *testing.T) {
	g := grants{"binary": {"echo": "/bin/echo"}}
	h := newHost(t, NewConfig().WithMountedBinaries(g))
	delete(g["binary"], "echo")
	if err := h.Check(binarySpec(t, "binary")); err != nil {
		t.Fatalf("Check after the caller's map changed: %v", err)
	}
}
