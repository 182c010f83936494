package it

import (
	"fmt"
	"unicode/utf8"

	"github.com/aquanet/aquanet/wasmhost/api"
)

// Section item kinds: each item of the section is one of these codes and its payload.
const (
	kindTypes           = 0
	kindImports         = 1
	kindAdapters        = 2
	kindExports         = 3
	kindImplementations = 4
	kindVersion         = 5
)

// itype codes.
const (
	codeS8        = 0x00
	codeS16       = 0x01
	codeS32       = 0x02
	codeS64       = 0x03
	codeU8        = 0x04
	codeU16       = 0x05
	codeU32       = 0x06
	codeU64       = 0x07
	codeF32       = 0x08
	codeF64       = 0x09
	codeString    = 0x0a
	codeBool      = 0x0b
	codeI32       = 0x0c
	codeI64       = 0x0d
	codeRecord    = 0x0e
	codeArray     = 0x36
	codeByteArray = 0x3c
)

var scalarCodes = map[byte]api.Kind{
	codeS8: api.S8, codeS16: api.S16, codeS32: api.S32, codeS64: api.S64,
	codeU8: api.U8, codeU16: api.U16, codeU32: api.U32, codeU64: api.U64,
	codeF32: api.F32, codeF64: api.F64, codeString: api.String, codeBool: api.Bool,
	codeI32: api.I32, codeI64: api.I64, codeByteArray: api.ByteArray,
}

