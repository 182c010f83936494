package marine

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unicode/utf8"

	wapi "github.com/tetratelabs/wazero/api"

	"github.com/aquanet/aquanet/wasmhost/api"
	"github.com/aquanet/aquanet/wasmhost/internal/it"
)

// Values in a module's memory (it-lilo's layout, marine.md §2.3): records packed, unaligned,
// little-endian; a string, byte array or array is a (u32 pointer, u32 count) pair, a nested
// record a u32 pointer; every buffer comes from the module's own allocate(size, type tag).

// Lifting reads what the guest wrote, so it is bounded: by the memory's size for every single
// read, and in total by these budgets (pointers may point at each other, so that a small
// memory could otherwise describe a huge value).
const (
	maxLiftBytes  = 256 << 20
	maxLiftValues = 1 << 22
	maxLiftDepth  = 128
)

// size is the number of bytes a value of type t takes inside a record or array.
func size(t it.IType) uint32 {
	switch t.Kind {
	case api.Bool, api.S8, api.U8:
		return 1
	case api.S16, api.U16:
		return 2
	case api.S32, api.U32, api.I32, api.F32:
		return 4
	case api.S64, api.U64, api.I64, api.F64:
		return 8
	case api.String, api.ByteArray, api.Array:
		return 8
	case api.Record:
		return 4
	}
	return 0
}

// typeTag is the element tag allocate takes: the SDK allocates a Vec of that element type.
func typeTag(t it.IType) int32 {
	switch t.Kind {
	case api.Bool:
		return 0
	case api.U8:
		return 1
	case api.U16:
		return 2
	case api.U32:
		return 3
	case api.U64:
		return 4
	case api.S8:
		return 5
	case api.S16:
		return 6
	case api.S32, api.I32:
		return 7
	case api.S64, api.I64:
		return 8
	case api.F32:
		return 9
	case api.F64:
		return 10
	}
	return 3 // pointer-like elements: strings, arrays, records
}

const tagU8 = 1

var errLiftBudget = errors.New("the value is over the lifting budget (pointer cycles, or too large)")

// lifter reads values out of one module's memory.
type lifter struct {
	mem    wapi.Memory
	types  []it.Type
	bytes  int
	values int
}

func (l *lifter) read(ptr, n uint32) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	l.bytes += int(n)
	if l.bytes > maxLiftBytes {
		return nil, errLiftBudget
	}
	b, ok := l.mem.Read(ptr, n)
	if !ok {
		return nil, fmt.Errorf("reading %d bytes at %d: out of the memory's %d bytes", n, ptr, l.mem.Size())
	}
	return append([]byte(nil), b...), nil // Read returns a view of the memory, which the guest reuses
}

func (l *lifter) count() error {
	l.values++
	if l.values > maxLiftValues {
		return errLiftBudget
	}
	return nil
}

func (l *lifter) liftString(ptr, n uint32) (ival, error) {
	b, err := l.read(ptr, n)
	if err != nil {
		return ival{}, err
	}
	if !utf8.Valid(b) {
		return ival{}, fmt.Errorf("the string at %d is not valid UTF-8", ptr)
	}
	return ival{kind: api.String, s: string(b)}, nil
}

func (l *lifter) liftBytes(ptr, n uint32) (ival, error) {
	b, err := l.read(ptr, n)
	if err != nil {
		return ival{}, err
	}
	return ival{kind: api.ByteArray, b: b}, nil
}

// liftArray reads n elements of type elem at ptr. An array of u8 becomes a byte array.
func (l *lifter) liftArray(elem it.IType, ptr, n uint32, depth int) (ival, error) {
	if elem.Kind == api.U8 {
		return l.liftBytes(ptr, n)
	}
	if n == 0 {
		return ival{kind: api.Array, elems: []ival{}}, nil
	}
	sz := uint64(size(elem))
	if uint64(ptr)+uint64(n)*sz > uint64(l.mem.Size()) {
		return ival{}, fmt.Errorf("an array of %d elements of %d bytes at %d is out of the memory's %d bytes", n, sz, ptr, l.mem.Size())
	}
	if l.values+int(n) > maxLiftValues {
		return ival{}, errLiftBudget
	}
	raw, err := l.read(ptr, uint32(uint64(n)*sz))
	if err != nil {
		return ival{}, err
	}
	elems := make([]ival, n)
	for i := range elems {
		if elems[i], err = l.liftField(elem, raw[uint64(i)*sz:], depth+1); err != nil {
			return ival{}, err
		}
	}
	return ival{kind: api.Array, elems: elems}, nil
}

