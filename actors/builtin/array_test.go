package builtin

import (
	"errors"
	"testing"

	"github.com/aquanet/aquanet/interpreter/value"
)

// ajCase is one call of a builtin: its arguments as a JSON array, and either the result
// (JSON) or the error message expected.
type ajCase struct {
	args    string
	want    string // result as canonical JSON; "" if an error is expected
	wantErr string
}

// runCases calls service.function with each case's arguments and checks the outcome.
func checkCalls(t *testing.T, service, function string, cases []ajCase) {
	t.Helper()
	call, ok := Lookup(service, function)
	if !ok {
		t.Fatalf("%s.%s is not registered", service, function)
	}
	for _, c := range cases {
		v, err := value.Parse([]byte(c.args), value.Limits{})
		if err != nil || v.Kind() != value.KindArray {
			t.Fatalf("bad test arguments %s: %v", c.args, err)
		}
		args := make([]value.Value, v.Len())
		for i := range args {
			args[i] = v.Index(i)
		}
		got, err := call(args)
		if c.wantErr != "" {
			var be *Error
			if !errors.As(err, &be) {
				t.Errorf("%s.%s(%s) = %s, %v; want error %q", service, function, c.args, got, err, c.wantErr)
			} else if be.Msg != c.wantErr {
				t.Errorf("%s.%s(%s) error\n got %q\nwant %q", service, function, c.args, be.Msg, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s.%s(%s): unexpected error %v", service, function, c.args, err)
			continue
		}
		if got.String() != c.want {
			t.Errorf("%s.%s(%s) = %s, want %s", service, function, c.args, got, c.want)
		}
	}
}

func TestArraySum(t *testing.T) {
	checkCalls(t, "array", "sum", []ajCase{
		{args: `[[]]`, want: `0`},
		{args: `[[1, 2, 3]]`, want: `6`},
		{args: `[[-5, 2]]`, want: `-3`},
		{args: `[[9223372036854775807, -1, 1]]`, want: `9223372036854775807`},
		{args: `[[-9223372036854775808]]`, want: `-9223372036854775808`},
		{args: `[[9223372036854775807, 1]]`, wantErr: `i64 add overflow`},
		{args: `[[-9223372036854775808, -1]]`, wantErr: `i64 add overflow`},
		{args: `[[9223372036854775808]]`, wantErr: `Error: Error deserializing field 'x': expected Vec<i64>, got [9223372036854775808]`},
		{args: `[[1.0]]`, wantErr: `Error: Error deserializing field 'x': expected Vec<i64>, got [1.0]`},
		{args: `[["1"]]`, wantErr: `Error: Error deserializing field 'x': expected Vec<i64>, got ["1"]`},
		{args: `[5]`, wantErr: `Error: Error deserializing field 'x': expected Vec<i64>, got 5`},
		{args: `[]`, wantErr: `expected 1 arguments, got 0`},
		{args: `[[1], [2]]`, wantErr: `expected 1 arguments, got 2`},
	})
}

func TestArrayDedup(t *testing.T) {
	checkCalls(t, "array", "dedup", []ajCase{
		{args: `[[]]`, want: `[]`},
		{args: `[["b", "a", "b", "c", "a"]]`, want: `["b","a","c"]`},
		{args: `[["a", "a"]]`, want: `["a"]`},
		{args: `[["a", 1]]`, wantErr: `Error: Error deserializing field 'x': expected Vec<String>, got ["a",1]`},
		{args: `[{"a": 1}]`, wantErr: `Error: Error deserializing field 'x': expected Vec<String>, got {"a":1}`},
		{args: `[]`, wantErr: `expected 1 arguments, got 0`},
		{args: `[["a"], ["b"]]`, wantErr: `expected 1 arguments, got 2`},
	})
}

func TestArraySets(t *testing.T) {
	const hs = "std::collections::hash::set::HashSet<String>"
	checkCalls(t, "array", "intersect", []ajCase{
		{args: `[["c", "a", "b", "a"], ["b", "c", "c", "d"]]`, want: `["c","b"]`},
		{args: `[["a"], []]`, want: `[]`},
		{args: `[[], []]`, want: `[]`},
		{args: `[["a"]]`, wantErr: `expected 2 arguments, got 1`},
		{args: `[["a"], ["b"], ["c"]]`, wantErr: `expected 2 arguments, got 3`},
		{args: `[[1], ["b"]]`, wantErr: `Error: Error deserializing field 'x': expected ` + hs + `, got [1]`},
		{args: `[["a"], "b"]`, wantErr: `Error: Error deserializing field 'y': expected ` + hs + `, got "b"`},
	})
	checkCalls(t, "array", "diff", []ajCase{
		{args: `[["c", "a", "b", "a", "d"], ["b", "x"]]`, want: `["c","a","d"]`},
		{args: `[["a"], ["a"]]`, want: `[]`},
		{args: `[[], ["a"]]`, want: `[]`},
		{args: `[[null], []]`, wantErr: `Error: Error deserializing field 'x': expected ` + hs + `, got [null]`},
		{args: `[]`, wantErr: `expected 2 arguments, got 0`},
	})
	checkCalls(t, "array", "sdiff", []ajCase{
		{args: `[["c", "a", "b", "a"], ["e", "b", "d", "e"]]`, want: `["c","a","e","d"]`},
		{args: `[["a", "b"], ["b", "a"]]`, want: `[]`},
		{args: `[[], ["z", "z"]]`, want: `["z"]`},
		{args: `[["a"], [true]]`, wantErr: `Error: Error deserializing field 'y': expected ` + hs + `, got [true]`},
		{args: `[["a"]]`, wantErr: `expected 2 arguments, got 1`},
	})
}

func TestArraySlice(t *testing.T) {
	const arity = "invalid number of parameters. need array, start index and end index"
	checkCalls(t, "array", "slice", []ajCase{
		{args: `[[1, "a", null, [true]], 1, 3]`, want: `["a",null]`},
		{args: `[[1, 2, 3], 0, 3]`, want: `[1,2,3]`},
		{args: `[[1, 2, 3], 2, 2]`, want: `[]`},
		{args: `[[1, 2, 3], 3, 3]`, want: `[]`},
		// An empty array is sliced to [] before the indexes are looked at.
		{args: `[[], 5, 1]`, want: `[]`},
		{args: `[[], "x", -1]`, want: `[]`},
		{args: `[[1, 2, 3], 2, 1]`, wantErr: `slice indexes out of bounds. start index: 2, end index: 1, array length: 3`},
		{args: `[[1, 2, 3], 0, 4]`, wantErr: `slice indexes out of bounds. start index: 0, end index: 4, array length: 3`},
		{args: `[[1], 18446744073709551615, 18446744073709551615]`, wantErr: `slice indexes out of bounds. start index: 18446744073709551615, end index: 18446744073709551615, array length: 1`},
		{args: `[[1, 2], -1, 1]`, wantErr: `second argument (start index) must be an unsigned integer, was -1`},
		{args: `[[1, 2], 0.0, 1]`, wantErr: `second argument (start index) must be an unsigned integer, was 0.0`},
		{args: `[[1, 2], 0, "1"]`, wantErr: `third argument (end index) must be an unsigned integer, was "1"`},
		{args: `[[1, 2], "a", "b"]`, wantErr: `second argument (start index) must be an unsigned integer, was "a"`},
		{args: `[{"a": [1]}, 0, 1]`, wantErr: `first argument must be an array, was {"a":[1]}`},
		{args: `["abc", 0, 1]`, wantErr: `first argument must be an array, was "abc"`},
		{args: `[[1, 2], 0]`, wantErr: arity},
		{args: `[[1, 2], 0, 1, 2]`, wantErr: arity},
		{args: `[]`, wantErr: arity},
	})
}

func TestArrayLength(t *testing.T) {
	checkCalls(t, "array", "length", []ajCase{
		{args: `[[]]`, want: `0`},
		{args: `[[1, [2, 3], null]]`, want: `3`},
		{args: `["abc"]`, wantErr: `op array_length's argument must be an array`},
		{args: `[]`, wantErr: `op array_length accepts exactly 1 argument: 0 found`},
		{args: `[[1], [2]]`, wantErr: `op array_length accepts exactly 1 argument: 2 found`},
	})
}

func TestArrayFunctions(t *testing.T) {
	got := Functions("array")
	want := []string{"dedup", "diff", "intersect", "length", "sdiff", "slice", "sum"}
	if len(got) != len(want) {
		t.Fatalf("array functions = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("array functions = %v, want %v", got, want)
		}
	}
}
