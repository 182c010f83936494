package value

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestKinds(t *testing.T) {
	tests := []struct {
		v    Value
		kind Kind
	}{
		{Value{}, KindNull}, {Null(), KindNull}, {Bool(false), KindBool}, {Int(-3), KindNumber},
		{Uint(3), KindNumber}, {Float(0.5), KindNumber}, {Float(math.NaN()), KindNull}, {String(""), KindString},
		{Array(), KindArray}, {Object(nil, nil), KindObject},
	}
	for _, tc := range tests {
		if tc.v.Kind() != tc.kind {
			t.Errorf("%v: kind %v, want %v", tc.v, tc.v.Kind(), tc.kind)
		}
	}
	if s := KindObject.String() + " " + Kind(9).String(); s != "object Kind(9)" {
		t.Errorf("Kind names: %s", s)
	}
}

func TestAccessors(t *testing.T) {
	if b, ok := Bool(true).Bool(); !b || !ok {
		t.Error("Bool(true).Bool()")
	}
	if b, ok := Int(1).Bool(); b || ok {
		t.Error("Int(1).Bool() reports a bool")
	}
	if s, ok := String("x").Str(); s != "x" || !ok {
		t.Error("String(x).Str()")
	}
	if _, ok := Int(1).Str(); ok {
		t.Error("Int(1).Str() reports a string")
	}

	type nums struct {
		i      int64
		iOK    bool
		u      uint64
		uOK    bool
		f      float64
		fOK    bool
		isInt  bool
		isFlot bool
	}
	tests := []struct {
		v    Value
		want nums
	}{
		{Int(5), nums{5, true, 5, true, 5, true, true, false}},
		{Int(-5), nums{-5, true, 0, false, -5, true, true, false}},
		{Uint(math.MaxUint64), nums{0, false, math.MaxUint64, true, 1 << 64, true, true, false}},
		{Uint(1 << 63), nums{0, false, 1 << 63, true, 1 << 63, true, true, false}},
		{Int(math.MinInt64), nums{math.MinInt64, true, 0, false, -(1 << 63), true, true, false}},
		{Float(2), nums{0, false, 0, false, 2, true, false, true}},
		{String("1"), nums{}},
		{Null(), nums{}},
	}
	for _, tc := range tests {
		var got nums
		got.i, got.iOK = tc.v.Int64()
		got.u, got.uOK = tc.v.Uint64()
		got.f, got.fOK = tc.v.Float64()
		got.isInt, got.isFlot = tc.v.IsInteger(), tc.v.IsFloat()
		if got != tc.want {
			t.Errorf("%v: got %+v, want %+v", tc.v, got, tc.want)
		}
	}
}

