package value

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// FromGo converts a Go value to a Value the way serde_json's conversions (From impls and
// serde_json::to_value) would build it from the corresponding Rust value, so that the result
// hashes as AquaVM's would:
//
//   - nil is null; bool is a boolean; string is a string (invalid UTF-8 replaced, see [String]);
//   - int, int8, ..., int64 are integers ([Int]); uint, uint8, ..., uint64, uintptr too ([Uint]);
//   - float64 is [Float] (NaN and ±Inf become null); float32 is widened to float64 first, as
//     serde_json does, so float32(0.1) is 0.10000000149011612;
//   - json.Number is read with [Parse]'s number rules ("1" an integer, "1.0" a float);
//   - []any is an array, map[string]any an object (keys sorted), both converted recursively;
//     []Value, map[string]Value and Value are taken as they are.
//
// Any other type is an error, as is a json.Number that is not a JSON number.
func FromGo(x any) (Value, error) {
	switch x := x.(type) {
	case nil:
		return Value{}, nil
	case Value:
		return x, nil
	case bool:
		return Bool(x), nil
	case string:
		return String(x), nil
	case int:
		return Int(int64(x)), nil
	case int8:
		return Int(int64(x)), nil
	case int16:
		return Int(int64(x)), nil
	case int32:
		return Int(int64(x)), nil
	case int64:
		return Int(x), nil
	case uint:
		return Uint(uint64(x)), nil
	case uint8:
		return Uint(uint64(x)), nil
	case uint16:
		return Uint(uint64(x)), nil
	case uint32:
		return Uint(uint64(x)), nil
	case uint64:
		return Uint(x), nil
	case uintptr:
		return Uint(uint64(x)), nil
	case float32:
		return Float(float64(x)), nil
	case float64:
		return Float(x), nil
	case json.Number:
		v, err := Parse([]byte(x), Limits{})
		if err != nil || v.kind != KindNumber {
			return Value{}, fmt.Errorf("value.FromGo: json.Number %q is not a JSON number", string(x))
		}
		return v, nil
	case []Value:
		return Array(x...), nil
	case []any:
		vals := make([]Value, len(x))
		for i, e := range x {
			v, err := FromGo(e)
			if err != nil {
				return Value{}, fmt.Errorf("[%d]: %w", i, err)
			}
			vals[i] = v
		}
		if len(vals) == 0 {
			return Value{kind: KindArray, c: emptyArray}, nil
		}
		return Value{kind: KindArray, c: &composite{vals: vals}}, nil
	case map[string]Value:
		fs := make([]field, 0, len(x))
		for k, v := range x {
			fs = append(fs, field{validUTF8(k), v})
		}
		return objectFromFields(fs), nil
	case map[string]any:
		fs := make([]field, 0, len(x))
		for k, e := range x {
			v, err := FromGo(e)
			if err != nil {
				return Value{}, fmt.Errorf("[%q]: %w", k, err)
			}
			fs = append(fs, field{validUTF8(k), v})
		}
		return objectFromFields(fs), nil
	}
	return Value{}, fmt.Errorf("value.FromGo: unsupported type %T", x)
}

// validUTF8 returns s with each invalid UTF-8 sequence replaced by U+FFFD as Rust's
// String::from_utf8_lossy does: one replacement per maximal prefix of a valid sequence
// ("\xe2\x82" is one U+FFFD, "\xff\xff" two).
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			b.WriteByte(s[i])
			i++
			continue
		}
		if r, n := utf8.DecodeRuneInString(s[i:]); r != utf8.RuneError || n > 1 {
			b.WriteString(s[i : i+n])
			i += n
			continue
		}
		b.WriteString("\uFFFD")
		i += invalidPrefix(s[i:])
	}
	return b.String()
}

// invalidPrefix returns the length of the invalid sequence at the start of s: the lead byte and
// the continuation bytes that could still have been part of a valid sequence.
func invalidPrefix(s string) int {
	lo, hi := byte(0x80), byte(0xbf)
	var n int
	switch c := s[0]; {
	case c >= 0xc2 && c <= 0xdf:
		n = 2
	case c == 0xe0:
		n, lo = 3, 0xa0
	case c == 0xed:
		n, hi = 3, 0x9f
	case c >= 0xe1 && c <= 0xef:
		n = 3
	case c == 0xf0:
		n, lo = 4, 0x90
	case c == 0xf4:
		n, hi = 4, 0x8f
	case c >= 0xf1 && c <= 0xf3:
		n = 4
	default:
		return 1
	}
	if len(s) < 2 || s[1] < lo || s[1] > hi {
		return 1
	}
	i := 2
	for i < n && i < len(s) && s[i] >= 0x80 && s[i] <= 0xbf {
		i++
	}
	return i
}
