package builtin

// The cmp service: comparisons of two i64, as nox implements it (fluencelabs/nox at b349812f,
// particle-builtins/src/builtins.rs dispatches ("cmp", f) to gt, gte, lt, lte and cmp of
// particle-builtins/src/math.rs through the binary helper of particle-builtins/src/func.rs; the
// Aqua declarations are fluencelabs/aqua-lib math.aqua, service Compare("cmp")).
//
//   - Exactly two arguments ("expected 2 arguments, got N" otherwise), both deserialized as i64
//     exactly as for math (see math.go): only JSON integers in the i64 range. Floats (even 2.0),
//     strings, booleans and u64 above 2^63-1 fail with the serde type error "Error
//     deserializing field 'x': expected i64, got ..."; cmp does not compare strings.
//   - gt, gte, lt, lte return a bool: x > y, x >= y, x < y, x <= y.
//   - cmp returns Rust's Ordering as an i8: -1 if x < y, 0 if equal, 1 if x > y.

import (
	"cmp"

	"github.com/aquanet/aquanet/interpreter/value"
)

func init() {
	register("cmp", map[string]Func{
		"gt":  compareOp(gt),
		"gte": compareOp(gte),
		"lt":  compareOp(lt),
		"lte": compareOp(lte),
		"cmp": compareOp(compare),
	})
}

func gt(x, y int64) value.Value      { return value.Bool(x > y) }
func gte(x, y int64) value.Value     { return value.Bool(x >= y) }
func lt(x, y int64) value.Value      { return value.Bool(x < y) }
func lte(x, y int64) value.Value     { return value.Bool(x <= y) }
func compare(x, y int64) value.Value { return value.Int(int64(cmp.Compare(x, y))) }

// compareOp makes a builtin of two i64 arguments from op, which cannot fail.
func compareOp(op func(x, y int64) value.Value) Func {
	return func(args []value.Value) (value.Value, error) {
		x, y, err := int64Pair(args)
		if err != nil {
			return value.Value{}, err
		}
		return op(x, y), nil
	}
}
