// Package ittest writes interface-types sections, for tests and for the generator of the test
// modules: [Encode] writes a section byte for byte as marine.md §2.2 lays it out, and [Builder]
// lays a section out as `marine build` (it-generator) does, adapters included, from a list of
// exported and imported functions. It is not used outside tests.
package ittest

import (
	"fmt"

	"github.com/aquanet/aquanet/wasmhost/api"
	"github.com/aquanet/aquanet/wasmhost/internal/it"
)

// Encode writes s. Items come in the order it-generator writes them: version, types, imports,
// adapters, exports, implementations. Top-level counts and indices are LEB128; strings and
// inner lists have a one-byte length, as Marine's decoder reads them (Marine's encoder writes
// LEB128 there, which is the same below 128). It panics on what it cannot encode (a type code
// or a length over 255): the sections are written by tests.
func Encode(s *it.Section) []byte {
	var b []byte
	b = append(b, 5)
	b = appendString(b, s.Version)

	b = append(b, 0)
	b = appendULEB(b, uint64(len(s.Types)))
	for _, t := range s.Types {
		b = append(b, byte(t.Kind))
		if t.Kind == it.RecordType {
			b = appendString(b, t.Name)
			b = appendFields(b, t.Args)
			continue
		}
		b = appendFields(b, t.Args)
		b = appendShort(b, len(t.Outputs))
		for _, o := range t.Outputs {
			b = AppendIType(b, o)
		}
	}

	b = append(b, 1)
	b = appendULEB(b, uint64(len(s.Imports)))
	for _, im := range s.Imports {
		b = appendString(b, im.Namespace)
		b = appendString(b, im.Name)
		b = appendULEB(b, im.Type)
	}

	b = append(b, 2)
	b = appendULEB(b, uint64(len(s.Adapters)))
	for _, a := range s.Adapters {
		b = appendULEB(b, a.Type)
		b = appendShort(b, len(a.Instrs))
		for _, in := range a.Instrs {
			b = AppendInstr(b, in)
		}
	}

	b = append(b, 3)
	b = appendULEB(b, uint64(len(s.Exports)))
	for _, e := range s.Exports {
		b = appendString(b, e.Name)
		b = appendULEB(b, e.Type)
	}

	b = append(b, 4)
	b = appendULEB(b, uint64(len(s.Implementations)))
	for _, im := range s.Implementations {
		b = appendULEB(b, im.CoreType)
		b = appendULEB(b, im.AdapterType)
	}
	return b
}

// AppendInstr appends one instruction.
func AppendInstr(b []byte, in it.Instr) []byte {
	b = append(b, byte(in.Op))
	switch in.Op {
	case it.OpArgGet, it.OpCallCore, it.OpRecordLiftMemory, it.OpRecordLowerMemory, it.OpI32Push, it.OpI64Push:
		b = appendULEB(b, in.Arg)
	case it.OpArrayLiftMemory, it.OpArrayLowerMemory:
		b = AppendIType(b, *in.Elem)
	}
	return b
}

var kindCodes = map[api.Kind]byte{
	api.S8: 0x00, api.S16: 0x01, api.S32: 0x02, api.S64: 0x03, api.U8: 0x04, api.U16: 0x05,
	api.U32: 0x06, api.U64: 0x07, api.F32: 0x08, api.F64: 0x09, api.String: 0x0a, api.Bool: 0x0b,
	api.I32: 0x0c, api.I64: 0x0d, api.ByteArray: 0x3c,
}

// AppendIType appends a type code.
func AppendIType(b []byte, t it.IType) []byte {
	switch t.Kind {
	case api.Record:
		return appendULEB(append(b, 0x0e), t.Record)
	case api.Array:
		return AppendIType(append(b, 0x36), *t.Elem)
	}
	c, ok := kindCodes[t.Kind]
	if !ok {
		panic(fmt.Sprintf("ittest: no code for kind %d", t.Kind))
	}
	return append(b, c)
}

func appendFields(b []byte, fs []it.Field) []byte {
	b = appendShort(b, len(fs))
	for _, f := range fs {
		b = appendString(b, f.Name)
		b = AppendIType(b, f.Type)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	return append(appendShort(b, len(s)), s...)
}

func appendShort(b []byte, n int) []byte {
	if n > 255 {
		panic(fmt.Sprintf("ittest: length %d does not fit the one byte the decoder reads", n))
	}
	return append(b, byte(n))
}

func appendULEB(b []byte, v uint64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

// CustomSection wraps payload as a Wasm custom section (id 0) named name, to be appended to a
// module: a custom section may come anywhere.
func CustomSection(name string, payload []byte) []byte {
	body := append(appendULEB(nil, uint64(len(name))), name...)
	body = append(body, payload...)
	return append(appendULEB([]byte{0}, uint64(len(body))), body...)
}
