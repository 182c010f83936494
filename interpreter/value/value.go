// Package value is the JSON value of the AIR interpreter, modelled exactly on serde_json::Value
// as AquaVM 0.62 (Fluence's reference interpreter) uses it.
//
// Exactness matters because values are content-addressed: a value's CID is blake3 over its
// canonical JSON text, and that text must be byte for byte what AquaVM produces, or peers
// running aquanet and peers running AquaVM disagree about every CID in a particle's data.
// So this package reproduces serde_json 1.0.108 with default features (no preserve_order, no
// arbitrary_precision, no float_roundtrip), quirks included:
//
//   - numbers have three forms that never compare equal to each other: non-negative integers
//     (u64), negative integers (i64) and finite floats (f64); Int(1) is not Float(1);
//   - object keys are kept sorted bytewise (Rust's BTreeMap<String, _>), duplicates keep the
//     last value;
//   - [Parse] accepts what serde_json::from_slice accepts, with its (not correctly rounded)
//     float reading, its depth limit and its reading of "-0" as the float -0.0 (so the
//     canonical text of a float does not always read back as the same float);
//   - [Value.AppendJSON] prints what serde_json::to_string prints, floats as the ryu crate does.
//
// Values are immutable and safe to share between goroutines. The zero Value is null.
package value

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Kind is the JSON type of a [Value].
type Kind uint8

// The kinds, in serde_json::Value's variant order. (They carry a Kind prefix because the
// unprefixed names are the constructors: [Null], [Bool], [String], [Array], [Object].)
const (
	KindNull Kind = iota
	KindBool
	KindNumber
	KindString
	KindArray
	KindObject
)

var kindNames = [...]string{"null", "bool", "number", "string", "array", "object"}

// String returns the kind's JSON name: "null", "bool", "number", "string", "array" or "object".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// numForm is serde_json's internal number representation (serde_json::number::N). It decides
// equality and printing, so it is kept exactly.
type numForm uint8

const (
	posInt numForm = iota // u64: every non-negative integer
	negInt                // i64 < 0
	float                 // finite f64
)

// Value is an immutable JSON value with serde_json::Value's semantics. The zero Value is null.
// Build values with the constructors ([Int], [String], [Object], ...), [Parse] or [FromGo].
type Value struct {
	kind Kind
	form numForm    // Number only
	n    uint64     // Bool (0/1); Number: u64, i64 bits or f64 bits according to form
	s    string     // String only
	c    *composite // Array and Object only; never nil for them
}

// composite holds the elements of an array, or the fields of an object: keys sorted bytewise and
// unique, vals[i] belonging to keys[i]. It is never modified after construction.
type composite struct {
	keys []string
	vals []Value
}

var emptyArray, emptyObject = &composite{}, &composite{}

// Null returns the JSON null, the same as the zero Value.
func Null() Value { return Value{} }

// Int returns an integer number. Like serde_json, a non-negative integer is stored as an unsigned
// one, so Int(5) and Uint(5) are the same value.
func Int(i int64) Value {
	if i >= 0 {
		return Value{kind: KindNumber, form: posInt, n: uint64(i)}
	}
	return Value{kind: KindNumber, form: negInt, n: uint64(i)}
}

// Uint returns a non-negative integer number.
func Uint(u uint64) Value { return Value{kind: KindNumber, form: posInt, n: u} }

// Float returns a floating-point number. NaN and ±Inf have no JSON form and become null, as
// serde_json's conversions make them. Integral floats stay floats: Float(1) prints as "1.0" and
// is not Equal to Int(1). -0.0 is kept (it prints as "-0.0").
func Float(f float64) Value {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Value{}
	}
	return Value{kind: KindNumber, form: float, n: math.Float64bits(f)}
}

// Bool returns true or false.
func Bool(b bool) Value {
	if b {
		return Value{kind: KindBool, n: 1}
	}
	return Value{kind: KindBool}
}

// String returns a string value. JSON strings, like Rust strings, are valid UTF-8: invalid
// sequences in s are replaced with U+FFFD the way Rust's String::from_utf8_lossy does.
func String(s string) Value { return Value{kind: KindString, s: validUTF8(s)} }

// Array returns an array of the given elements (copied: changing elems later does not change
// the value).
func Array(elems ...Value) Value {
	if len(elems) == 0 {
		return Value{kind: KindArray, c: emptyArray}
	}
	return Value{kind: KindArray, c: &composite{vals: slices.Clone(elems)}}
}

// Object returns an object with the fields keys[i]: vals[i]. Fields are kept sorted bytewise by
// key, as in Rust's BTreeMap<String, _>, which is the order they are printed in; on a duplicate
// key the later value wins. Keys are made valid UTF-8 as by [String]. Object panics if the
// slices differ in length. The slices are copied.
func Object(keys []string, vals []Value) Value {
	if len(keys) != len(vals) {
		panic(fmt.Sprintf("value.Object: %d keys but %d values", len(keys), len(vals)))
	}
	if len(keys) == 0 {
		return Value{kind: KindObject, c: emptyObject}
	}
	fs := make([]field, len(keys))
	for i, k := range keys {
		fs[i] = field{validUTF8(k), vals[i]}
	}
	return objectFromFields(fs)
}

// field is one key and value of an object under construction.
type field struct {
	key string
	val Value
}

// objectFromFields returns the object of fs, which may be reordered.
func objectFromFields(fs []field) Value {
	sortFields(fs)
	n := uniqueKeys(fs)
	c := &composite{keys: make([]string, n), vals: make([]Value, n)}
	fillFields(fs, c.keys, c.vals)
	return Value{kind: KindObject, c: c}
}

