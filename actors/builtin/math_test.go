package builtin

import (
	"math"
	"math/big"
	"strings"
	"testing"
)

// The expectations follow nox's math.rs and func.rs (see math.go); the plain cases are those of
// nox's crates/nox-tests/tests/builtin.rs (math_add ... math_log).
func TestMath(t *testing.T) {
	const (
		max = `9223372036854775807`
		min = `-9223372036854775808`
	)
	runCases(t, "math", []callCase{
		// add
		{fn: "add", args: `[2, 2]`, want: `4`},
		{fn: "add", args: `[-5, 3]`, want: `-2`},
		{fn: "add", args: `[` + max + `, -1]`, want: `9223372036854775806`},
		{fn: "add", args: `[` + max + `, 0]`, want: max},
		{fn: "add", args: `[` + max + `, 1]`, err: "i64 add overflow"},
		{fn: "add", args: `[` + max + `, ` + max + `]`, err: "i64 add overflow"},
		{fn: "add", args: `[` + min + `, -1]`, err: "i64 add overflow"},
		{fn: "add", args: `[` + min + `, ` + max + `]`, want: `-1`},
		{fn: "add", args: `[1.5, 2]`, err: "Error: Error deserializing field 'x': expected i64, got 1.5"},
		{fn: "add", args: `[2.0, 2]`, err: "Error: Error deserializing field 'x': expected i64, got 2.0"},
		{fn: "add", args: `[2, 2.0]`, err: "Error: Error deserializing field 'y': expected i64, got 2.0"},
		{fn: "add", args: `[1e2, 2]`, err: "Error: Error deserializing field 'x': expected i64, got 100.0"},
		{fn: "add", args: `["1", 2]`, err: `Error: Error deserializing field 'x': expected i64, got "1"`},
		{fn: "add", args: `[1, true]`, err: "Error: Error deserializing field 'y': expected i64, got true"},
		{fn: "add", args: `[1, null]`, err: "Error: Error deserializing field 'y': expected i64, got null"},
		{fn: "add", args: `[[1], 1]`, err: "Error: Error deserializing field 'x': expected i64, got [1]"},
		{fn: "add", args: `[9223372036854775808, 0]`, err: "Error: Error deserializing field 'x': expected i64, got 9223372036854775808"},
		{fn: "add", args: `["a", "b"]`, err: `Error: Error deserializing field 'x': expected i64, got "a"`},
		{fn: "add", args: `[]`, err: "expected 2 arguments, got 0"},
		{fn: "add", args: `[1]`, err: "expected 2 arguments, got 1"},
		{fn: "add", args: `[1, 2, 3]`, err: "expected 2 arguments, got 3"},
		{fn: "add", args: `["a", 2, 3]`, err: "expected 2 arguments, got 3"},

		// sub: y is negated first
		{fn: "sub", args: `[2, 2]`, want: `0`},
		{fn: "sub", args: `[2, 3]`, want: `-1`},
		{fn: "sub", args: `[` + min + `, 1]`, err: "i64 add overflow"},
		{fn: "sub", args: `[` + max + `, -1]`, err: "i64 add overflow"},
		{fn: "sub", args: `[-1, ` + min + `]`, err: "i64 neg overflow"},
		{fn: "sub", args: `[` + min + `, ` + min + `]`, err: "i64 neg overflow"},
		{fn: "sub", args: `[0, ` + max + `]`, want: `-9223372036854775807`},
		{fn: "sub", args: `[1, 0.5]`, err: "Error: Error deserializing field 'y': expected i64, got 0.5"},
		{fn: "sub", args: `[1]`, err: "expected 2 arguments, got 1"},

		// mul
		{fn: "mul", args: `[2, 2]`, want: `4`},
		{fn: "mul", args: `[2, 0]`, want: `0`},
		{fn: "mul", args: `[2, -1]`, want: `-2`},
		{fn: "mul", args: `[` + min + `, 1]`, want: min},
		{fn: "mul", args: `[` + max + `, -1]`, want: `-9223372036854775807`},
		{fn: "mul", args: `[` + min + `, -1]`, err: "i64 mul overflow"},
		{fn: "mul", args: `[-1, ` + min + `]`, err: "i64 mul overflow"},
		{fn: "mul", args: `[4294967296, 4294967296]`, err: "i64 mul overflow"},
		{fn: "mul", args: `[3037000500, 3037000500]`, err: "i64 mul overflow"},
		{fn: "mul", args: `[3037000499, 3037000499]`, want: `9223372030926249001`},
		{fn: "mul", args: `[-4611686018427387904, 2]`, want: min},
		{fn: "mul", args: `[4611686018427387904, 2]`, err: "i64 mul overflow"},
		{fn: "mul", args: `[2.5, 2]`, err: "Error: Error deserializing field 'x': expected i64, got 2.5"},

		// fmul: floats in, floor of the product out as an integer
		{fn: "fmul", args: `[10, 0.66]`, want: `6`},
		{fn: "fmul", args: `[0.5, 0.5]`, want: `0`},
		{fn: "fmul", args: `[100.5, 0.5]`, want: `50`},
		{fn: "fmul", args: `[2, 3]`, want: `6`},
		{fn: "fmul", args: `[-0.5, 0.5]`, want: `-1`},
		{fn: "fmul", args: `[-2.0, 3.0]`, want: `-6`},
		{fn: "fmul", args: `[0.0, -1.0]`, want: `0`},
		{fn: "fmul", args: `[1e300, 1e300]`, want: max},
		{fn: "fmul", args: `[-1e300, 1e300]`, want: min},
		{fn: "fmul", args: `[1e19, 1]`, want: max},
		{fn: "fmul", args: `[-1e19, 1]`, want: min},
		{fn: "fmul", args: `[9223372036854775807, 1]`, want: max}, // 2^63 as a float saturates
		{fn: "fmul", args: `[18446744073709551615, -1]`, want: min},
		{fn: "fmul", args: `["1.5", 2]`, err: `Error: Error deserializing field 'x': expected f64, got "1.5"`},
		{fn: "fmul", args: `[1.5, null]`, err: "Error: Error deserializing field 'y': expected f64, got null"},
		{fn: "fmul", args: `[1.5]`, err: "expected 2 arguments, got 1"},

		// div: truncating; by zero and MIN / -1 fail alike
		{fn: "div", args: `[2, 2]`, want: `1`},
		{fn: "div", args: `[2, 3]`, want: `0`},
		{fn: "div", args: `[10, 5]`, want: `2`},
		{fn: "div", args: `[-7, 2]`, want: `-3`},
		{fn: "div", args: `[7, -2]`, want: `-3`},
		{fn: "div", args: `[` + min + `, 1]`, want: min},
		{fn: "div", args: `[2, 0]`, err: "i64 div overflow"},
		{fn: "div", args: `[0, 0]`, err: "i64 div overflow"},
		{fn: "div", args: `[` + min + `, -1]`, err: "i64 div overflow"},
		{fn: "div", args: `[1, 0.0]`, err: "Error: Error deserializing field 'y': expected i64, got 0.0"},
		{fn: "div", args: `[1, 2, 3]`, err: "expected 2 arguments, got 3"},

		// rem: sign of the dividend; by zero and MIN % -1 fail alike
		{fn: "rem", args: `[10, 3]`, want: `1`},
		{fn: "rem", args: `[-7, 2]`, want: `-1`},
		{fn: "rem", args: `[7, -2]`, want: `1`},
		{fn: "rem", args: `[` + min + `, 2]`, want: `0`},
		{fn: "rem", args: `[10, 0]`, err: "i64 rem overflow"},
		{fn: "rem", args: `[` + min + `, -1]`, err: "i64 rem overflow"},
		{fn: "rem", args: `[10.5, 3]`, err: "Error: Error deserializing field 'x': expected i64, got 10.5"},

		// pow: u32 exponent
		{fn: "pow", args: `[2, 2]`, want: `4`},
		{fn: "pow", args: `[2, 0]`, want: `1`},
		{fn: "pow", args: `[0, 0]`, want: `1`},
		{fn: "pow", args: `[0, 5]`, want: `0`},
		{fn: "pow", args: `[-3, 3]`, want: `-27`},
		{fn: "pow", args: `[2, 62]`, want: `4611686018427387904`},
		{fn: "pow", args: `[2, 63]`, err: "i64 pow overflow"},
		{fn: "pow", args: `[-2, 63]`, want: min},
		{fn: "pow", args: `[-2, 64]`, err: "i64 pow overflow"},
		{fn: "pow", args: `[3, 39]`, want: `4052555153018976267`},
		{fn: "pow", args: `[3, 40]`, err: "i64 pow overflow"},
		{fn: "pow", args: `[10, 18]`, want: `1000000000000000000`},
		{fn: "pow", args: `[10, 19]`, err: "i64 pow overflow"},
		{fn: "pow", args: `[1, 4294967295]`, want: `1`},
		{fn: "pow", args: `[-1, 4294967295]`, want: `-1`},
		{fn: "pow", args: `[-1, 4294967294]`, want: `1`},
		{fn: "pow", args: `[2, 4294967295]`, err: "i64 pow overflow"},
		{fn: "pow", args: `[2, 4294967296]`, err: "Error: Error deserializing field 'y': expected u32, got 4294967296"},
		{fn: "pow", args: `[2, -1]`, err: "Error: Error deserializing field 'y': expected u32, got -1"},
		{fn: "pow", args: `[2, 2.0]`, err: "Error: Error deserializing field 'y': expected u32, got 2.0"},
		{fn: "pow", args: `[2.0, 2]`, err: "Error: Error deserializing field 'x': expected i64, got 2.0"},
		{fn: "pow", args: `[2]`, err: "expected 2 arguments, got 1"},

		// log: log(base, y), floor, as a u32
		{fn: "log", args: `[2, 2]`, want: `1`},
		{fn: "log", args: `[2, 4]`, want: `2`},
		{fn: "log", args: `[2, 1]`, want: `0`},
		{fn: "log", args: `[2, 7]`, want: `2`},
		{fn: "log", args: `[10, 999]`, want: `2`},
		{fn: "log", args: `[10, 1000]`, want: `3`},
		{fn: "log", args: `[3, 2]`, want: `0`},
		{fn: "log", args: `[2, ` + max + `]`, want: `62`},
		{fn: "log", args: `[` + max + `, ` + max + `]`, want: `1`},
		{fn: "log", args: `[2, 0]`, err: "i64 log overflow"},
		{fn: "log", args: `[2, -8]`, err: "i64 log overflow"},
		{fn: "log", args: `[1, 8]`, err: "i64 log overflow"},
		{fn: "log", args: `[0, 8]`, err: "i64 log overflow"},
		{fn: "log", args: `[-2, 8]`, err: "i64 log overflow"},
		{fn: "log", args: `[2, 8.0]`, err: "Error: Error deserializing field 'y': expected i64, got 8.0"},
		{fn: "log", args: `[2, 8, 1]`, err: "expected 2 arguments, got 3"},
	})
}

