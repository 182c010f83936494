package builtin

import "testing"

// The expectations follow nox's math.rs gt ... cmp and func.rs binary (see cmp.go); the plain
// cases are those of nox's crates/nox-tests/tests/builtin.rs (cmp_gt ... cmp_cmp).
func TestCmp(t *testing.T) {
	const (
		max = `9223372036854775807`
		min = `-9223372036854775808`
	)
	cases := []callCase{
		{fn: "gt", args: `[2, 4]`, want: `false`},
		{fn: "gt", args: `[4, 2]`, want: `true`},
		{fn: "gt", args: `[2, 2]`, want: `false`},
		{fn: "gt", args: `[-1, ` + min + `]`, want: `true`},
		{fn: "gt", args: `[` + max + `, ` + min + `]`, want: `true`},
		{fn: "gte", args: `[2, 4]`, want: `false`},
		{fn: "gte", args: `[4, 2]`, want: `true`},
		{fn: "gte", args: `[2, 2]`, want: `true`},
		{fn: "lt", args: `[2, 4]`, want: `true`},
		{fn: "lt", args: `[4, 2]`, want: `false`},
		{fn: "lt", args: `[2, 2]`, want: `false`},
		{fn: "lt", args: `[` + min + `, ` + max + `]`, want: `true`},
		{fn: "lte", args: `[2, 4]`, want: `true`},
		{fn: "lte", args: `[4, 2]`, want: `false`},
		{fn: "lte", args: `[2, 2]`, want: `true`},
		{fn: "lte", args: `[-3, -4]`, want: `false`},
		{fn: "cmp", args: `[2, 4]`, want: `-1`},
		{fn: "cmp", args: `[2, -4]`, want: `1`},
		{fn: "cmp", args: `[2, 2]`, want: `0`},
		{fn: "cmp", args: `[` + min + `, ` + max + `]`, want: `-1`},
		{fn: "cmp", args: `[` + max + `, ` + min + `]`, want: `1`},
		{fn: "cmp", args: `[` + min + `, ` + min + `]`, want: `0`},
		// serde_json reads -0 as the float -0.0, which is not an i64.
		{fn: "cmp", args: `[0, -0]`, err: "Error: Error deserializing field 'y': expected i64, got -0.0"},
	}
	// Every comparison takes exactly two i64: no floats, strings, booleans or u64 above i64.
	for _, fn := range []string{"gt", "gte", "lt", "lte", "cmp"} {
		cases = append(cases,
			callCase{fn: fn, args: `[]`, err: "expected 2 arguments, got 0"},
			callCase{fn: fn, args: `[1]`, err: "expected 2 arguments, got 1"},
			callCase{fn: fn, args: `[1, 2, 3]`, err: "expected 2 arguments, got 3"},
			callCase{fn: fn, args: `[1.5, 2]`, err: "Error: Error deserializing field 'x': expected i64, got 1.5"},
			callCase{fn: fn, args: `[1, 2.0]`, err: "Error: Error deserializing field 'y': expected i64, got 2.0"},
			callCase{fn: fn, args: `["a", "b"]`, err: `Error: Error deserializing field 'x': expected i64, got "a"`},
			callCase{fn: fn, args: `[1, "2"]`, err: `Error: Error deserializing field 'y': expected i64, got "2"`},
			callCase{fn: fn, args: `[true, false]`, err: "Error: Error deserializing field 'x': expected i64, got true"},
			callCase{fn: fn, args: `[null, 1]`, err: "Error: Error deserializing field 'x': expected i64, got null"},
			callCase{fn: fn, args: `[1, {"a":1}]`, err: `Error: Error deserializing field 'y': expected i64, got {"a":1}`},
			callCase{fn: fn, args: `[1, 9223372036854775808]`, err: "Error: Error deserializing field 'y': expected i64, got 9223372036854775808"},
		)
	}
	runCases(t, "cmp", cases)
}

// TestCmpFunctions checks the service's function set against nox's.
func TestCmpFunctions(t *testing.T) {
	got := Functions("cmp")
	want := []string{"cmp", "gt", "gte", "lt", "lte"}
	if len(got) != len(want) {
		t.Fatalf("cmp functions %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("cmp functions %v, want %v", got, want)
		}
	}
}
