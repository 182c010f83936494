package jsonabi

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/wasmhost/api"
)

// maxArrayNesting bounds "[][]…T" in a type name, so that no declared type is deeper than a
// JSON value can be.
const maxArrayNesting = value.MaxDepth

// scalarKinds are the type names that are not arrays or records. "[]u8" is ByteArray,
// handled with the arrays.
var scalarKinds = map[string]api.Kind{
	"bool": api.Bool, "s8": api.S8, "s16": api.S16, "s32": api.S32, "s64": api.S64,
	"u8": api.U8, "u16": api.U16, "u32": api.U32, "u64": api.U64, "i32": api.I32, "i64": api.I64,
	"f32": api.F32, "f64": api.F64, "string": api.String, "json": api.JSON,
}

// parseType reads a type name as Marine writes it: a scalar, "[]u8", "[]T", or the name of a
// record in records.
func parseType(name string, records map[string]bool) (api.Type, error) {
	depth := 0
	base := name
	for strings.HasPrefix(base, "[]") {
		base = base[2:]
		depth++
	}
	if depth > maxArrayNesting {
		return api.Type{}, fmt.Errorf("type %.20s… nests arrays deeper than %d", name, maxArrayNesting)
	}
	var t api.Type
	switch k, ok := scalarKinds[base]; {
	case base == "u8" && depth > 0:
		t, depth = api.Type{Kind: api.ByteArray}, depth-1 // Vec<u8> is Marine's byte_array
	case ok:
		t = api.Type{Kind: k}
	case records[base]:
		t = api.Type{Kind: api.Record, Record: base}
	default:
		return api.Type{}, fmt.Errorf("unknown type %q", truncate(name, 64))
	}
	for range depth {
		elem := t
		t = api.Type{Kind: api.Array, Elem: &elem}
	}
	return t, nil
}

// checker checks values against the types of one interface.
type checker struct {
	iface api.Interface
}

// fit returns "" if v is a value of type t, or else what is wrong, briefly: `a string "x"`,
// `the number -1 at [0].right[2]` (where inside v), `an object without field n`.
func (c checker) fit(v value.Value, t api.Type) string {
	where, got := c.misfit(v, t)
	if got != "" && where != "" {
		return got + " at " + where
	}
	return got
}

// misfit is fit's work: what does not fit ("" if all does), and where inside v.
func (c checker) misfit(v value.Value, t api.Type) (where, got string) {
	switch t.Kind {
	case api.JSON:
		return "", ""
	case api.Bool:
		if v.Kind() == value.KindBool {
			return "", ""
		}
	case api.String:
		if v.Kind() == value.KindString {
			return "", ""
		}
	case api.F32, api.F64:
		if v.Kind() == value.KindNumber {
			return "", ""
		}
	case api.S8, api.S16, api.S32, api.S64, api.I32, api.I64:
		lo, hi := signedRange(t.Kind)
		if i, ok := v.Int64(); ok && i >= lo && i <= hi {
			return "", ""
		}
	case api.U8, api.U16, api.U32, api.U64:
		if u, ok := v.Uint64(); ok && u <= unsignedMax(t.Kind) {
			return "", ""
		}
	case api.ByteArray:
		return c.misfitElems(v, api.Type{Kind: api.U8})
	case api.Array:
		if t.Elem == nil {
			return "", "a value of a malformed array type"
		}
		return c.misfitElems(v, *t.Elem)
	case api.Record:
		return c.misfitRecord(v, t.Record)
	}
	return "", describe(v)
}

func (c checker) misfitElems(v value.Value, elem api.Type) (where, got string) {
	if v.Kind() != value.KindArray {
		return "", describe(v)
	}
	for i := range v.Len() {
		if where, got := c.misfit(v.Index(i), elem); got != "" {
			return fmt.Sprintf("[%d]%s", i, where), got
		}
	}
	return "", ""
}

func (c checker) misfitRecord(v value.Value, name string) (where, got string) {
	r, ok := c.iface.Record(name)
	if !ok {
		return "", "a value of an undeclared record type"
	}
	if v.Kind() != value.KindObject {
		return "", describe(v)
	}
	for _, f := range r.Fields {
		fv, ok := v.Get(f.Name)
		if !ok {
			return "", "an object without field " + f.Name
		}
		if where, got := c.misfit(fv, f.Type); got != "" {
			return "." + f.Name + where, got
		}
	}
	return "", ""
}

func signedRange(k api.Kind) (lo, hi int64) {
	switch k {
	case api.S8:
		return math.MinInt8, math.MaxInt8
	case api.S16:
		return math.MinInt16, math.MaxInt16
	case api.S32, api.I32:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

func unsignedMax(k api.Kind) uint64 {
	switch k {
	case api.U8:
		return math.MaxUint8
	case api.U16:
		return math.MaxUint16
	case api.U32:
		return math.MaxUint32
	}
	return math.MaxUint64
}

// describe says briefly what v is, for an error message: `a string "Ann"`, `the number 300`,
// `an array of 2`, `an object`, `null`.
func describe(v value.Value) string {
	switch v.Kind() {
	case value.KindNull:
		return "null"
	case value.KindBool:
		return "the bool " + v.String()
	case value.KindNumber:
		return "the number " + truncate(v.String(), 32)
	case value.KindString:
		s, _ := v.Str()
		return "a string " + strconv.Quote(truncate(s, 32))
	case value.KindArray:
		return fmt.Sprintf("an array of %d", v.Len())
	}
	return "an object"
}

// truncate cuts s to at most n bytes, at a rune boundary, marking the cut with "…".
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
