package builtin

import (
	"fmt"
	"github.com/mr-tron/base58"
	"unicode/utf8"

	"github.com/aquanet/aquanet/interpreter/value"
)

// The argument readers fail as nox's particle-args does (the services of package actors that
// need the node use them too) (crates/particle-args, args.rs and
// args_error.rs): its messages are "Error: " and the error's text, followed there by the Rust
// debug form of the error, which we leave out. Arguments beyond those a function reads are
// ignored, as in nox.

// MissingField is the error of a call without the argument named field.
func MissingField(field string) error {
	return errorf("Error: Field '%s' is missing from args to call_service", field)
}

// WrongType is the error of an argument named field that is not of the Rust type expected
// ("String", "u64", "Option<bool>"…, as nox names them). It shows what came as Excerpt does
// (nox shows all of it: a megabyte sent back in the error, and into every log that prints it).
func WrongType(field, expected string, got value.Value) error {
	return errorf("Error: Error deserializing field '%s': expected %s, got %s", field, expected, Excerpt(got))
}

// MaxExcerpt is how many bytes of a value's JSON an error message shows.
const MaxExcerpt = 200

// Excerpt is v's JSON, cut after MaxExcerpt bytes (at a character's start) with how long it
// was, for error messages that show what a caller sent.
func Excerpt(v value.Value) string {
	s := v.String()
	if len(s) <= MaxExcerpt {
		return s
	}
	cut := MaxExcerpt
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", s[:cut], len(s))
}

// StringArg reads args[i], named field, as a string.
func StringArg(args []value.Value, i int, field string) (string, error) {
	if i >= len(args) {
		return "", MissingField(field)
	}
	s, ok := args[i].Str()
	if !ok {
		return "", WrongType(field, "String", args[i])
	}
	return s, nil
}

// B58Arg reads args[i], named field, as the base58 of at most maxBytes bytes ("" is none).
// Base58 decoding takes time quadratic in the length, so a string longer than maxBytes could
// encode to is refused before it is decoded.
func B58Arg(args []value.Value, i int, field string, maxBytes int) ([]byte, error) {
	s, err := StringArg(args, i, field)
	if err != nil {
		return nil, err
	}
	if limit := maxBytes*138/100 + 1; len(s) > limit { // log(256)/log(58) < 1.38
		return nil, fmt.Errorf("%s: %d characters of base58, at most %d (%d bytes)", field, len(s), limit, maxBytes)
	}
	if s == "" {
		return nil, nil
	}
	b, err := base58.Decode(s)
	if err != nil {
		return nil, fmt.Errorf("%s: not base58: %v", field, err)
	}
	return b, nil
}

// StringsArg reads args[i], named field, as an array of strings (a Vec<String>).
func StringsArg(args []value.Value, i int, field string) ([]string, error) {
	if i >= len(args) {
		return nil, MissingField(field)
	}
	v := args[i]
	if v.Kind() != value.KindArray {
		return nil, WrongType(field, "Vec<String>", v)
	}
	out := make([]string, v.Len())
	for j := range out {
		s, ok := v.Index(j).Str()
		if !ok {
			return nil, WrongType(field, "Vec<String>", v)
		}
		out[j] = s
	}
	return out, nil
}

// BytesArg reads args[i], named field, as an array of integers 0–255 (a Vec<u8>).
func BytesArg(args []value.Value, i int, field string) ([]byte, error) {
	if i >= len(args) {
		return nil, MissingField(field)
	}
	v := args[i]
	if v.Kind() != value.KindArray {
		return nil, WrongType(field, "Vec<u8>", v)
	}
	b := make([]byte, v.Len())
	for j := range b {
		n, ok := v.Index(j).Uint64()
		if !ok || !v.Index(j).IsInteger() || n > 255 {
			return nil, WrongType(field, "Vec<u8>", v)
		}
		b[j] = byte(n)
	}
	return b, nil
}

// OptBoolArg reads an optional boolean the way Aqua passes options and nox accepts them: absent,
// null or [] is none; b or [b] is b; anything else is an error.
func OptBoolArg(args []value.Value, i int, field string) (b, set bool, err error) {
	if i >= len(args) {
		return false, false, nil
	}
	v := args[i]
	switch v.Kind() {
	case value.KindNull:
		return false, false, nil
	case value.KindBool:
		b, _ := v.Bool()
		return b, true, nil
	case value.KindArray:
		switch v.Len() {
		case 0:
			return false, false, nil
		case 1:
			if b, ok := v.Index(0).Bool(); ok {
				return b, true, nil
			}
		default:
			return false, false, errorf("Error: Option's array must contain at most 1 element, '%s' was of %d elements", field, v.Len())
		}
	}
	return false, false, WrongType(field, "Option<bool>", v)
}

// OptUint64Arg reads an optional unsigned integer as OptBoolArg reads a boolean.
func OptUint64Arg(args []value.Value, i int, field string) (n uint64, set bool, err error) {
	if i >= len(args) {
		return 0, false, nil
	}
	v := args[i]
	switch v.Kind() {
	case value.KindNull:
		return 0, false, nil
	case value.KindArray:
		switch v.Len() {
		case 0:
			return 0, false, nil
		case 1:
			v = v.Index(0)
		default:
			return 0, false, errorf("Error: Option's array must contain at most 1 element, '%s' was of %d elements", field, v.Len())
		}
	}
	if n, ok := v.Uint64(); ok && v.IsInteger() {
		return n, true, nil
	}
	return 0, false, WrongType(field, "Option<u64>", args[i])
}

// BytesValue is b as an array of numbers, as serde_json writes a Vec<u8>.
func BytesValue(b []byte) value.Value {
	elems := make([]value.Value, len(b))
	for i, c := range b {
		elems[i] = value.Uint(uint64(c))
	}
	return value.Array(elems...)
}

// Uint64Arg reads args[i], named field, as an unsigned integer (a u64).
func Uint64Arg(args []value.Value, i int, field string) (uint64, error) {
	if i >= len(args) {
		return 0, MissingField(field)
	}
	n, ok := args[i].Uint64()
	if !ok || !args[i].IsInteger() {
		return 0, WrongType(field, "u64", args[i])
	}
	return n, nil
}
