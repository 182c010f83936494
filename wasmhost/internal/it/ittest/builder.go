package ittest

import (
	"github.com/aquanet/aquanet/wasmhost/api"
	"github.com/aquanet/aquanet/wasmhost/internal/it"
)

// The call-core indices of Marine's fixed API: exports 0–5 of every section it-generator writes.
const (
	CoreAllocate       = 0
	CoreReleaseObjects = 1
	CoreGetResultSize  = 2
	CoreGetResultPtr   = 3
	CoreSetResultSize  = 4
	CoreSetResultPtr   = 5
	fixedExports       = 6
)

// Builder lays out a section the way `marine build` does (marine.md §2.2): the fixed API as
// types and exports 0–5, then the records, then two types, an export, an adapter and an
// implementation per exported function, then three types, two imports, an adapter and an
// implementation per imported function.
type Builder struct {
	Version string
	records []it.Type
	exports []fn
	imports []fn
}

type fn struct {
	namespace, name string
	args            []it.Field
	outputs         []it.IType
}

// NewBuilder starts a section of the given IT version ("0.27.0").
func NewBuilder(version string) *Builder { return &Builder{Version: version} }

// Record declares a record and returns its type. Declare every record before building.
func (b *Builder) Record(name string, fields ...it.Field) it.IType {
	b.records = append(b.records, it.Type{Kind: it.RecordType, Name: name, Args: fields})
	return it.IType{Kind: api.Record, Record: uint64(fixedExports + len(b.records) - 1)}
}

// Export declares an exported function.
func (b *Builder) Export(name string, args []it.Field, outputs ...it.IType) {
	b.exports = append(b.exports, fn{name: name, args: args, outputs: outputs})
}

// Import declares a function imported from module namespace.
func (b *Builder) Import(namespace, name string, args []it.Field, outputs ...it.IType) {
	b.imports = append(b.imports, fn{namespace: namespace, name: name, args: args, outputs: outputs})
}

// T is a shorthand for a scalar, string or byte-array type.
func T(k api.Kind) it.IType { return it.IType{Kind: k} }

// ArrayOf is the type of an array of elem.
func ArrayOf(elem it.IType) it.IType { return it.IType{Kind: api.Array, Elem: &elem} }

// F is a shorthand for a field.
func F(name string, t it.IType) it.Field { return it.Field{Name: name, Type: t} }

// Bytes builds and encodes the section.
func (b *Builder) Bytes() []byte { return Encode(b.Section()) }

// Section builds the section.
func (b *Builder) Section() *it.Section {
	i32 := T(api.I32)
	s := &it.Section{Version: b.Version}
	fixed := []struct {
		name    string
		args    []it.Field
		outputs []it.IType
	}{
		{"allocate", []it.Field{F("size", i32)}, []it.IType{i32}}, // NB: the core export takes two
		{"release_objects", nil, nil},
		{"get_result_size", nil, []it.IType{i32}},
		{"get_result_ptr", nil, []it.IType{i32}},
		{"set_result_size", []it.Field{F("result_size", i32)}, nil},
		{"set_result_ptr", []it.Field{F("result_ptr", i32)}, nil},
	}
	for i, f := range fixed {
		s.Types = append(s.Types, it.Type{Kind: it.FunctionType, Args: f.args, Outputs: f.outputs})
		s.Exports = append(s.Exports, it.Export{Name: f.name, Type: uint64(i)})
	}
	s.Types = append(s.Types, b.records...)
	for _, e := range b.exports {
		sig := it.Type{Kind: it.FunctionType, Args: e.args, Outputs: e.outputs}
		adapterType := uint64(len(s.Types))
		s.Types = append(s.Types, sig, sig)
		s.Exports = append(s.Exports, it.Export{Name: e.name, Type: adapterType + 1})
		s.Implementations = append(s.Implementations, it.Implementation{CoreType: adapterType + 1, AdapterType: adapterType})
	}
	// The adapters come after the exports are counted: a call-core index past them is an import.
	for i, e := range b.exports {
		s.Adapters = append(s.Adapters, it.Adapter{
			Type:   uint64(fixedExports+len(b.records)) + 2*uint64(i),
			Instrs: exportAdapter(e, fixedExports+i),
		})
	}
	for k, im := range b.imports {
		sigType := uint64(len(s.Types))
		raw := rawSignature(im)
		s.Types = append(s.Types, it.Type{Kind: it.FunctionType, Args: im.args, Outputs: im.outputs}, raw, raw)
		s.Imports = append(s.Imports,
			it.Import{Namespace: im.namespace, Name: im.name, Type: sigType},
			it.Import{Namespace: im.namespace, Name: im.name, Type: sigType + 2})
		s.Adapters = append(s.Adapters, it.Adapter{Type: sigType + 1, Instrs: importAdapter(im, len(s.Exports)+k)})
		s.Implementations = append(s.Implementations, it.Implementation{CoreType: sigType + 2, AdapterType: sigType + 1})
	}
	return s
}

