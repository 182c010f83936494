package wasmbin

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/aquanet/aquanet/wasmhost/internal/wasmtest"
)

var (
	module  = wasmtest.Module
	section = wasmtest.Section
	name    = wasmtest.Name
)

func appendU32(b []byte, v uint32) []byte { return wasmtest.U32(b, v) }

// sample has a type () -> (), two imported functions, a memory, an exported function and a
// custom section.
func sample() []byte {
	typ := section(1, []byte{1, 0x60, 0, 0})
	imp := section(2, []byte{2},
		name("wasi_snapshot_preview1"), name("proc_exit"), []byte{KindFunc, 0},
		name("host"), name("log_utf8_string"), []byte{KindFunc, 0})
	fn := section(3, []byte{1, 0})
	mem := section(5, []byte{1, 0x00, 1})
	exp := section(7, []byte{2}, name("run"), []byte{KindFunc, 2}, name("memory"), []byte{KindMemory, 0})
	code := section(10, []byte{1, 2, 0, 0x0b})
	custom := section(0, name("interface-types"), []byte{5, 6, '0', '.', '2', '7', '.', '0'})
	return module(typ, imp, fn, mem, exp, code, custom)
}

func TestScanReadsImportsExportsAndCustomSections(t *testing.T) {
	s, err := Scan(sample())
	if err != nil {
		t.Fatal(err)
	}
	wantImports := []Import{{"wasi_snapshot_preview1", "proc_exit", KindFunc}, {"host", "log_utf8_string", KindFunc}}
	if !slices.Equal(s.Imports, wantImports) {
		t.Errorf("imports %v, want %v", s.Imports, wantImports)
	}
	if !s.ExportsFunc("run") || s.ExportsFunc("memory") || s.ExportsFunc("missing") {
		t.Errorf("exports %v: want the function run, memory not a function", s.Exports)
	}
	data, ok := s.CustomSection("interface-types")
	if !ok || string(data[2:]) != "0.27.0" {
		t.Errorf("custom section %q %v", data, ok)
	}
	agreeWithWazero(t, sample(), s)
}

func TestScanRefusesMalformedModules(t *testing.T) {
	good := sample()
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "magic"},
		{"not wasm", []byte("\x7fELF\x02\x01\x01\x00"), "magic"},
		{"version 2", append([]byte("\x00asm\x02\x00\x00\x00"), good[8:]...), "version"},
		{"truncated", good[:len(good)-3], "past the end"},
		{"huge import count", module(section(2, appendU32(nil, 1<<30))), "more than the limit"},
		{"name past the end", module(section(2, []byte{1}, appendU32(nil, 200))), "name of 200 bytes"},
		{"not utf-8", module(section(2, []byte{1}, name("\xff\xfe"), name("f"), []byte{0, 0})), "UTF-8"},
		{"import kind", module(section(2, []byte{1}, name("m"), name("f"), []byte{9, 0})), "unknown kind 9"},
		{"out of order", module(section(7, []byte{0}), section(2, []byte{0})), "out of order"},
		{"repeated", module(section(2, []byte{0}), section(2, []byte{0})), "out of order or repeated"},
		{"left over", module(section(7, []byte{0, 0})), "left over"},
		{"unknown section", module(section(14, []byte{0})), "unknown section"},
		{"type count beyond the section", module(section(1, appendU32(nil, 1<<20), []byte{0x60})), "1048576 types"},
		{"params beyond the section", module(section(1, []byte{1, 0x60}, appendU32(nil, 1<<28))), "value types"},
		{"elements beyond the section", module(section(9, []byte{1, 3, 0}, appendU32(nil, 1<<24))), "elements"},
		{"element of unknown kind", module(section(9, []byte{1, 9})), "element segment of unknown kind 9"},
		{"data beyond the section", module(section(11, []byte{1, 1}, appendU32(nil, 1<<24))), "data bytes"},
		{"too many locals", module(section(10, []byte{1, 9, 2}, appendU32(nil, 40_000), []byte{0x7f}, appendU32(nil, 40_000), []byte{0x7f})), "more than 50000 locals"},
		{"constant expression", module(section(11, []byte{1, 0, 0x20, 0, 0x0b, 0})), "opcode 0x20 in a constant expression"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Scan(tc.b)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Scan: %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

// TestScanAgreesWithWazeroOnAStockModule reads AquaVM's avm.wasm (a Marine module of 6 MB,
// installed with the reference interpreter) when it is there.
func TestScanAgreesWithWazeroOnAStockModule(t *testing.T) {
	dir := os.Getenv("AQUANET_ORACLE_DIR")
	if dir == "" {
		t.Skip("AQUANET_ORACLE_DIR not set: no stock module to read")
	}
	b, err := os.ReadFile(filepath.Join(dir, "node_modules", "@fluencelabs", "avm", "dist", "avm.wasm"))
	if err != nil {
		t.Skip(err)
	}
	s, err := Scan(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.CustomSection("interface-types"); !ok {
		t.Error("avm.wasm: no interface-types section found")
	}
	if !s.ExportsFunc("allocate") || !s.ExportsFunc("invoke") {
		t.Error("avm.wasm: allocate or invoke not found among the exports")
	}
	agreeWithWazero(t, b, s)
}

// agreeWithWazero checks that Scan found the function imports and exports wazero compiles.
func agreeWithWazero(t *testing.T, b []byte, s *Summary) {
	t.Helper()
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer r.Close(ctx)
	cm, err := r.CompileModule(ctx, b)
	if err != nil {
		t.Fatalf("wazero does not compile it: %v", err)
	}
	compare(t, s, cm)
}

func compare(t *testing.T, s *Summary, cm wazero.CompiledModule) {
	t.Helper()
	var got, want []string
	for _, im := range s.Imports {
		if im.Kind == KindFunc {
			got = append(got, im.Module+"."+im.Name)
		}
	}
	for _, f := range cm.ImportedFunctions() {
		m, n, _ := f.Import()
		want = append(want, m+"."+n)
	}
	if !slices.Equal(got, want) {
		t.Errorf("imported functions %v, wazero %v", got, want)
	}
	got, want = nil, nil
	for _, e := range s.Exports {
		if e.Kind == KindFunc {
			got = append(got, e.Name)
		}
	}
	for n := range cm.ExportedFunctions() {
		want = append(want, n)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("exported functions %v, wazero %v", got, want)
	}
}

// FuzzScan checks that Scan never panics, and that a module Scan accepts is one wazero either
// refuses or compiles with the imports and exports Scan read. wazero is not given what Scan
// refuses: it allocates by a section's declared count before reading the section, and a module
// of 60 bytes (testdata/fuzz/FuzzScan/b89e5b1c2df3c4fe, an import section claiming 2^30
// imports) made it ask for 295 GB; that is why wasmhost scans a module before compiling it.
func FuzzScan(f *testing.F) {
	f.Add(sample())
	f.Add(module())
	f.Add(module(section(2, []byte{1}, name("m"), name("g"), []byte{KindGlobal, 0x7f, 0})))
	f.Add(module(section(2, []byte{1}, name("m"), name("t"), []byte{KindTable, 0x70, 1, 1, 2})))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Scan(b)
		if err != nil {
			return
		}
		ctx := context.Background()
		r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
		defer r.Close(ctx)
		cm, cerr := r.CompileModule(ctx, b)
		if cerr != nil {
			return
		}
		compare(t, s, cm)
	})
}
