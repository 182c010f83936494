package it

import (
	"fmt"

	"github.com/aquanet/aquanet/wasmhost/api"
)

// Opcode is an adapter instruction's code in the section.
type Opcode uint8

// The instructions Marine-built modules use (interface-types 0.20–0.27). The integer
// conversions 0x02–0x21 are described by [Conversion].
const (
	OpArgGet               Opcode = 0x00 // push argument Arg
	OpCallCore             Opcode = 0x01 // call function Arg (an export, or an import past them)
	OpStringLiftMemory     Opcode = 0x22 // pop ptr, len; push the string read there
	OpStringLowerMemory    Opcode = 0x23 // pop ptr, string; write it at ptr; push ptr, len
	OpStringSize           Opcode = 0x24 // pop string; push its byte length
	OpDup                  Opcode = 0x34 // push a copy of the top
	OpSwap2                Opcode = 0x35 // swap the two topmost values
	OpArrayLiftMemory      Opcode = 0x37 // pop ptr, count; push the array of Elem read there
	OpArrayLowerMemory     Opcode = 0x38 // pop array; write it to a new buffer; push ptr, count
	OpRecordLiftMemory     Opcode = 0x3A // pop ptr; push the record of type Arg read there
	OpRecordLowerMemory    Opcode = 0x3B // pop record; write it to a new buffer; push ptr
	OpBoolFromI32          Opcode = 0x3E
	OpI32FromBool          Opcode = 0x3F
	OpI32Push              Opcode = 0x40 // push Arg as an i32
	OpI64Push              Opcode = 0x41 // push Arg as an i64
	OpByteArrayLiftMemory  Opcode = 0x43 // as string.lift_memory, for bytes
	OpByteArrayLowerMemory Opcode = 0x44 // as string.lower_memory, for bytes
	OpByteArraySize        Opcode = 0x45 // as string.size, for bytes
)

const (
	firstConversion Opcode = 0x02
	lastConversion  Opcode = 0x21
)

// conversions lists the integer conversions in opcode order, from 0x02.
var conversions = [...]struct {
	name     string
	from, to api.Kind
}{
	{"s8.from_i32", api.I32, api.S8}, {"s8.from_i64", api.I64, api.S8},
	{"s16.from_i32", api.I32, api.S16}, {"s16.from_i64", api.I64, api.S16},
	{"s32.from_i32", api.I32, api.S32}, {"s32.from_i64", api.I64, api.S32},
	{"s64.from_i32", api.I32, api.S64}, {"s64.from_i64", api.I64, api.S64},
	{"i32.from_s8", api.S8, api.I32}, {"i32.from_s16", api.S16, api.I32},
	{"i32.from_s32", api.S32, api.I32}, {"i32.from_s64", api.S64, api.I32},
	{"i64.from_s8", api.S8, api.I64}, {"i64.from_s16", api.S16, api.I64},
	{"i64.from_s32", api.S32, api.I64}, {"i64.from_s64", api.S64, api.I64},
	{"u8.from_i32", api.I32, api.U8}, {"u8.from_i64", api.I64, api.U8},
	{"u16.from_i32", api.I32, api.U16}, {"u16.from_i64", api.I64, api.U16},
	{"u32.from_i32", api.I32, api.U32}, {"u32.from_i64", api.I64, api.U32},
	{"u64.from_i32", api.I32, api.U64}, {"u64.from_i64", api.I64, api.U64},
	{"i32.from_u8", api.U8, api.I32}, {"i32.from_u16", api.U16, api.I32},
	{"i32.from_u32", api.U32, api.I32}, {"i32.from_u64", api.U64, api.I32},
	{"i64.from_u8", api.U8, api.I64}, {"i64.from_u16", api.U16, api.I64},
	{"i64.from_u32", api.U32, api.I64}, {"i64.from_u64", api.U64, api.I64},
}

// Conversion reports whether op is one of the integer conversions, and if so the kind it pops
// and the kind it pushes.
func (op Opcode) Conversion() (from, to api.Kind, ok bool) {
	if op < firstConversion || op > lastConversion {
		return 0, 0, false
	}
	c := conversions[op-firstConversion]
	return c.from, c.to, true
}

var opNames = map[Opcode]string{
	OpArgGet: "arg.get", OpCallCore: "call-core", OpStringLiftMemory: "string.lift_memory",
	OpStringLowerMemory: "string.lower_memory", OpStringSize: "string.size", OpDup: "dup",
	OpSwap2: "swap2", OpArrayLiftMemory: "array.lift_memory", OpArrayLowerMemory: "array.lower_memory",
	OpRecordLiftMemory: "record.lift_memory", OpRecordLowerMemory: "record.lower_memory",
	OpBoolFromI32: "bool.from_i32", OpI32FromBool: "i32.from_bool", OpI32Push: "i32.push",
	OpI64Push: "i64.push", OpByteArrayLiftMemory: "byte_array.lift_memory",
	OpByteArrayLowerMemory: "byte_array.lower_memory", OpByteArraySize: "byte_array.size",
}

// Known reports whether op is an instruction this package decodes.
func (op Opcode) Known() bool {
	_, _, conv := op.Conversion()
	_, named := opNames[op]
	return conv || named
}

// String is the instruction's name as the interface-types text format writes it.
func (op Opcode) String() string {
	if _, _, ok := op.Conversion(); ok {
		return conversions[op-firstConversion].name
	}
	if n, ok := opNames[op]; ok {
		return n
	}
	return fmt.Sprintf("opcode 0x%02x", uint8(op))
}

// String is the instruction as text: "arg.get 0", "array.lift_memory []u8", "dup".
func (in Instr) String() string {
	switch in.Op {
	case OpArgGet, OpCallCore, OpRecordLiftMemory, OpRecordLowerMemory, OpI32Push, OpI64Push:
		return fmt.Sprintf("%s %d", in.Op, in.Arg)
	case OpArrayLiftMemory, OpArrayLowerMemory:
		if in.Elem != nil {
			return in.Op.String() + " " + in.Elem.String()
		}
	}
	return in.Op.String()
}

// String is the type as text; a record is named by its type index ("record 3").
func (t IType) String() string {
	switch t.Kind {
	case api.Array:
		if t.Elem == nil {
			return "[]?"
		}
		return "[]" + t.Elem.String()
	case api.Record:
		return fmt.Sprintf("record %d", t.Record)
	}
	return api.Type{Kind: t.Kind}.String()
}
