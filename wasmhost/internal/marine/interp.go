package marine

import (
	"context"
	"errors"
	"fmt"

	wapi "github.com/tetratelabs/wazero/api"

	"github.com/aquanet/aquanet/wasmhost/api"
	"github.com/aquanet/aquanet/wasmhost/internal/it"
)

// instance is one linked module of a service: its wazero instance and its section.
type instance struct {
	name string
	sec  *it.Section
	fns  map[string]it.Function
	mod  wapi.Module
	core []wapi.Function // by IT export index, resolved at link time
	// alloc is the module's allocate, resolved once: wazero makes a new call engine, with
	// its stack, for every ExportedFunction.
	alloc   wapi.Function
	imports []linkedImport // by call-core index past the exports
}

// linkedImport is an IT import served by another module's exported function.
type linkedImport struct {
	callee *instance
	name   string
	sig    *it.Type // the IT signature: the import's type minus two (marine.md §2.3)
}

// guestError is a failure of the guest: a wazero call into it returned an error (a trap, the
// context ending, proc_exit, a host function that failed).
type guestError struct {
	module, fn string
	err        error
}

func (e *guestError) Error() string { return fmt.Sprintf("module %s, %s: %v", e.module, e.fn, e.err) }
func (e *guestError) Unwrap() error { return e.err }

// adapterError is an adapter that could not go on: a value of the wrong kind on the stack, a
// conversion out of range, memory the guest pointed out of, a bad index.
type adapterError struct {
	module, fn string
	at         int
	instr      it.Instr
	err        error
}

func (e *adapterError) Error() string {
	return fmt.Sprintf("module %s, adapter of %s, instruction %d (%s): %v", e.module, e.fn, e.at, e.instr, e.err)
}
func (e *adapterError) Unwrap() error { return e.err }

// hostError is a host function that failed the guest's call: the guest stops there, as on a
// trap.
type hostError struct {
	fn  string
	err error
}

func (e *hostError) Error() string { return fmt.Sprintf("host function %s: %v", e.fn, e.err) }
func (e *hostError) Unwrap() error { return e.err }

// hostCause strips wazero's wrapping ("recovered by wazero", the Wasm stack trace) off a host
// function's error.
func hostCause(err error) error {
	var he *hostError
	if errors.As(err, &he) {
		return he
	}
	return err
}

// failure passes on an error that is already a guest or adapter failure of an inner call (a
// module this one imports from), so that the module that failed is the one named.
func failure(err error) (error, bool) {
	var ge *guestError
	var ae *adapterError
	switch {
	case errors.As(err, &ge):
		return ge, true
	case errors.As(err, &ae):
		return ae, true
	}
	return nil, false
}

// call runs the adapter of the exported function name with IT arguments.
func (in *instance) call(ctx context.Context, name string, args []ival) ([]ival, error) {
	f, ok := in.fns[name]
	if !ok {
		return nil, fmt.Errorf("module %s exports no function %q", in.name, name)
	}
	sig := &in.sec.Types[f.Type]
	if len(args) != len(sig.Args) {
		return nil, fmt.Errorf("module %s: %s takes %d arguments, got %d", in.name, name, len(sig.Args), len(args))
	}
	return in.run(ctx, name, &in.sec.Adapters[f.Adapter], args)
}

// run interprets an adapter; what is left on the stack is the result.
func (in *instance) run(ctx context.Context, fn string, ad *it.Adapter, args []ival) ([]ival, error) {
	st := &stack{}
	for pc, ins := range ad.Instrs {
		if err := in.step(ctx, st, ins, args); err != nil {
			if f, ok := failure(err); ok {
				return nil, f
			}
			return nil, &adapterError{module: in.name, fn: fn, at: pc, instr: ins, err: err}
		}
	}
	return st.v, nil
}

type stack struct{ v []ival }

func (s *stack) push(v ...ival) { s.v = append(s.v, v...) }

// pop removes n values and returns them in push order.
func (s *stack) pop(n int) ([]ival, error) {
	if len(s.v) < n {
		return nil, fmt.Errorf("needs %d values on the stack, has %d", n, len(s.v))
	}
	out := append([]ival(nil), s.v[len(s.v)-n:]...)
	s.v = s.v[:len(s.v)-n]
	return out, nil
}

func (s *stack) pop1(k api.Kind) (ival, error) {
	v, err := s.pop(1)
	if err != nil {
		return ival{}, err
	}
	if v[0].kind != k {
		return ival{}, fmt.Errorf("expects %s on the stack, got %s", api.Type{Kind: k}, v[0])
	}
	return v[0], nil
}