// Decode reads an interface-types section. It never panics and allocates in proportion to
// len(b); bad input gets a *DecodeError.
//
// NB: as Marine's own decoder, strings and inner lists (function arguments and outputs,
// record fields, adapter instructions) have a one-byte length, while the top-level counts and
// indices are LEB128. The encoder Marine uses writes LEB128 everywhere, so the two agree below
// 128, which is all that real sections hold.
func Decode(b []byte) (*Section, error) {
	if len(b) > MaxSectionSize {
		return nil, &DecodeError{0, fmt.Sprintf("section is %d bytes, over the limit of %d", len(b), MaxSectionSize)}
	}
	d := &decoder{b: b}
	s := &Section{}
	haveVersion := false
	for d.err == nil && d.pos < len(b) {
		at := d.pos
		switch kind := d.byte("section item kind"); kind {
		case kindVersion:
			v := d.string("version")
			if haveVersion && d.err == nil {
				d.fail(at, "a second version item")
			}
			s.Version, haveVersion = v, true
		case kindTypes:
			n := d.count("types")
			for i := 0; i < n && d.err == nil; i++ {
				s.Types = append(s.Types, d.typ(i))
			}
		case kindImports:
			n := d.count("imports")
			for i := 0; i < n && d.err == nil; i++ {
				s.Imports = append(s.Imports, Import{
					Namespace: d.string("import namespace"),
					Name:      d.string("import name"),
					Type:      d.uleb("import type index"),
				})
			}
		case kindAdapters:
			n := d.count("adapters")
			for i := 0; i < n && d.err == nil; i++ {
				t := d.uleb("adapter type index")
				s.Adapters = append(s.Adapters, Adapter{Type: t, Instrs: d.instrs(i)})
			}
		case kindExports:
			n := d.count("exports")
			for i := 0; i < n && d.err == nil; i++ {
				s.Exports = append(s.Exports, Export{Name: d.string("export name"), Type: d.uleb("export type index")})
			}
		case kindImplementations:
			n := d.count("implementations")
			for i := 0; i < n && d.err == nil; i++ {
				s.Implementations = append(s.Implementations, Implementation{
					CoreType:    d.uleb("implementation core type index"),
					AdapterType: d.uleb("implementation adapter type index"),
				})
			}
		default:
			if d.err == nil {
				d.fail(at, fmt.Sprintf("unknown section item kind 0x%02x", kind))
			}
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	if !haveVersion {
		return nil, &DecodeError{len(b), "no version item"}
	}
	return s, nil
}

// decoder reads b with a sticky error: after the first failure every read returns a zero
// value and the callers' loops stop.
type decoder struct {
	b   []byte
	pos int
	err *DecodeError
}

func (d *decoder) fail(at int, what string) {
	if d.err == nil {
		d.err = &DecodeError{Offset: at, What: what}
	}
}

func (d *decoder) byte(what string) byte {
	if d.err != nil {
		return 0
	}
	if d.pos >= len(d.b) {
		d.fail(d.pos, "unexpected end of section reading "+what)
		return 0
	}
	c := d.b[d.pos]
	d.pos++
	return c
}

// uleb reads an unsigned LEB128 number of at most 64 bits.
func (d *decoder) uleb(what string) uint64 {
	at := d.pos
	var v uint64
	for shift := uint(0); ; shift += 7 {
		c := d.byte(what)
		if d.err != nil {
			return 0
		}
		if shift == 63 && c > 1 {
			d.fail(at, what+": LEB128 number over 64 bits")
			return 0
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v
		}
		if shift == 63 {
			d.fail(at, what+": LEB128 number over 64 bits")
			return 0
		}
	}
}

// count reads a top-level LEB128 count. Each item takes at least one byte, so a count over the
// bytes left is malformed: checking that first bounds every allocation by the section's size.
func (d *decoder) count(what string) int {
	at := d.pos
	n := d.uleb(what + " count")
	if d.err != nil {
		return 0
	}
	if n > MaxItems {
		d.fail(at, fmt.Sprintf("%s count %d is over the limit of %d", what, n, MaxItems))
		return 0
	}
	if n > uint64(len(d.b)-d.pos) {
		d.fail(at, fmt.Sprintf("%s count %d is more than the %d bytes left", what, n, len(d.b)-d.pos))
		return 0
	}
	return int(n)
}

// shortCount reads a one-byte count of an inner list, checked as count is.
func (d *decoder) shortCount(what string) int {
	at := d.pos
	n := int(d.byte(what + " count"))
	if d.err == nil && n > len(d.b)-d.pos {
		d.fail(at, fmt.Sprintf("%s count %d is more than the %d bytes left", what, n, len(d.b)-d.pos))
		return 0
	}
	return n
}

// string reads a string with a one-byte length.
func (d *decoder) string(what string) string {
	at := d.pos
	n := int(d.byte(what + " length"))
	if d.err != nil {
		return ""
	}
	if n > len(d.b)-d.pos {
		d.fail(at, fmt.Sprintf("%s: length %d is more than the %d bytes left", what, n, len(d.b)-d.pos))
		return ""
	}
	s := d.b[d.pos : d.pos+n]
	if !utf8.Valid(s) {
		d.fail(at, what+" is not valid UTF-8")
		return ""
	}
	d.pos += n
	return string(s)
}

func (d *decoder) typ(i int) Type {
	at := d.pos
	switch kind := d.byte("type kind"); kind {
	case byte(FunctionType):
		t := Type{Kind: FunctionType}
		n := d.shortCount("function arguments")
		t.Args = make([]Field, 0, n)
		for j := 0; j < n && d.err == nil; j++ {
			t.Args = append(t.Args, Field{Name: d.string("argument name"), Type: d.itype(0)})
		}
		n = d.shortCount("function outputs")
		t.Outputs = make([]IType, 0, n)
		for j := 0; j < n && d.err == nil; j++ {
			t.Outputs = append(t.Outputs, d.itype(0))
		}
		return t
	case byte(RecordType):
		t := Type{Kind: RecordType, Name: d.string("record name")}
		n := d.shortCount("record fields")
		t.Args = make([]Field, 0, n)
		for j := 0; j < n && d.err == nil; j++ {
			t.Args = append(t.Args, Field{Name: d.string("field name"), Type: d.itype(0)})
		}
		return t
	default:
		if d.err == nil {
			d.fail(at, fmt.Sprintf("type %d: unknown type kind 0x%02x", i, kind))
		}
		return Type{}
	}
}

func (d *decoder) itype(depth int) IType {
	at := d.pos
	c := d.byte("type code")
	if d.err != nil {
		return IType{}
	}
	if k, ok := scalarCodes[c]; ok {
		return IType{Kind: k}
	}
	switch c {
	case codeRecord:
		return IType{Kind: api.Record, Record: d.uleb("record type index")}
	case codeArray:
		if depth >= MaxTypeDepth {
			d.fail(at, fmt.Sprintf("array types nested deeper than %d", MaxTypeDepth))
			return IType{}
		}
		elem := d.itype(depth + 1)
		return IType{Kind: api.Array, Elem: &elem}
	}
	d.fail(at, fmt.Sprintf("unknown type code 0x%02x", c))
	return IType{}
}

func (d *decoder) instrs(adapter int) []Instr {
	n := d.shortCount("adapter instructions")
	out := make([]Instr, 0, n)
	for j := 0; j < n && d.err == nil; j++ {
		at := d.pos
		op := Opcode(d.byte("instruction"))
		if d.err != nil {
			break
		}
		in := Instr{Op: op}
		switch {
		case op == OpArgGet || op == OpCallCore || op == OpRecordLiftMemory || op == OpRecordLowerMemory ||
			op == OpI32Push || op == OpI64Push:
			in.Arg = d.uleb(op.String() + " operand")
		case op == OpArrayLiftMemory || op == OpArrayLowerMemory:
			elem := d.itype(0)
			in.Elem = &elem
		case op.Known():
		default:
			d.fail(at, fmt.Sprintf("adapter %d, instruction %d: unknown opcode 0x%02x", adapter, j, uint8(op)))
		}
		out = append(out, in)
	}
	return out
}