// TestMathFunctions checks the service's function set: nox's, plus the comparisons, which answer
// as cmp's do.
func TestMathFunctions(t *testing.T) {
	got := Functions("math")
	want := []string{"add", "cmp", "div", "fmul", "gt", "gte", "log", "lt", "lte", "mul", "pow", "rem", "sub"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("math functions %v, want %v", got, want)
	}
	args := parseArgs(t, `[3, 5]`)
	for _, fn := range []string{"gt", "gte", "lt", "lte", "cmp"} {
		viaMath, _ := Lookup("math", fn)
		viaCmp, _ := Lookup("cmp", fn)
		a, errA := viaMath(args)
		b, errB := viaCmp(args)
		if a.String() != b.String() || (errA == nil) != (errB == nil) {
			t.Errorf("math.%s = %s, %v; cmp.%s = %s, %v", fn, a, errA, fn, b, errB)
		}
	}
}

func TestSaturatingInt64(t *testing.T) {
	for _, tc := range []struct {
		f    float64
		want int64
	}{
		{math.NaN(), 0},
		{math.Inf(1), math.MaxInt64},
		{math.Inf(-1), math.MinInt64},
		{0x1p63, math.MaxInt64},
		{-0x1p63, math.MinInt64},
		{-0x1p64, math.MinInt64},
		{0x1p62, 1 << 62},
		{-1.0, -1},
		{math.Copysign(0, -1), 0},
	} {
		if got := saturatingInt64(tc.f); got != tc.want {
			t.Errorf("saturatingInt64(%v) = %d, want %d", tc.f, got, tc.want)
		}
	}
}

