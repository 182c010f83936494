package builtin

// The math service: integer arithmetic on i64, as nox implements it (fluencelabs/nox at
// b349812f, particle-builtins/src/builtins.rs dispatches ("math", f) to particle-builtins/src/
// math.rs through the binary helper of particle-builtins/src/func.rs; the Aqua declarations are
// fluencelabs/aqua-lib math.aqua, service Math("math")).
//
//   - Every function takes exactly two arguments; any other count fails with
//     "expected 2 arguments, got N" (func.rs binary), before the arguments are looked at.
//   - Arguments are deserialized with serde_json into the Rust parameter type, x first, then y
//     (crates/particle-args/src/args.rs Args::next). i64 accepts only JSON integers in the i64
//     range: a float, even 2.0, is refused, as are strings, booleans and u64 above 2^63-1. u32
//     (pow's exponent) accepts only integers 0..2^32-1, so a negative exponent is a type error.
//     f64 (fmul) accepts any number. The failure is ArgsError::DeserializeError passed through
//     json-utils err_as_value (crates/json-utils/src/lib.rs): "Error: Error deserializing field
//     'x': expected i64, got 1.5" followed by "\n" and the Rust Debug form of the error, which
//     we leave out like the rest of the package (wrongType in args.go).
//   - add, sub, mul, div, rem, pow are checked, never wrapping: overflow fails with
//     "i64 add overflow", "i64 mul overflow", "i64 div overflow", "i64 rem overflow",
//     "i64 pow overflow". sub negates y first, so y = -2^63 fails with "i64 neg overflow" even
//     when x - y would fit. Division by zero is not a separate case: div and rem by 0 fail with
//     the same "overflow" messages (Rust's checked_div/checked_rem return None), as does
//     -2^63 / -1 and -2^63 % -1. div truncates toward zero, rem takes the sign of x.
//   - fmul(x: f64, y: f64) returns floor(x*y) as an i64, converted like Rust's `as`: saturating
//     at the i64 bounds (x*y can overflow to ±Inf), NaN becoming 0. It never fails on numbers.
//   - pow(x: i64, y: u32) is i64::checked_pow: pow(0, 0) = 1.
//   - log(x: i64, y: i64) is y.checked_ilog(x), the floor of the logarithm of y to base x,
//     returned as a u32; y <= 0 or x < 2 fails with "i64 log overflow".
//   - nox registers gt, gte, lt, lte and cmp under the cmp service only (cmp.go), and aqua-lib
//     declares them only in Compare("cmp"); our issue asks for them under math as well, so math
//     has them too, answering exactly as cmp's.

import (
	"math"

	"github.com/aquanet/aquanet/interpreter/value"
)

func init() {
	register("math", map[string]Func{
		"add":  intOp(mathAdd),
		"sub":  intOp(mathSub),
		"mul":  intOp(mathMul),
		"fmul": mathFmul,
		"div":  intOp(mathDiv),
		"rem":  intOp(mathRem),
		"pow":  mathPow,
		"log":  mathLog,
		"gt":   compareOp(gt),
		"gte":  compareOp(gte),
		"lt":   compareOp(lt),
		"lte":  compareOp(lte),
		"cmp":  compareOp(compare),
	})
}

// intOp makes a builtin of two i64 arguments returning an i64.
func intOp(op func(x, y int64) (int64, error)) Func {
	return func(args []value.Value) (value.Value, error) {
		x, y, err := int64Pair(args)
		if err != nil {
			return value.Value{}, err
		}
		r, err := op(x, y)
		if err != nil {
			return value.Value{}, err
		}
		return value.Int(r), nil
	}
}

// int64Pair checks there are two arguments and reads both as i64.
func int64Pair(args []value.Value) (x, y int64, err error) {
	if err := wantArgs(args, 2); err != nil {
		return 0, 0, err
	}
	if x, err = int64Arg("x", args[0]); err != nil {
		return 0, 0, err
	}
	if y, err = int64Arg("y", args[1]); err != nil {
		return 0, 0, err
	}
	return x, y, nil
}

func mathAdd(x, y int64) (int64, error) {
	r, ok := checkedAdd(x, y)
	if !ok {
		return 0, errorf("i64 add overflow")
	}
	return r, nil
}

