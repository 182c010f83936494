package marine

import (
	"fmt"
	"math"

	"github.com/aquanet/aquanet/wasmhost/api"
)

// ival is an interface value on the adapter stack: Marine's IValue.
//
// Integers keep their 64-bit two's complement in n (signed kinds sign-extended, unsigned ones
// zero-extended), so a conversion between kinds is a range check and a change of kind. Floats
// keep their bits (f32 as float32 bits). A byte array keeps its bytes in b; an array of u8
// lifted by array.lift_memory is a byte array too, and everything that takes one takes the
// other (Marine accepts both shapes).
type ival struct {
	kind  api.Kind
	n     uint64
	s     string
	b     []byte
	elems []ival // array elements, record fields
}

func i32(v int32) ival { return ival{kind: api.I32, n: uint64(int64(v))} }

func i64(v int64) ival { return ival{kind: api.I64, n: uint64(v)} }

// signed reports whether k is a signed integer kind.
func signed(k api.Kind) bool {
	switch k {
	case api.S8, api.S16, api.S32, api.S64, api.I32, api.I64:
		return true
	}
	return false
}

// isInt reports whether k is an integer kind.
func isInt(k api.Kind) bool {
	switch k {
	case api.U8, api.U16, api.U32, api.U64:
		return true
	}
	return signed(k)
}

// fits reports whether the integer n (negative when neg) is in the range of kind k.
func fits(k api.Kind, n uint64, neg bool) bool {
	if neg {
		v := int64(n)
		switch k {
		case api.S8:
			return v >= math.MinInt8
		case api.S16:
			return v >= math.MinInt16
		case api.S32, api.I32:
			return v >= math.MinInt32
		case api.S64, api.I64:
			return true
		}
		return false
	}
	switch k {
	case api.S8:
		return n <= math.MaxInt8
	case api.S16:
		return n <= math.MaxInt16
	case api.S32, api.I32:
		return n <= math.MaxInt32
	case api.S64, api.I64:
		return n <= math.MaxInt64
	case api.U8:
		return n <= math.MaxUint8
	case api.U16:
		return n <= math.MaxUint16
	case api.U32:
		return n <= math.MaxUint32
	case api.U64:
		return true
	}
	return false
}

// convert changes an integer's kind as Marine does (Rust's TryFrom): a value out of the
// target's range is an error, never wrapped.
func convert(v ival, to api.Kind) (ival, error) {
	neg := signed(v.kind) && int64(v.n) < 0
	if !fits(to, v.n, neg) {
		return ival{}, fmt.Errorf("%s does not fit in %s", v, api.Type{Kind: to})
	}
	return ival{kind: to, n: v.n}, nil
}

// bytesOf returns the bytes of a byte array, or of an array whose elements are all u8.
func bytesOf(v ival) ([]byte, bool) {
	switch v.kind {
	case api.ByteArray:
		return v.b, true
	case api.Array:
		out := make([]byte, len(v.elems))
		for i, e := range v.elems {
			if e.kind != api.U8 {
				return nil, false
			}
			out[i] = byte(e.n)
		}
		return out, true
	}
	return nil, false
}

func (v ival) String() string {
	t := api.Type{Kind: v.kind}.String()
	switch {
	case v.kind == api.F32:
		return fmt.Sprintf("%s %v", t, math.Float32frombits(uint32(v.n)))
	case v.kind == api.F64:
		return fmt.Sprintf("%s %v", t, math.Float64frombits(v.n))
	case v.kind == api.Bool:
		return fmt.Sprintf("bool %v", v.n != 0)
	case signed(v.kind):
		return fmt.Sprintf("%s %d", t, int64(v.n))
	case isInt(v.kind):
		return fmt.Sprintf("%s %d", t, v.n)
	case v.kind == api.String:
		return fmt.Sprintf("string of %d bytes", len(v.s))
	case v.kind == api.ByteArray:
		return fmt.Sprintf("byte array of %d", len(v.b))
	case v.kind == api.Array:
		return fmt.Sprintf("array of %d", len(v.elems))
	case v.kind == api.Record:
		return fmt.Sprintf("record of %d fields", len(v.elems))
	}
	return "value of kind " + t
}