// TestCheckedArithmetic compares the overflow checks with exact arithmetic over edge values.
func TestCheckedArithmetic(t *testing.T) {
	edges := []int64{math.MinInt64, math.MinInt64 + 1, -4611686018427387904, -3037000500, -3037000499,
		-1 << 32, -3, -2, -1, 0, 1, 2, 3, 1 << 32, 3037000499, 3037000500, 4611686018427387904,
		math.MaxInt64 - 1, math.MaxInt64}
	minI, maxI := big.NewInt(math.MinInt64), big.NewInt(math.MaxInt64)
	inRange := func(z *big.Int) bool { return z.Cmp(minI) >= 0 && z.Cmp(maxI) <= 0 }
	for _, x := range edges {
		for _, y := range edges {
			bx, by := big.NewInt(x), big.NewInt(y)
			sum := new(big.Int).Add(bx, by)
			if r, ok := checkedAdd(x, y); ok != inRange(sum) || (ok && r != sum.Int64()) {
				t.Errorf("checkedAdd(%d, %d) = %d, %v; exact %s", x, y, r, ok, sum)
			}
			prod := new(big.Int).Mul(bx, by)
			if r, ok := checkedMul(x, y); ok != inRange(prod) || (ok && r != prod.Int64()) {
				t.Errorf("checkedMul(%d, %d) = %d, %v; exact %s", x, y, r, ok, prod)
			}
		}
	}
	for _, x := range []int64{math.MinInt64, -1 << 32, -3037000499, -10, -3, -2, -1, 0, 1, 2, 3, 10, 3037000499, 1 << 32, math.MaxInt64} {
		for _, y := range []uint32{0, 1, 2, 3, 5, 31, 32, 39, 40, 62, 63, 64, 65, 100, math.MaxUint32} {
			exact := new(big.Int).Lsh(maxI, 1) // out of range: |x| >= 2 and y > 100
			if y <= 100 || x == 0 || x == 1 || x == -1 {
				exact.Exp(big.NewInt(x), big.NewInt(int64(y)), nil)
			}
			if r, ok := checkedPow(x, y); ok != inRange(exact) || (ok && r != exact.Int64()) {
				t.Errorf("checkedPow(%d, %d) = %d, %v; exact %s", x, y, r, ok, exact)
			}
		}
	}
}
