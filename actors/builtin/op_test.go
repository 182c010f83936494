package builtin

import (
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"github.com/mr-tron/base58"

	"github.com/aquanet/aquanet/interpreter/value"
)

// parseArgs reads a JSON array of arguments.
func parseArgs(t *testing.T, text string) []value.Value {
	t.Helper()
	v, err := value.Parse([]byte(text), value.Limits{})
	if err != nil || v.Kind() != value.KindArray {
		t.Fatalf("bad test arguments %s: %v", text, err)
	}
	args := make([]value.Value, v.Len())
	for i := range args {
		args[i] = v.Index(i)
	}
	return args
}

// callCase is one call of a builtin: the arguments as a JSON array, and either the result as
// JSON or the error message (or a prefix of it, ending in "…").
type callCase struct {
	fn, args, want, err string
}

func runCases(t *testing.T, service string, cases []callCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.fn+" "+tc.args, func(t *testing.T) {
			f, ok := Lookup(service, tc.fn)
			if !ok {
				t.Fatalf("%s.%s is not a builtin", service, tc.fn)
			}
			got, err := f(parseArgs(t, tc.args))
			if tc.err != "" {
				var be *Error
				if !errors.As(err, &be) {
					t.Fatalf("got %s, %v; want the error %q", got, err, tc.err)
				}
				if prefix, ok := strings.CutSuffix(tc.err, "…"); ok && strings.HasPrefix(be.Msg, prefix) {
					return
				}
				if be.Msg != tc.err {
					t.Fatalf("error %q, want %q", be.Msg, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("error %v, want %s", err, tc.want)
			}
			if got.String() != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestOp(t *testing.T) {
	hello := sha256.Sum256([]byte("hello"))
	mh := append([]byte{0x12, 0x20}, hello[:]...)
	jsonBytes := func(b []byte) string { return BytesValue(b).String() }
	runCases(t, "op", []callCase{
		{fn: "noop", args: `[1, 2]`, want: `""`},
		{fn: "identity", args: `[]`, want: `""`},
		{fn: "identity", args: `[{"a":[1]}]`, want: `{"a":[1]}`},
		{fn: "identity", args: `[1, 2]`, err: "identity accepts up to 1 arguments, received 2 arguments"},
		{fn: "array", args: `[1, "a", null]`, want: `[1,"a",null]`},
		{fn: "array", args: `[]`, want: `[]`},
		{fn: "array_length", args: `[[1, 2, 3]]`, want: `3`},
		{fn: "array_length", args: `["abc"]`, err: "op array_length's argument must be an array"},
		{fn: "array_length", args: `[[1], [2]]`, err: "op array_length accepts exactly 1 argument: 2 found"},
		{fn: "array_length", args: `[]`, err: "op array_length accepts exactly 1 argument: 0 found"},
		{fn: "concat", args: `[[1, 2], [], [3]]`, want: `[1,2,3]`},
		{fn: "concat", args: `[]`, want: `[]`},
		{fn: "concat", args: `[[1], 2]`, err: "all arguments of 'concat' must be arrays: argument #1 is not"},
		{fn: "concat_strings", args: `["a", "", "bc"]`, want: `"abc"`},
		{fn: "concat_strings", args: `[]`, want: `""`},
		{fn: "concat_strings", args: `["a", 1]`, err: "all arguments of 'concat_strings' must be strings: argument #1 is not"},
		{fn: "string_to_b58", args: `["hello"]`, want: `"` + base58.Encode([]byte("hello")) + `"`},
		{fn: "string_to_b58", args: `[]`, err: "Error: Field 'string' is missing from args to call_service"},
		{fn: "string_to_b58", args: `[5]`, err: "Error: Error deserializing field 'string': expected String, got 5"},
		{fn: "string_from_b58", args: `["Cn8eVZg"]`, want: `"hello"`},
		{fn: "string_from_b58", args: `[""]`, want: `""`},
		{fn: "bytes_from_b58", args: `[""]`, want: `[]`},
		{fn: "string_from_b58", args: `["0OIl"]`, err: "Error: decode base58 failed: …"},
		{fn: "string_from_b58", args: `["` + base58.Encode([]byte{'a', 0xff}) + `"]`, err: "Error: decode from bytes to UTF8 failed: invalid utf-8 sequence from index 1"},
		{fn: "bytes_to_b58", args: `[[104, 101, 108, 108, 111]]`, want: `"Cn8eVZg"`},
		{fn: "bytes_to_b58", args: `[[1, 256]]`, err: "Error: Error deserializing field 'bytes': expected Vec<u8>, got [1,256]"},
		{fn: "bytes_to_b58", args: `[[1.5]]`, err: "Error: Error deserializing field 'bytes': expected Vec<u8>, got [1.5]"},
		{fn: "bytes_from_b58", args: `["Cn8eVZg"]`, want: `[104,101,108,108,111]`},
		{fn: "sha256_string", args: `["hello"]`, want: `"` + base58.Encode(mh) + `"`},
		{fn: "sha256_string", args: `["hello", true]`, want: `"` + base58.Encode(hello[:]) + `"`},
		{fn: "sha256_string", args: `["hello", [true], [true]]`, want: jsonBytes(hello[:])},
		{fn: "sha256_string", args: `["hello", false, true]`, want: jsonBytes(mh)},
		{fn: "sha256_string", args: `["hello", [], null]`, want: `"` + base58.Encode(mh) + `"`},
		{fn: "sha256_string", args: `["hello", [true, false]]`, err: "Error: Option's array must contain at most 1 element, 'digest_only' was of 2 elements"},
		{fn: "sha256_string", args: `["hello", "yes"]`, err: `Error: Error deserializing field 'digest_only': expected Option<bool>, got "yes"`},
		{fn: "sha256_string", args: `["` + strings.Repeat("x", 100) + `", true]`, want: `"` + b58sha("x", 100) + `"`},
	})
}

func b58sha(s string, n int) string {
	d := sha256.Sum256([]byte(strings.Repeat(s, n)))
	return base58.Encode(d[:])
}

func TestLookupAndListing(t *testing.T) {
	if _, ok := Lookup("op", "no_such_function"); ok {
		t.Error("Lookup found op.no_such_function")
	}
	if _, ok := Lookup("no_such_service", "noop"); ok {
		t.Error("Lookup found no_such_service.noop")
	}
	if Functions("no_such_service") != nil {
		t.Error("Functions of an unknown service is not nil")
	}
	fns := Functions("op")
	if len(fns) == 0 || !strings.Contains(strings.Join(fns, ","), "identity") {
		t.Errorf("Functions(op) = %v", fns)
	}
	for i := 1; i < len(fns); i++ {
		if fns[i-1] >= fns[i] {
			t.Errorf("Functions(op) not sorted: %v", fns)
		}
	}
	ids := Services()
	for i := 1; i < len(ids); i++ {
		if ids[i-1] >= ids[i] {
			t.Errorf("Services() not sorted: %v", ids)
		}
	}
}
