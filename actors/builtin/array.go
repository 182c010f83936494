package builtin

import (
	"github.com/aquanet/aquanet/interpreter/value"
)

// The array service, as nox implements it: fluencelabs/nox, particle-builtins/src/builtins.rs
// (the ("array", …) arms, array_slice, array_length), particle-builtins/src/math.rs
// (array_sum, dedup, intersect, diff, sdiff) and particle-builtins/src/func.rs (the unary and
// binary helpers); declared in fluencelabs/aqua-lib, math.aqua (service Array("array")).
//
//   - sum(xs: []i64) -> i64: exactly 1 argument ("expected 1 arguments, got N"); xs must be an
//     array of integers in the i64 range (floats, even 1.0, and u64s above i64 max are type
//     errors: serde_json deserializing a Vec<i64>); [] sums to 0; overflow fails with
//     "i64 add overflow".
//   - dedup(xs: []string) -> []string: exactly 1 argument, an array of strings (Vec<String>);
//     keeps the first occurrence of each string in order (itertools' unique).
//   - intersect, diff, sdiff(xs, ys: []string) -> []string: exactly 2 arguments, arrays of
//     strings (HashSet<String>); results have no duplicates. nox collects them from Rust
//     HashSets, so their order there is random (the Aqua library says "not stable"). We
//     choose a deterministic order that nox could also produce: order of first occurrence in
//     xs, and for sdiff the part from xs (xs \ ys) followed by the part from ys (ys \ xs), as
//     Rust's symmetric_difference chains them.
//   - slice(array, start, end): exactly 3 arguments, else "invalid number of parameters. need
//     array, start index and end index"; an empty array gives [] whatever start and end are
//     (nox checks that before the indexes); start and end must be non-negative integers;
//     start > end or end > len fails with "slice indexes out of bounds. …"; otherwise
//     array[start:end].
//   - length(array): the same function as op.array_length (arrayLength in op.go).
//
// Type errors are those of nox's argument reader (args.go); the field names are "x" and "y",
// as func.rs names them.
func init() {
	register("array", map[string]Func{
		"sum":       arraySum,
		"dedup":     arrayDedup,
		"intersect": setOp(intersectStrings),
		"diff":      setOp(diffStrings),
		"sdiff":     setOp(sdiffStrings),
		"slice":     arraySlice,
		"length":    arrayLength,
	})
}

// int64sArg reads an argument as serde_json deserializes a Vec<i64>.
func int64sArg(field string, v value.Value) ([]int64, error) {
	if v.Kind() != value.KindArray {
		return nil, WrongType(field, "Vec<i64>", v)
	}
	xs := make([]int64, v.Len())
	for i := range xs {
		x, ok := v.Index(i).Int64()
		if !ok {
			return nil, WrongType(field, "Vec<i64>", v)
		}
		xs[i] = x
	}
	return xs, nil
}

// stringsArg reads an argument as serde_json deserializes a sequence of strings; expected is
// the Rust type named in the error (Vec<String> or a HashSet).
func stringsArg(field, expected string, v value.Value) ([]string, error) {
	if v.Kind() != value.KindArray {
		return nil, WrongType(field, expected, v)
	}
	xs := make([]string, v.Len())
	for i := range xs {
		s, ok := v.Index(i).Str()
		if !ok {
			return nil, WrongType(field, expected, v)
		}
		xs[i] = s
	}
	return xs, nil
}

func stringsValue(xs []string) value.Value {
	elems := make([]value.Value, len(xs))
	for i, s := range xs {
		elems[i] = value.String(s)
	}
	return value.Array(elems...)
}

func arraySum(args []value.Value) (value.Value, error) {
	if err := wantArgs(args, 1); err != nil {
		return value.Value{}, err
	}
	xs, err := int64sArg("x", args[0])
	if err != nil {
		return value.Value{}, err
	}
	var sum int64
	for _, x := range xs {
		s := sum + x
		// Signed overflow: both operands have the same sign and the sum has the other.
		if (x > 0 && s < sum) || (x < 0 && s > sum) {
			return value.Value{}, errorf("i64 add overflow")
		}
		sum = s
	}
	return value.Int(sum), nil
}

func arrayDedup(args []value.Value) (value.Value, error) {
	if err := wantArgs(args, 1); err != nil {
		return value.Value{}, err
	}
	xs, err := stringsArg("x", "Vec<String>", args[0])
	if err != nil {
		return value.Value{}, err
	}
	return stringsValue(unique(xs)), nil
}

// unique returns xs without repeats, first occurrences in order.
func unique(xs []string) []string {
	seen := make(map[string]bool, len(xs))
	out := make([]string, 0, len(xs))
	for _, s := range xs {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// hashSetType is how nox's argument reader names a HashSet<String> in its errors
// (std::any::type_name with "alloc::string::" removed).
const hashSetType = "std::collections::hash::set::HashSet<String>"

// setOp makes a binary set function of two arrays of strings.
func setOp(op func(xs, ys []string) []string) Func {
	return func(args []value.Value) (value.Value, error) {
		if err := wantArgs(args, 2); err != nil {
			return value.Value{}, err
		}
		xs, err := stringsArg("x", hashSetType, args[0])
		if err != nil {
			return value.Value{}, err
		}
		ys, err := stringsArg("y", hashSetType, args[1])
		if err != nil {
			return value.Value{}, err
		}
		return stringsValue(op(unique(xs), unique(ys))), nil
	}
}

func setOf(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, s := range xs {
		m[s] = true
	}
	return m
}

// filter returns the elements of xs whose membership in set is keep.
func filter(xs []string, set map[string]bool, keep bool) []string {
	out := []string{}
	for _, s := range xs {
		if set[s] == keep {
			out = append(out, s)
		}
	}
	return out
}

// The set functions take xs and ys already without repeats.

func intersectStrings(xs, ys []string) []string { return filter(xs, setOf(ys), true) }

func diffStrings(xs, ys []string) []string { return filter(xs, setOf(ys), false) }

func sdiffStrings(xs, ys []string) []string {
	return append(filter(xs, setOf(ys), false), filter(ys, setOf(xs), false)...)
}

func arraySlice(args []value.Value) (value.Value, error) {
	if len(args) != 3 {
		return value.Value{}, errorf("invalid number of parameters. need array, start index and end index")
	}
	array, start, end := args[0], args[1], args[2]
	if array.Kind() != value.KindArray {
		return value.Value{}, errorf("first argument must be an array, was %s", array)
	}
	if array.Len() == 0 {
		return value.Array(), nil
	}
	// as_u64: non-negative integers only, never floats.
	from, ok := start.Uint64()
	if !ok {
		return value.Value{}, errorf("second argument (start index) must be an unsigned integer, was %s", start)
	}
	to, ok := end.Uint64()
	if !ok {
		return value.Value{}, errorf("third argument (end index) must be an unsigned integer, was %s", end)
	}
	n := uint64(array.Len())
	if from > to || to > n {
		return value.Value{}, errorf("slice indexes out of bounds. start index: %d, end index: %d, array length: %d", from, to, n)
	}
	elems := make([]value.Value, to-from)
	for i := range elems {
		elems[i] = array.Index(int(from) + i)
	}
	return value.Array(elems...), nil
}