// lowerOps converts an IT scalar to its core value; liftOps the other way.
var lowerOps = map[api.Kind]it.Opcode{
	api.S8: 0x0a, api.S16: 0x0b, api.S32: 0x0c, api.S64: 0x11,
	api.U8: 0x1a, api.U16: 0x1b, api.U32: 0x1c, api.U64: 0x21, api.Bool: it.OpI32FromBool,
}
var liftOps = map[api.Kind]it.Opcode{
	api.S8: 0x02, api.S16: 0x04, api.S32: 0x06, api.S64: 0x09,
	api.U8: 0x12, api.U16: 0x14, api.U32: 0x16, api.U64: 0x19, api.Bool: it.OpBoolFromI32,
}

func op(o it.Opcode) it.Instr                { return it.Instr{Op: o} }
func opArg(o it.Opcode, arg uint64) it.Instr { return it.Instr{Op: o, Arg: arg} }
func opElem(o it.Opcode, t it.IType) it.Instr {
	return it.Instr{Op: o, Elem: &t}
}

// exportAdapter lowers the IT arguments into the module, calls the core export and lifts the
// result, releasing the module's result objects.
func exportAdapter(f fn, coreIndex int) []it.Instr {
	var ins []it.Instr
	for i, a := range f.args {
		arg := opArg(it.OpArgGet, uint64(i))
		switch a.Type.Kind {
		case api.String:
			ins = append(ins, arg, op(it.OpStringSize), opArg(it.OpI32Push, 1), opArg(it.OpCallCore, CoreAllocate),
				arg, op(it.OpStringLowerMemory))
		case api.ByteArray:
			ins = append(ins, arg, opElem(it.OpArrayLowerMemory, T(api.U8)))
		case api.Array:
			ins = append(ins, arg, opElem(it.OpArrayLowerMemory, *a.Type.Elem))
		case api.Record:
			ins = append(ins, arg, opArg(it.OpRecordLowerMemory, a.Type.Record))
		default:
			ins = append(ins, arg)
			if o, ok := lowerOps[a.Type.Kind]; ok {
				ins = append(ins, op(o))
			}
		}
	}
	ins = append(ins, opArg(it.OpCallCore, uint64(coreIndex)))
	for _, o := range f.outputs {
		switch o.Kind {
		case api.String:
			ins = append(ins, opArg(it.OpCallCore, CoreGetResultPtr), opArg(it.OpCallCore, CoreGetResultSize),
				op(it.OpStringLiftMemory), opArg(it.OpCallCore, CoreReleaseObjects))
		case api.ByteArray:
			ins = append(ins, opArg(it.OpCallCore, CoreGetResultPtr), opArg(it.OpCallCore, CoreGetResultSize),
				op(it.OpByteArrayLiftMemory), opArg(it.OpCallCore, CoreReleaseObjects))
		case api.Array:
			ins = append(ins, opArg(it.OpCallCore, CoreGetResultPtr), opArg(it.OpCallCore, CoreGetResultSize),
				opElem(it.OpArrayLiftMemory, *o.Elem), opArg(it.OpCallCore, CoreReleaseObjects))
		case api.Record:
			ins = append(ins, opArg(it.OpCallCore, CoreGetResultPtr), opArg(it.OpRecordLiftMemory, o.Record),
				opArg(it.OpCallCore, CoreReleaseObjects))
		default:
			if l, ok := liftOps[o.Kind]; ok {
				ins = append(ins, op(l))
			}
		}
	}
	return ins
}