// popPointer pops a (pointer, count) pair of i32s.
func (s *stack) popPointer() (ptr, n uint32, err error) {
	n32, err := s.pop1(api.I32)
	if err != nil {
		return 0, 0, err
	}
	p32, err := s.pop1(api.I32)
	if err != nil {
		return 0, 0, err
	}
	return uint32(p32.n), uint32(n32.n), nil
}

func (in *instance) lifter() *lifter { return &lifter{mem: in.mod.Memory(), types: in.sec.Types} }

func (in *instance) lowerer(ctx context.Context) (*lowerer, error) {
	if in.alloc == nil {
		if in.alloc = in.mod.ExportedFunction("allocate"); in.alloc == nil {
			return nil, fmt.Errorf("module %s exports no allocate function", in.name)
		}
	}
	return &lowerer{ctx: ctx, mod: in.mod, alloc: in.alloc, types: in.sec.Types}, nil
}

func (in *instance) step(ctx context.Context, st *stack, ins it.Instr, args []ival) error {
	if from, to, ok := ins.Op.Conversion(); ok {
		v, err := st.pop1(from)
		if err != nil {
			return err
		}
		c, err := convert(v, to)
		if err != nil {
			return err
		}
		st.push(c)
		return nil
	}
	switch ins.Op {
	case it.OpArgGet:
		if ins.Arg >= uint64(len(args)) {
			return fmt.Errorf("argument %d of %d", ins.Arg, len(args))
		}
		st.push(args[ins.Arg])
	case it.OpCallCore:
		return in.callCore(ctx, st, ins.Arg)
	case it.OpI32Push:
		st.push(i32(int32(ins.Arg)))
	case it.OpI64Push:
		st.push(i64(int64(ins.Arg)))
	case it.OpDup:
		if len(st.v) == 0 {
			return errors.New("the stack is empty")
		}
		st.push(st.v[len(st.v)-1])
	case it.OpSwap2:
		v, err := st.pop(2)
		if err != nil {
			return err
		}
		st.push(v[1], v[0])
	case it.OpBoolFromI32:
		v, err := st.pop1(api.I32)
		if err != nil {
			return err
		}
		st.push(ival{kind: api.Bool, n: b2u(int32(v.n) != 0)})
	case it.OpI32FromBool:
		v, err := st.pop1(api.Bool)
		if err != nil {
			return err
		}
		st.push(i32(int32(v.n)))
	case it.OpStringSize:
		v, err := st.pop1(api.String)
		if err != nil {
			return err
		}
		st.push(i32(int32(len(v.s))))
	case it.OpByteArraySize:
		v, err := st.pop(1)
		if err != nil {
			return err
		}
		b, ok := bytesOf(v[0])
		if !ok {
			return fmt.Errorf("expects a byte array on the stack, got %s", v[0])
		}
		st.push(i32(int32(len(b))))
	case it.OpStringLiftMemory, it.OpByteArrayLiftMemory:
		ptr, n, err := st.popPointer()
		if err != nil {
			return err
		}
		var v ival
		if ins.Op == it.OpStringLiftMemory {
			v, err = in.lifter().liftString(ptr, n)
		} else {
			v, err = in.lifter().liftBytes(ptr, n)
		}
		if err != nil {
			return err
		}
		st.push(v)
	case it.OpStringLowerMemory, it.OpByteArrayLowerMemory:
		v, err := st.pop(2)
		if err != nil {
			return err
		}
		if v[0].kind != api.I32 {
			return fmt.Errorf("expects an i32 pointer under the value, got %s", v[0])
		}
		var b []byte
		ok := true
		if ins.Op == it.OpStringLowerMemory {
			if v[1].kind != api.String {
				return fmt.Errorf("expects a string on the stack, got %s", v[1])
			}
			b = []byte(v[1].s)
		} else if b, ok = bytesOf(v[1]); !ok {
			return fmt.Errorf("expects a byte array on the stack, got %s", v[1])
		}
		w, err := in.lowerer(ctx)
		if err != nil {
			return err
		}
		ptr := uint32(v[0].n)
		if err := w.write(ptr, b); err != nil {
			return err
		}
		st.push(i32(int32(ptr)), i32(int32(len(b))))
	case it.OpArrayLiftMemory:
		ptr, n, err := st.popPointer()
		if err != nil {
			return err
		}
		if err := in.sec.CheckType(*ins.Elem); err != nil {
			return err
		}
		v, err := in.lifter().liftArray(*ins.Elem, ptr, n, 0)
		if err != nil {
			return err
		}
		st.push(v)
	case it.OpArrayLowerMemory:
		v, err := st.pop(1)
		if err != nil {
			return err
		}
		if err := in.sec.CheckType(*ins.Elem); err != nil {
			return err
		}
		w, err := in.lowerer(ctx)
		if err != nil {
			return err
		}
		ptr, n, err := w.lowerArray(*ins.Elem, v[0])
		if err != nil {
			return err
		}
		st.push(i32(int32(ptr)), i32(int32(n)))
	case it.OpRecordLiftMemory:
		if _, err := in.sec.RecordAt(ins.Arg); err != nil {
			return err
		}
		if err := in.sec.CheckType(it.IType{Kind: api.Record, Record: ins.Arg}); err != nil {
			return err
		}
		p, err := st.pop1(api.I32)
		if err != nil {
			return err
		}
		v, err := in.lifter().liftRecord(ins.Arg, uint32(p.n), 0)
		if err != nil {
			return err
		}
		st.push(v)
	case it.OpRecordLowerMemory:
		if err := in.sec.CheckType(it.IType{Kind: api.Record, Record: ins.Arg}); err != nil {
			return err
		}
		if _, err := in.sec.RecordAt(ins.Arg); err != nil {
			return err
		}
		v, err := st.pop(1)
		if err != nil {
			return err
		}
		w, err := in.lowerer(ctx)
		if err != nil {
			return err
		}
		ptr, err := w.lowerRecord(ins.Arg, v[0])
		if err != nil {
			return err
		}
		st.push(i32(int32(ptr)))
	default:
		return fmt.Errorf("unsupported instruction")
	}
	return nil
}