func mathSub(x, y int64) (int64, error) {
	if y == math.MinInt64 {
		return 0, errorf("i64 neg overflow")
	}
	return mathAdd(x, -y)
}

func mathMul(x, y int64) (int64, error) {
	r, ok := checkedMul(x, y)
	if !ok {
		return 0, errorf("i64 mul overflow")
	}
	return r, nil
}

func mathDiv(x, y int64) (int64, error) {
	if y == 0 || (x == math.MinInt64 && y == -1) {
		return 0, errorf("i64 div overflow")
	}
	return x / y, nil
}

func mathRem(x, y int64) (int64, error) {
	if y == 0 || (x == math.MinInt64 && y == -1) {
		return 0, errorf("i64 rem overflow")
	}
	return x % y, nil
}

func mathFmul(args []value.Value) (value.Value, error) {
	if err := wantArgs(args, 2); err != nil {
		return value.Value{}, err
	}
	x, err := float64Arg("x", args[0])
	if err != nil {
		return value.Value{}, err
	}
	y, err := float64Arg("y", args[1])
	if err != nil {
		return value.Value{}, err
	}
	return value.Int(saturatingInt64(math.Floor(x * y))), nil
}

// saturatingInt64 converts f to an int64 as Rust's `f as i64` does.
func saturatingInt64(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64: // float64(MaxInt64) is 2^63
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

func mathPow(args []value.Value) (value.Value, error) {
	if err := wantArgs(args, 2); err != nil {
		return value.Value{}, err
	}
	x, err := int64Arg("x", args[0])
	if err != nil {
		return value.Value{}, err
	}
	y, err := uint32Arg("y", args[1])
	if err != nil {
		return value.Value{}, err
	}
	r, ok := checkedPow(x, y)
	if !ok {
		return value.Value{}, errorf("i64 pow overflow")
	}
	return value.Int(r), nil
}

func mathLog(args []value.Value) (value.Value, error) {
	base, y, err := int64Pair(args)
	if err != nil {
		return value.Value{}, err
	}
	if y <= 0 || base < 2 {
		return value.Value{}, errorf("i64 log overflow")
	}
	var n uint64
	for ; y >= base; y /= base {
		n++
	}
	return value.Uint(n), nil
}

func checkedAdd(x, y int64) (int64, bool) {
	r := x + y
	// Overflow iff x and y have the same sign and r's differs.
	return r, (x >= 0) != (y >= 0) || (r >= 0) == (x >= 0)
}

func checkedMul(x, y int64) (int64, bool) {
	if x == 0 || y == 0 {
		return 0, true
	}
	if (x == -1 && y == math.MinInt64) || (y == -1 && x == math.MinInt64) {
		return 0, false
	}
	r := x * y
	return r, r/y == x
}

// checkedPow is x^y, false if any step overflows: square-and-multiply, squaring only while bits
// of y remain, so a step overflows only when the result would.
func checkedPow(x int64, y uint32) (int64, bool) {
	acc := int64(1)
	for base := x; y > 0; y >>= 1 {
		var ok bool
		if y&1 == 1 {
			if acc, ok = checkedMul(acc, base); !ok {
				return 0, false
			}
		}
		if y > 1 {
			if base, ok = checkedMul(base, base); !ok {
				return 0, false
			}
		}
	}
	return acc, true
}

// wantArgs is the arity check of nox's unary and binary helpers.
func wantArgs(args []value.Value, n int) error {
	if len(args) != n {
		return errorf("expected %d arguments, got %d", n, len(args))
	}
	return nil
}

// int64Arg reads an argument as serde_json deserializes an i64: integers in range only.
func int64Arg(field string, v value.Value) (int64, error) {
	if i, ok := v.Int64(); ok {
		return i, nil
	}
	return 0, WrongType(field, "i64", v)
}

// uint32Arg reads an argument as serde_json deserializes a u32: integers 0..2^32-1 only.
func uint32Arg(field string, v value.Value) (uint32, error) {
	if u, ok := v.Uint64(); ok && u <= math.MaxUint32 {
		return uint32(u), nil
	}
	return 0, WrongType(field, "u32", v)
}

// float64Arg reads an argument as serde_json deserializes an f64: any number, integers
// converted with rounding.
func float64Arg(field string, v value.Value) (float64, error) {
	if f, ok := v.Float64(); ok {
		return f, nil
	}
	return 0, WrongType(field, "f64", v)
}
