package it_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/wasmhost/api"
	"github.com/aquanet/aquanet/wasmhost/internal/it"
	"github.com/aquanet/aquanet/wasmhost/internal/it/ittest"
)

// str is a string as the section writes it: a one-byte length and the bytes.
func str(s string) []byte { return append([]byte{byte(len(s))}, s...) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// The bytes of marine.md §2.2, assembled by hand: greeting.wasm's version, allocate's type,
// its export and implementation items, and an adapter using every operand form.
func TestDecodeHandAssembled(t *testing.T) {
	b := cat(
		[]byte{5}, str("0.27.0"),
		[]byte{0, 3},                                     // three types
		[]byte{0, 1}, str("size"), []byte{0x0c, 1, 0x0c}, // allocate(size: i32) -> i32
		[]byte{1}, str("R"), []byte{2}, str("a"), []byte{0x36, 0x36, 0x3c}, str("r"), []byte{0x0e, 0x01}, // record R{a: [][][]u8, r: R}
		[]byte{0, 1}, str("name"), []byte{0x0a, 1, 0x0a}, // (name: string) -> string
		[]byte{1, 1}, str("dep"), str("f"), []byte{0x02}, // import dep.f: type 2
		[]byte{2, 1, 2, 9},       // one adapter, type 2, nine instructions
		[]byte{0x00, 0x00},       // arg.get 0
		[]byte{0x01, 0x86, 0x01}, // call-core 134 (two-byte LEB128)
		[]byte{0x0c},             // i32.from_s32
		[]byte{0x37, 0x36, 0x07}, // array.lift_memory []u64
		[]byte{0x3a, 0x01},       // record.lift_memory 1
		[]byte{0x40, 0x7f},       // i32.push 127
		[]byte{0x41, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, // i64.push 2^64-1
		[]byte{0x43},                                // byte_array.lift_memory
		[]byte{0x35},                                // swap2
		[]byte{3, 1}, str("greeting"), []byte{0x0c}, // export greeting: type 12
		[]byte{4, 1, 0x0c, 0x0b}, // implementation: core type 12 -> adapter type 11
	)
	s, err := it.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	u8 := it.IType{Kind: api.ByteArray}
	u64 := it.IType{Kind: api.U64}
	want := &it.Section{
		Version: "0.27.0",
		Types: []it.Type{
			{Kind: it.FunctionType, Args: []it.Field{{"size", it.IType{Kind: api.I32}}}, Outputs: []it.IType{{Kind: api.I32}}},
			{Kind: it.RecordType, Name: "R", Args: []it.Field{
				{"a", ittest.ArrayOf(ittest.ArrayOf(u8))},
				{"r", it.IType{Kind: api.Record, Record: 1}},
			}, Outputs: nil},
			{Kind: it.FunctionType, Args: []it.Field{{"name", it.IType{Kind: api.String}}}, Outputs: []it.IType{{Kind: api.String}}},
		},
		Imports: []it.Import{{Namespace: "dep", Name: "f", Type: 2}},
		Adapters: []it.Adapter{{Type: 2, Instrs: []it.Instr{
			{Op: it.OpArgGet, Arg: 0},
			{Op: it.OpCallCore, Arg: 134},
			{Op: 0x0c},
			{Op: it.OpArrayLiftMemory, Elem: &it.IType{Kind: api.Array, Elem: &u64}},
			{Op: it.OpRecordLiftMemory, Arg: 1},
			{Op: it.OpI32Push, Arg: 127},
			{Op: it.OpI64Push, Arg: ^uint64(0)},
			{Op: it.OpByteArrayLiftMemory},
			{Op: it.OpSwap2},
		}}},
		Exports:         []it.Export{{Name: "greeting", Type: 12}},
		Implementations: []it.Implementation{{CoreType: 12, AdapterType: 11}},
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("decoded\n%+v\nwant\n%+v", s, want)
	}
	if got := s.Adapters[0].Instrs[3].String(); got != "array.lift_memory []u64" {
		t.Errorf("instruction text %q", got)
	}
	if from, to, ok := it.Opcode(0x0c).Conversion(); !ok || from != api.S32 || to != api.I32 {
		t.Errorf("0x0c is i32.from_s32, got %v %v %v", from, to, ok)
	}
}

// A section the builder lays out as it-generator does reads back to the same section.
func TestDecodeRoundTrip(t *testing.T) {
	b := sampleBuilder()
	enc := b.Bytes()
	s, err := it.Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	if again := ittest.Encode(s); !bytes.Equal(again, enc) {
		t.Errorf("re-encoded section differs:\n%x\n%x", again, enc)
	}
	if s.Version != "0.26.1" || len(s.Exports) != 6+3 || len(s.Imports) != 2 || len(s.Adapters) != 4 {
		t.Errorf("unexpected layout: version %q, %d exports, %d imports, %d adapters",
			s.Version, len(s.Exports), len(s.Imports), len(s.Adapters))
	}
	// The fixed API: allocate's IT type has one argument (the core export has two).
	if s.Exports[0].Name != "allocate" || len(s.Types[0].Args) != 1 {
		t.Errorf("export 0 = %+v, type 0 = %+v", s.Exports[0], s.Types[0])
	}
}

// Strings and inner lists have a one-byte length, as Marine's decoder reads them: 0xc8 is 200,
// not the start of a LEB128 number.
func TestDecodeOneByteLengths(t *testing.T) {
	long := strings.Repeat("v", 200)
	instrs := bytes.Repeat([]byte{0x34}, 130)
	b := cat([]byte{5, 200}, []byte(long), []byte{2, 1, 0, 130}, instrs)
	s, err := it.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != long || len(s.Adapters[0].Instrs) != 130 {
		t.Errorf("version of %d bytes, %d instructions", len(s.Version), len(s.Adapters[0].Instrs))
	}
}

func sampleBuilder() *ittest.Builder {
	b := ittest.NewBuilder("0.26.1")
	inner := b.Record("Inner", ittest.F("flag", ittest.T(api.Bool)))
	outer := b.Record("Outer", ittest.F("name", ittest.T(api.String)), ittest.F("inner", ittest.ArrayOf(inner)))
	b.Record("Unused", ittest.F("x", ittest.T(api.U8)))
	b.Export("zeta", []it.Field{ittest.F("o", outer)}, ittest.T(api.S64))
	b.Export("alpha", nil)
	b.Export("mid", []it.Field{ittest.F("s", ittest.T(api.String)), ittest.F("n", ittest.T(api.U32))}, ittest.ArrayOf(ittest.T(api.String)))
	b.Import("dep", "get", []it.Field{ittest.F("s", ittest.T(api.String))}, ittest.T(api.String))
	return b
}

func TestDecodeErrors(t *testing.T) {
	version := cat([]byte{5}, str("0.27.0"))
	deep := append([]byte{}, version...)
	deep = append(deep, 0, 1, 0, 1, 0)
	deep = append(deep, bytes.Repeat([]byte{0x36}, it.MaxTypeDepth+1)...)
	deep = append(deep, 0x0a, 0)
	cases := []struct {
		name   string
		in     []byte
		offset int
		what   string
	}{
		{"empty", nil, 0, "no version item"},
		{"no version", []byte{0, 0}, 2, "no version item"},
		{"two versions", cat(version, version), 8, "a second version item"},
		{"unknown item kind", cat(version, []byte{9}), 8, "unknown section item kind 0x09"},
		{"truncated string", []byte{5, 6, '0', '.'}, 1, "version: length 6 is more than the 2 bytes left"},
		{"bad utf-8", cat([]byte{5, 2, 0xff, 0xfe}), 1, "version is not valid UTF-8"},
		{"count over bytes left", cat(version, []byte{0, 0x7f, 0}), 9, "types count 127 is more than the 1 bytes left"},
		{"count over limit", cat(version, []byte{0, 0x80, 0x80, 0x80, 0x01}), 9, "types count 2097152 is over the limit"},
		{"unknown type kind", cat(version, []byte{0, 1, 7}), 10, "type 0: unknown type kind 0x07"},
		{"unknown type code", cat(version, []byte{0, 1, 0, 1, 0, 0x55, 0}), 13, "unknown type code 0x55"},
		{"nesting too deep", deep, 13 + it.MaxTypeDepth, "array types nested deeper than 32"},
		{"unknown opcode", cat(version, []byte{2, 1, 0, 2, 0x34, 0x99}), 13, "adapter 0, instruction 1: unknown opcode 0x99"},
		{"truncated operand", cat(version, []byte{2, 1, 0, 1, 0x01, 0x80}), 14, "unexpected end of section reading call-core operand"},
		{"LEB128 over 64 bits", cat(version, []byte{3, 1}, str("f"), bytes.Repeat([]byte{0xff}, 10), []byte{0x01}), 12, "over 64 bits"},
		{"short instruction count", cat(version, []byte{2, 1, 0, 5, 0x34}), 11, "adapter instructions count 5 is more than the 1 bytes left"},
		{"truncated implementation", cat(version, []byte{4, 1, 3}), 11, "unexpected end of section reading implementation adapter type index"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := it.Decode(c.in)
			de, ok := err.(*it.DecodeError)
			if !ok {
				t.Fatalf("error %v (%T), want a *DecodeError", err, err)
			}
			if de.Offset != c.offset || !strings.Contains(de.What, c.what) {
				t.Errorf("got %q at %d, want %q at %d", de.What, de.Offset, c.what, c.offset)
			}
			if !strings.Contains(err.Error(), "at byte") {
				t.Errorf("message %q does not give the offset", err)
			}
		})
	}
	if _, err := it.Decode(make([]byte, it.MaxSectionSize+1)); err == nil || !strings.Contains(err.Error(), "over the limit") {
		t.Errorf("oversized section: %v", err)
	}
}