// liftRecord reads the record of type index rec at ptr.
func (l *lifter) liftRecord(rec uint64, ptr uint32, depth int) (ival, error) {
	if depth > maxLiftDepth {
		return ival{}, fmt.Errorf("records nested deeper than %d", maxLiftDepth)
	}
	r := &l.types[rec]
	var total uint32
	for _, f := range r.Args {
		total += size(f.Type)
	}
	raw, err := l.read(ptr, total)
	if err != nil {
		return ival{}, err
	}
	fields := make([]ival, len(r.Args))
	off := uint32(0)
	for i, f := range r.Args {
		if fields[i], err = l.liftField(f.Type, raw[off:], depth+1); err != nil {
			return ival{}, fmt.Errorf("field %s of %s: %w", f.Name, r.Name, err)
		}
		off += size(f.Type)
	}
	return ival{kind: api.Record, elems: fields}, nil
}

// liftField reads a value of type t from its bytes inside a record or array.
func (l *lifter) liftField(t it.IType, b []byte, depth int) (ival, error) {
	if err := l.count(); err != nil {
		return ival{}, err
	}
	if depth > maxLiftDepth {
		return ival{}, fmt.Errorf("values nested deeper than %d", maxLiftDepth)
	}
	switch t.Kind {
	case api.Bool:
		return ival{kind: api.Bool, n: b2u(b[0] != 0)}, nil
	case api.S8:
		return ival{kind: t.Kind, n: uint64(int64(int8(b[0])))}, nil
	case api.U8:
		return ival{kind: t.Kind, n: uint64(b[0])}, nil
	case api.S16:
		return ival{kind: t.Kind, n: uint64(int64(int16(binary.LittleEndian.Uint16(b))))}, nil
	case api.U16:
		return ival{kind: t.Kind, n: uint64(binary.LittleEndian.Uint16(b))}, nil
	case api.S32, api.I32:
		return ival{kind: t.Kind, n: uint64(int64(int32(binary.LittleEndian.Uint32(b))))}, nil
	case api.U32, api.F32:
		return ival{kind: t.Kind, n: uint64(binary.LittleEndian.Uint32(b))}, nil
	case api.S64, api.U64, api.I64, api.F64:
		return ival{kind: t.Kind, n: binary.LittleEndian.Uint64(b)}, nil
	case api.String:
		return l.liftString(binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint32(b[4:]))
	case api.ByteArray:
		return l.liftBytes(binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint32(b[4:]))
	case api.Array:
		return l.liftArray(*t.Elem, binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint32(b[4:]), depth)
	case api.Record:
		return l.liftRecord(t.Record, binary.LittleEndian.Uint32(b), depth)
	}
	return ival{}, fmt.Errorf("cannot lift a value of kind %d", t.Kind)
}

// lowerer writes values into one module's memory, in buffers from its allocate.
type lowerer struct {
	ctx   context.Context
	mod   wapi.Module
	alloc wapi.Function
	types []it.Type
	depth int
}

// allocate asks the module for a buffer. A zero size asks for nothing and gets 0, as the SDK
// answers.
func (w *lowerer) allocate(n uint64, tag int32) (uint32, error) {
	if n == 0 {
		return 0, nil
	}
	if n > math.MaxUint32 {
		return 0, fmt.Errorf("a buffer of %d bytes does not fit a 32-bit memory", n)
	}
	res, err := w.alloc.Call(w.ctx, uint64(uint32(n)), wapi.EncodeI32(tag))
	if err != nil {
		return 0, &guestError{fn: "allocate", err: err}
	}
	if len(res) != 1 {
		return 0, fmt.Errorf("allocate returned %d values", len(res))
	}
	return uint32(res[0]), nil
}

func (w *lowerer) write(ptr uint32, b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if !w.mod.Memory().Write(ptr, b) {
		return fmt.Errorf("writing %d bytes at %d: out of the memory's %d bytes", len(b), ptr, w.mod.Memory().Size())
	}
	return nil
}

