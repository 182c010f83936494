// Package it reads the interface-types custom section of a module built for Fluence's Marine
// (marine-rs-sdk 0.6–0.14, interface-types 0.20–0.27) and derives from it the functions and
// records the module exports.
//
// The section (written by `marine build`, see /work/shared/reference/marine.md §2.2) declares
// types (function signatures and records), imports from other modules, adapters (small stack
// programs that move values between the interface types and the core Wasm ABI), exports and
// implementations (which adapter serves which core function). [Decode] only reads it; the
// adapters run in package marine.
//
// Decoding is bounded: every count and length is checked against the bytes that remain and
// against fixed limits before anything is allocated, so a hostile section costs at most a few
// times its own size. Errors are *[DecodeError]s that name what was wrong and at which byte.
package it

import (
	"fmt"

	"github.com/aquanet/aquanet/wasmhost/api"
)

// SectionName is the name of the custom section Marine reads.
const SectionName = "interface-types"

// Limits of Decode. Real sections are a few kilobytes (AquaVM's is under 2 KB); the limits are
// far above that and only keep hostile input cheap.
const (
	// MaxSectionSize is the largest section Decode accepts, in bytes.
	MaxSectionSize = 4 << 20
	// MaxItems is the largest count of a top-level list (types, imports, adapters, exports,
	// implementations).
	MaxItems = 1 << 16
	// MaxTypeDepth is the deepest nesting of array types ([][][]u8 is depth 3).
	MaxTypeDepth = 32
)

// IType is an interface type: a scalar, a string, a byte array, an array of Elem, or the record
// at type index Record.
type IType struct {
	Kind   api.Kind // never api.JSON
	Elem   *IType   // for api.Array
	Record uint64   // for api.Record: an index into Section.Types
}

// TypeKind tells a function type from a record type.
type TypeKind uint8

// The kinds of Section.Types items, with their codes in the section.
const (
	FunctionType TypeKind = 0
	RecordType   TypeKind = 1
)

// Field is a named, typed function argument or record field.
type Field struct {
	Name string
	Type IType
}

// Type is an item of the types list: a function signature (Args, Outputs) or a record (Name,
// Fields in Args).
type Type struct {
	Kind    TypeKind
	Name    string  // records only
	Args    []Field // function arguments, or record fields
	Outputs []IType // functions only
}

// Import is a function the module imports from another module (Marine links it to that
// module's export of the same name). Type is an index into Section.Types.
type Import struct {
	Namespace string
	Name      string
	Type      uint64
}

// Adapter is the program that serves functions of type Type.
type Adapter struct {
	Type   uint64
	Instrs []Instr
}

// Export is a name the module exports under the function type Type.
type Export struct {
	Name string
	Type uint64
}

// Implementation says that core functions of type CoreType are served by the adapter of type
// AdapterType.
type Implementation struct {
	CoreType    uint64
	AdapterType uint64
}

// Instr is one adapter instruction. Arg is the operand of arg.get (argument index), call-core
// (function index), record.lift_memory and record.lower_memory (type index), i32.push and
// i64.push (the value, as read). Elem is the element type of array.lift_memory and
// array.lower_memory.
type Instr struct {
	Op   Opcode
	Arg  uint64
	Elem *IType
}

// Section is a decoded interface-types section.
type Section struct {
	Version         string
	Types           []Type
	Imports         []Import
	Adapters        []Adapter
	Exports         []Export
	Implementations []Implementation
}

// DecodeError is a malformed section: what was wrong and the byte offset in the section where
// it was found.
type DecodeError struct {
	Offset int
	What   string
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("interface-types section: at byte %d: %s", e.Offset, e.What)
}