func compareFields(a, b field) int { return cmp.Compare(a.key, b.key) }

// sortFields sorts fs bytewise by key, keeping fields with equal keys in input order, so that
// the last of them can win.
func sortFields(fs []field) {
	if !slices.IsSortedFunc(fs, compareFields) {
		slices.SortStableFunc(fs, compareFields)
	}
}

// uniqueKeys returns the number of distinct keys in sorted fs.
func uniqueKeys(fs []field) int {
	n := len(fs)
	for i := 1; i < len(fs); i++ {
		if fs[i].key == fs[i-1].key {
			n--
		}
	}
	return n
}

// fillFields copies sorted fs into keys and vals (of length uniqueKeys(fs)), keeping of equal
// keys the last field, as BTreeMap::insert does.
func fillFields(fs []field, keys []string, vals []Value) {
	j := 0
	for i, f := range fs {
		if i+1 < len(fs) && fs[i+1].key == f.key {
			continue
		}
		keys[j], vals[j] = f.key, f.val
		j++
	}
}

// Kind returns the value's JSON type.
func (v Value) Kind() Kind { return v.kind }

// Bool returns the boolean and true if v is a boolean.
func (v Value) Bool() (b bool, ok bool) {
	if v.kind != KindBool {
		return false, false
	}
	return v.n != 0, true
}

// Str returns the string and true if v is a string.
func (v Value) Str() (string, bool) { return v.s, v.kind == KindString }

// Int64 returns the integer and true if v is an integer number that fits in an int64 (never for
// floats, even integral ones).
func (v Value) Int64() (int64, bool) {
	switch {
	case v.kind != KindNumber:
		return 0, false
	case v.form == negInt:
		return int64(v.n), true
	case v.form == posInt && v.n <= math.MaxInt64:
		return int64(v.n), true
	}
	return 0, false
}

// Uint64 returns the integer and true if v is a non-negative integer number (never for floats).
func (v Value) Uint64() (uint64, bool) {
	if v.kind != KindNumber || v.form != posInt {
		return 0, false
	}
	return v.n, true
}

// Float64 returns any number as a float64 (integers beyond 2^53 are rounded), and true if v is a
// number.
func (v Value) Float64() (float64, bool) {
	if v.kind != KindNumber {
		return 0, false
	}
	switch v.form {
	case posInt:
		return float64(v.n), true
	case negInt:
		return float64(int64(v.n)), true
	}
	return math.Float64frombits(v.n), true
}

// IsInteger reports whether v is a number held as an integer (serde_json's is_i64 || is_u64).
func (v Value) IsInteger() bool { return v.kind == KindNumber && v.form != float }

// IsFloat reports whether v is a number held as a float (serde_json's is_f64), e.g. 1.0 or 1e2.
func (v Value) IsFloat() bool { return v.kind == KindNumber && v.form == float }

// Len returns the number of elements of an array or fields of an object, and 0 for other kinds.
func (v Value) Len() int {
	if v.c == nil {
		return 0
	}
	if v.kind == KindObject {
		return len(v.c.keys)
	}
	return len(v.c.vals)
}

// Index returns element i of an array. Like indexing a slice it panics if i is out of range;
// it also panics if v is not an array.
func (v Value) Index(i int) Value {
	if v.kind != KindArray {
		panic(fmt.Sprintf("value: Index(%d) on a %v", i, v.kind))
	}
	return v.c.vals[i]
}

// Get returns the field named key of an object, and whether there is one (false for other kinds).
func (v Value) Get(key string) (Value, bool) {
	if v.kind != KindObject {
		return Value{}, false
	}
	if i, ok := slices.BinarySearch(v.c.keys, key); ok {
		return v.c.vals[i], true
	}
	return Value{}, false
}

// Keys returns a fresh copy of an object's keys, sorted bytewise; nil for other kinds.
func (v Value) Keys() []string {
	if v.kind != KindObject {
		return nil
	}
	return slices.Clone(v.c.keys)
}

// Field returns the key and value of field i of an object, in key order. It panics if i is out
// of range or v is not an object.
func (v Value) Field(i int) (string, Value) {
	if v.kind != KindObject {
		panic(fmt.Sprintf("value: Field(%d) on a %v", i, v.kind))
	}
	return v.c.keys[i], v.c.vals[i]
}

// Same reports whether a and b are the same value as made: the same kind, number and string,
// and the very same array or object, not compared element by element. Same values print the
// same JSON (a composite never changes once made); values that print the same JSON need not be
// Same.
func Same(a, b Value) bool {
	return a.kind == b.kind && a.form == b.form && a.n == b.n && a.s == b.s && a.c == b.c
}

// Equal reports whether a and b are equal under serde_json's PartialEq for Value: same kind;
// numbers of the same form (an integer never equals a float: 1 != 1.0) and value, floats
// compared with == (so 0.0 == -0.0, although they print differently); strings bytewise; arrays
// element by element; objects as sorted maps.
func Equal(a, b Value) bool {
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case KindNull:
		return true
	case KindBool:
		return a.n == b.n
	case KindNumber:
		if a.form != b.form {
			return false
		}
		if a.form == float {
			return math.Float64frombits(a.n) == math.Float64frombits(b.n)
		}
		return a.n == b.n
	case KindString:
		return a.s == b.s
	}
	if a.c == b.c {
		return true
	}
	if len(a.c.vals) != len(b.c.vals) || !slices.Equal(a.c.keys, b.c.keys) {
		return false
	}
	for i := range a.c.vals {
		if !Equal(a.c.vals[i], b.c.vals[i]) {
			return false
		}
	}
	return true
}