// importAdapter lifts the raw arguments from the caller's memory, calls the imported function
// and lowers its result into the caller's memory, setting the caller's result pointer and size.
func importAdapter(f fn, callIndex int) []it.Instr {
	var ins []it.Instr
	k := uint64(0)
	for _, a := range f.args {
		switch a.Type.Kind {
		case api.String:
			ins = append(ins, opArg(it.OpArgGet, k), opArg(it.OpArgGet, k+1), op(it.OpStringLiftMemory))
			k += 2
		case api.ByteArray:
			ins = append(ins, opArg(it.OpArgGet, k), opArg(it.OpArgGet, k+1), op(it.OpByteArrayLiftMemory))
			k += 2
		case api.Array:
			ins = append(ins, opArg(it.OpArgGet, k), opArg(it.OpArgGet, k+1), opElem(it.OpArrayLiftMemory, *a.Type.Elem))
			k += 2
		case api.Record:
			ins = append(ins, opArg(it.OpArgGet, k), opArg(it.OpRecordLiftMemory, a.Type.Record))
			k++
		default:
			ins = append(ins, opArg(it.OpArgGet, k))
			if l, ok := liftOps[a.Type.Kind]; ok {
				ins = append(ins, op(l))
			}
			k++
		}
	}
	ins = append(ins, opArg(it.OpCallCore, uint64(callIndex)))
	for _, o := range f.outputs {
		switch o.Kind {
		case api.String:
			ins = append(ins, op(it.OpDup), op(it.OpStringSize), opArg(it.OpI32Push, 1), opArg(it.OpCallCore, CoreAllocate),
				op(it.OpSwap2), op(it.OpStringLowerMemory),
				opArg(it.OpCallCore, CoreSetResultSize), opArg(it.OpCallCore, CoreSetResultPtr))
		case api.ByteArray:
			ins = append(ins, opElem(it.OpArrayLowerMemory, T(api.U8)),
				opArg(it.OpCallCore, CoreSetResultSize), opArg(it.OpCallCore, CoreSetResultPtr))
		case api.Array:
			ins = append(ins, opElem(it.OpArrayLowerMemory, *o.Elem),
				opArg(it.OpCallCore, CoreSetResultSize), opArg(it.OpCallCore, CoreSetResultPtr))
		case api.Record:
			ins = append(ins, opArg(it.OpRecordLowerMemory, o.Record), opArg(it.OpCallCore, CoreSetResultPtr))
		default:
			if l, ok := lowerOps[o.Kind]; ok {
				ins = append(ins, op(l))
			}
		}
	}
	return ins
}

// rawSignature is the core signature of an imported function, in IT core types.
func rawSignature(f fn) it.Type {
	t := it.Type{Kind: it.FunctionType}
	for _, a := range f.args {
		for _, c := range coreTypes(a.Type) {
			t.Args = append(t.Args, F(a.Name, c))
		}
	}
	for _, o := range f.outputs {
		switch o.Kind {
		case api.String, api.ByteArray, api.Array, api.Record:
		default:
			t.Outputs = append(t.Outputs, coreTypes(o)...)
		}
	}
	return t
}

func coreTypes(t it.IType) []it.IType {
	switch t.Kind {
	case api.String, api.ByteArray, api.Array:
		return []it.IType{T(api.I32), T(api.I32)}
	case api.S64, api.U64, api.I64:
		return []it.IType{T(api.I64)}
	case api.F32, api.F64:
		return []it.IType{t}
	}
	return []it.IType{T(api.I32)}
}