// lowerBytes copies b into a new buffer and returns its pointer.
func (w *lowerer) lowerBytes(b []byte) (uint32, error) {
	ptr, err := w.allocate(uint64(len(b)), tagU8)
	if err != nil {
		return 0, err
	}
	return ptr, w.write(ptr, b)
}

// lowerArray writes the elements of v, of type elem, to a new buffer; it returns the buffer
// and the element count. An empty array is (0, 0).
func (w *lowerer) lowerArray(elem it.IType, v ival) (uint32, uint32, error) {
	if elem.Kind == api.U8 {
		b, ok := bytesOf(v)
		if !ok {
			return 0, 0, fmt.Errorf("%s is not an array of u8", v)
		}
		ptr, err := w.allocate(uint64(len(b)), typeTag(elem))
		if err != nil {
			return 0, 0, err
		}
		return ptr, uint32(len(b)), w.write(ptr, b)
	}
	if v.kind != api.Array {
		return 0, 0, fmt.Errorf("%s is not an array", v)
	}
	if len(v.elems) == 0 {
		return 0, 0, nil
	}
	buf := make([]byte, 0, len(v.elems)*int(size(elem)))
	for _, e := range v.elems {
		var err error
		if buf, err = w.appendField(buf, elem, e); err != nil {
			return 0, 0, err
		}
	}
	ptr, err := w.allocate(uint64(len(buf)), typeTag(elem))
	if err != nil {
		return 0, 0, err
	}
	return ptr, uint32(len(v.elems)), w.write(ptr, buf)
}

// lowerRecord writes record v of type index rec to a new buffer and returns its pointer.
func (w *lowerer) lowerRecord(rec uint64, v ival) (uint32, error) {
	r := &w.types[rec]
	if v.kind != api.Record || len(v.elems) != len(r.Args) {
		return 0, fmt.Errorf("%s is not a %s (%d fields)", v, r.Name, len(r.Args))
	}
	var buf []byte
	for i, f := range r.Args {
		var err error
		if buf, err = w.appendField(buf, f.Type, v.elems[i]); err != nil {
			return 0, fmt.Errorf("field %s of %s: %w", f.Name, r.Name, err)
		}
	}
	ptr, err := w.allocate(uint64(len(buf)), tagU8)
	if err != nil {
		return 0, err
	}
	return ptr, w.write(ptr, buf)
}

// appendField appends v's bytes inside a record or array, lowering what it points to.
func (w *lowerer) appendField(buf []byte, t it.IType, v ival) ([]byte, error) {
	w.depth++
	defer func() { w.depth-- }()
	if w.depth > maxLiftDepth {
		return nil, fmt.Errorf("values nested deeper than %d", maxLiftDepth)
	}
	switch t.Kind {
	case api.String:
		if v.kind != api.String {
			return nil, fmt.Errorf("%s is not a string", v)
		}
		ptr, err := w.lowerBytes([]byte(v.s))
		if err != nil {
			return nil, err
		}
		return binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(buf, ptr), uint32(len(v.s))), nil
	case api.ByteArray, api.Array:
		elem := it.IType{Kind: api.U8}
		if t.Kind == api.Array {
			elem = *t.Elem
		}
		ptr, n, err := w.lowerArray(elem, v)
		if err != nil {
			return nil, err
		}
		return binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(buf, ptr), n), nil
	case api.Record:
		ptr, err := w.lowerRecord(t.Record, v)
		if err != nil {
			return nil, err
		}
		return binary.LittleEndian.AppendUint32(buf, ptr), nil
	}
	if v.kind != t.Kind {
		return nil, fmt.Errorf("%s is not a %s", v, api.Type{Kind: t.Kind})
	}
	switch size(t) {
	case 1:
		return append(buf, byte(v.n)), nil
	case 2:
		return binary.LittleEndian.AppendUint16(buf, uint16(v.n)), nil
	case 4:
		return binary.LittleEndian.AppendUint32(buf, uint32(v.n)), nil
	case 8:
		return binary.LittleEndian.AppendUint64(buf, v.n), nil
	}
	return nil, fmt.Errorf("cannot lower a value of kind %d", t.Kind)
}
