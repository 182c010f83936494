package it_test

import (
	"bytes"
	"os"
	"runtime"
	"testing"

	"github.com/aquanet/aquanet/wasmhost/api"
	"github.com/aquanet/aquanet/wasmhost/internal/it"
	"github.com/aquanet/aquanet/wasmhost/internal/it/ittest"
)

// allocBudget is what Decode may allocate for n bytes of input: a generous constant factor
// (a one-byte instruction is a 24-byte Instr, slices double as they grow) plus a fixed slack.
func allocBudget(n int) uint64 { return uint64(256*n) + 64<<10 }

// FuzzDecode checks that Decode never panics, allocates in proportion to its input, and that
// what it accepts encodes back to a section that decodes the same; Interface must not panic
// either.
//
// Seeds: sections laid out as it-generator does, and, when the oracle directory is set
// (AQUANET_ORACLE_DIR), AquaVM's real section read from avm.wasm (never committed here).
func FuzzDecode(f *testing.F) {
	f.Add(sampleBuilder().Bytes())
	g := ittest.NewBuilder("0.27.0")
	g.Export("greeting", []it.Field{ittest.F("name", ittest.T(api.String))}, ittest.T(api.String))
	f.Add(g.Bytes())
	f.Add([]byte{5, 0})
	f.Add(append(append([]byte{5, 200}, bytes.Repeat([]byte{'v'}, 200)...), 2, 1, 0, 130, 0x34, 0x35)) // one-byte lengths over 127
	f.Add([]byte{5, 1, 'x', 0, 1, 0, 1, 0, 0x36, 0x36, 0x0a, 0})
	if sec := avmSection(f); sec != nil {
		f.Add(sec)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		s, err := it.Decode(b)
		runtime.ReadMemStats(&after)
		if got := after.TotalAlloc - before.TotalAlloc; got > allocBudget(len(b)) {
			t.Fatalf("decoding %d bytes allocated %d bytes", len(b), got)
		}
		if err != nil {
			if _, ok := err.(*it.DecodeError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		enc := ittest.Encode(s)
		s2, err := it.Decode(enc)
		if err != nil {
			t.Fatalf("re-encoded section does not decode: %v", err)
		}
		if !bytes.Equal(ittest.Encode(s2), enc) {
			t.Fatalf("decode(encode(s)) differs from s")
		}
		_, _ = s.Interface()
	})
}

// avmSection returns AquaVM's interface-types section when the oracle directory has avm.wasm.
func avmSection(tb testing.TB) []byte {
	dir := os.Getenv("AQUANET_ORACLE_DIR")
	if dir == "" {
		return nil
	}
	wasm, err := os.ReadFile(dir + "/node_modules/@fluencelabs/avm/dist/avm.wasm")
	if err != nil {
		return nil
	}
	return customSection(wasm, it.SectionName)
}

// customSection finds a custom section in a Wasm binary by walking its section headers.
func customSection(wasm []byte, name string) []byte {
	pos := 8
	uleb := func() int {
		v, shift := 0, 0
		for pos < len(wasm) {
			c := wasm[pos]
			pos++
			v |= int(c&0x7f) << shift
			if c&0x80 == 0 {
				return v
			}
			shift += 7
		}
		return -1
	}
	for pos < len(wasm) {
		id := wasm[pos]
		pos++
		size := uleb()
		if size < 0 || pos+size > len(wasm) {
			return nil
		}
		end := pos + size
		if id == 0 {
			n := uleb()
			if n >= 0 && pos+n <= end && string(wasm[pos:pos+n]) == name {
				return wasm[pos+n : end]
			}
		}
		pos = end
	}
	return nil
}

// AquaVM's section decodes to the interface marine.md describes.
func TestDecodeAquaVM(t *testing.T) {
	sec := avmSection(t)
	if sec == nil {
		t.Skip("AQUANET_ORACLE_DIR has no avm.wasm")
	}
	s, err := it.Decode(sec)
	if err != nil {
		t.Fatal(err)
	}
	in, err := s.Interface()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fn := range in.Functions {
		names = append(names, fn.Signature())
	}
	want := []string{
		"ast(script: string) -> string",
		"invoke(air: string, prev_data: []u8, data: []u8, params: RunParameters, call_results: []u8) -> InterpreterOutcome",
		"invoke_tracing(air: string, prev_data: []u8, data: []u8, params: RunParameters, call_results: []u8, tracing_params: string, tracing_output_mode: u8) -> InterpreterOutcome",
		"to_human_readable_data(data: []u8) -> string",
	}
	if s.Version != "0.27.0" || len(names) != len(want) {
		t.Fatalf("version %q, functions %q", s.Version, names)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Errorf("function %d: %q, want %q", i, names[i], want[i])
		}
	}
	if len(in.Records) != 2 || in.Records[0].Name != "InterpreterOutcome" || in.Records[1].Name != "RunParameters" {
		t.Errorf("records %+v", in.Records)
	}
}