// callCore calls function i: an export of this module's core (called with the core arity,
// which for allocate is two while its IT type says one), or past the exports an IT import,
// which runs the other module's adapter.
func (in *instance) callCore(ctx context.Context, st *stack, i uint64) error {
	if i < uint64(len(in.core)) {
		f := in.core[i]
		def := f.Definition()
		vals, err := st.pop(len(def.ParamTypes()))
		if err != nil {
			return err
		}
		params := make([]uint64, len(vals))
		for j, v := range vals {
			if params[j], err = toCore(def.ParamTypes()[j], v); err != nil {
				return fmt.Errorf("argument %d of %s: %w", j, def.Name(), err)
			}
		}
		res, err := f.Call(ctx, params...)
		if err != nil {
			if f, ok := failure(err); ok {
				return f
			}
			return &guestError{module: in.name, fn: in.sec.Exports[i].Name, err: hostCause(err)}
		}
		for j, r := range res {
			st.push(fromCore(def.ResultTypes()[j], r))
		}
		return nil
	}
	k := i - uint64(len(in.core))
	if k >= uint64(len(in.imports)) {
		return fmt.Errorf("function index %d is past the %d exports and %d imports", i, len(in.core), len(in.imports))
	}
	im := in.imports[k]
	vals, err := st.pop(len(im.sig.Args))
	if err != nil {
		return err
	}
	out, err := im.callee.call(ctx, im.name, vals)
	if err != nil {
		return err
	}
	st.push(out...)
	return nil
}

// toCore converts a stack value to a core argument of type t; the kinds must agree.
func toCore(t wapi.ValueType, v ival) (uint64, error) {
	want := coreKind(t)
	if v.kind != want {
		return 0, fmt.Errorf("%s given for a %s", v, api.Type{Kind: want})
	}
	if t == wapi.ValueTypeI32 || t == wapi.ValueTypeF32 {
		return uint64(uint32(v.n)), nil
	}
	return v.n, nil
}

func fromCore(t wapi.ValueType, r uint64) ival {
	switch t {
	case wapi.ValueTypeI32:
		return i32(int32(uint32(r)))
	case wapi.ValueTypeF32:
		return ival{kind: api.F32, n: uint64(uint32(r))}
	case wapi.ValueTypeF64:
		return ival{kind: api.F64, n: r}
	}
	return i64(int64(r))
}

func coreKind(t wapi.ValueType) api.Kind {
	switch t {
	case wapi.ValueTypeI32:
		return api.I32
	case wapi.ValueTypeI64:
		return api.I64
	case wapi.ValueTypeF32:
		return api.F32
	case wapi.ValueTypeF64:
		return api.F64
	}
	return 0
}