func TestContainers(t *testing.T) {
	elems := []Value{Int(1), String("two")}
	a := Array(elems...)
	elems[0] = Int(99) // the array holds a copy
	if a.Len() != 2 || !Equal(a.Index(0), Int(1)) || !Equal(a.Index(1), String("two")) {
		t.Errorf("array: %v", a)
	}
	keys, vals := []string{"b", "a", "b"}, []Value{Int(1), Int(2), Int(3)}
	o := Object(keys, vals)
	keys[0], vals[1] = "z", Null() // the object holds a copy
	if o.String() != `{"a":2,"b":3}` || o.Len() != 2 {
		t.Errorf("object: %v", o)
	}
	if v, ok := o.Get("b"); !ok || !Equal(v, Int(3)) {
		t.Errorf("Get(b) = %v, %v", v, ok)
	}
	if _, ok := o.Get("c"); ok {
		t.Error("Get(c) found a field")
	}
	if _, ok := a.Get("a"); ok {
		t.Error("Get on an array found a field")
	}
	ks := o.Keys()
	if !slices.Equal(ks, []string{"a", "b"}) {
		t.Errorf("Keys = %q", ks)
	}
	ks[0] = "mutated"
	if k, v := o.Field(0); k != "a" || !Equal(v, Int(2)) {
		t.Errorf("Field(0) = %q, %v after mutating Keys()'s result", k, v)
	}
	if a.Keys() != nil || Null().Len() != 0 || String("abc").Len() != 0 {
		t.Error("non-objects have keys or non-containers a length")
	}
	for name, f := range map[string]func(){
		"Index out of range": func() { a.Index(2) },
		"Index negative":     func() { a.Index(-1) },
		"Index on an object": func() { o.Index(0) },
		"Field out of range": func() { o.Field(2) },
		"Field on an array":  func() { a.Field(0) },
		"Object mismatch":    func() { Object([]string{"a"}, nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			f()
		}()
	}
}

func TestEqual(t *testing.T) {
	negZero := Float(math.Copysign(0, -1))
	tests := []struct {
		a, b Value
		want bool
	}{
		{Null(), Value{}, true},
		{Null(), Bool(false), false},
		{Bool(true), Bool(true), true},
		{Bool(true), Bool(false), false},
		{Int(1), Uint(1), true},
		{Int(1), Float(1), false}, // different variants of serde_json's Number
		{Int(-1), Float(-1), false},
		{Float(0.5), Float(0.5), true},
		{Float(0), negZero, true}, // == on floats, though they print differently
		{Int(0), negZero, false},
		{mustParse(t, "-0"), negZero, true},
		{mustParse(t, "1e2"), Int(100), false},
		{mustParse(t, "100"), Int(100), true},
		{String("a"), String("a"), true},
		{String("a"), String("b"), false},
		{String("1"), Int(1), false},
		{Array(), Array(), true},
		{Array(), Object(nil, nil), false},
		{Array(Int(1)), Array(Int(1), Int(2)), false},
		{Array(Int(1), Int(2)), Array(Int(2), Int(1)), false},
		{mustParse(t, `{"a":1,"b":[2]}`), mustParse(t, `{"b":[2],"a":1}`), true},
		{mustParse(t, `{"a":1,"a":2}`), mustParse(t, `{"a":2}`), true},
		{mustParse(t, `{"a":1}`), mustParse(t, `{"b":1}`), false},
		{mustParse(t, `{"a":1}`), mustParse(t, `{"a":1.0}`), false},
		{mustParse(t, `{"a":1}`), mustParse(t, `{"a":1,"b":1}`), false},
	}
	for _, tc := range tests {
		if got := Equal(tc.a, tc.b); got != tc.want {
			t.Errorf("Equal(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
		if got := Equal(tc.b, tc.a); got != tc.want {
			t.Errorf("Equal(%v, %v) = %v, want %v", tc.b, tc.a, got, tc.want)
		}
	}
}

func TestFromGo(t *testing.T) {
	tests := []struct {
		x    any
		want string
	}{
		{nil, `null`}, {true, `true`}, {"s\n", `"s\n"`}, {"\xff", `"` + "\uFFFD" + `"`},
		{int(-1), `-1`}, {int8(-8), `-8`}, {int16(16), `16`}, {int32(-32), `-32`}, {int64(math.MinInt64), `-9223372036854775808`},
		{uint(1), `1`}, {uint8(8), `8`}, {uint16(16), `16`}, {uint32(32), `32`}, {uint64(math.MaxUint64), `18446744073709551615`},
		{uintptr(7), `7`}, {float32(0.1), `0.10000000149011612`}, {float64(0.1), `0.1`}, {2.0, `2.0`}, {math.NaN(), `null`},
		{json.Number("12"), `12`}, {json.Number("-0"), `-0.0`}, {json.Number("1e2"), `100.0`},
		{[]any{1, "a", nil, []any{}}, `[1,"a",null,[]]`}, {[]any{}, `[]`},
		{map[string]any{"b": 1, "a": map[string]any{"y": true, "x": 0.5}}, `{"a":{"x":0.5,"y":true},"b":1}`},
		{map[string]any{}, `{}`},
		{[]Value{Int(1), Float(1)}, `[1,1.0]`}, {map[string]Value{"k": Null()}, `{"k":null}`}, {Int(3), `3`},
	}
	for _, tc := range tests {
		v, err := FromGo(tc.x)
		if err != nil || v.String() != tc.want {
			t.Errorf("FromGo(%#v) = %v, %v; want %s", tc.x, v, err, tc.want)
		}
	}
	for _, x := range []any{json.Number("01"), json.Number(`"1"`), json.Number("1 2"), struct{}{}, []int{1},
		map[string]int{}, []any{1, make(chan int)}, map[string]any{"k": func() {}}} {
		if v, err := FromGo(x); err == nil {
			t.Errorf("FromGo(%#v) = %v, want an error", x, v)
		}
	}
	if _, err := FromGo(map[string]any{"k": []any{0, complex(1, 1)}}); err == nil || !strings.Contains(err.Error(), `["k"]: [1]: value.FromGo: unsupported type complex128`) {
		t.Errorf("error does not locate the bad element: %v", err)
	}
}

// TestValidUTF8: invalid UTF-8 is replaced as by Rust's String::from_utf8_lossy, one U+FFFD per
// maximal prefix of a valid sequence.
func TestValidUTF8(t *testing.T) {
	const r = "\uFFFD"
	tests := []struct{ in, want string }{
		{"abc", "abc"},
		{"é\uFFFD", "é\uFFFD"},
		{"\xff", r},
		{"\xff\xfe", r + r},
		{"a\x80b", "a" + r + "b"},
		{"\xe2\x82", r},        // truncated 3-byte sequence: one replacement
		{"\xe2\x82x", r + "x"}, // likewise
		{"\xe2\x82\xe2\x82\xac", r + "€"},
		{"\xf0\x9f\x98", r}, // truncated 4-byte sequence
		{"\xf0\x9f\x98\x80", "😀"},
		{"\xed\xa0\x80", r + r + r}, // an encoded surrogate: ED is valid only before 80..9F
		{"\xe0\x80\x80", r + r + r}, // overlong
		{"\xc0\xaf", r + r},
		{"\xf4\x90\x80\x80", r + r + r + r}, // beyond U+10FFFF
		{"\xf5\x80", r + r},
	}
	for _, tc := range tests {
		if got := validUTF8(tc.in); got != tc.want {
			t.Errorf("validUTF8(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got, _ := Object([]string{tc.in}, []Value{Null()}).Field(0); got != tc.want {
			t.Errorf("Object key %q became %q, want %q", tc.in, got, tc.want)
		}
	}
}
