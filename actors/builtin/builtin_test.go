package builtin

import (
	"errors"
	"testing"

	"github.com/aquanet/aquanet/interpreter/value"
)

// FuzzBuiltins calls every builtin with arbitrary arguments: none may panic, and every failure
// is an *Error (so the service actor can hand it to the script as a catchable call failure).
func FuzzBuiltins(f *testing.F) {
	for _, seed := range []string{`[]`, `[1]`, `[1, 2]`, `["a", "b"]`, `[[1, 2], [3]]`, `[[], 0, 1]`,
		`[{"a": 1}, "a", 2]`, `[-1, 18446744073709551615]`, `[1.5, -0.0, 1e308]`, `["{\"x\":1}"]`,
		`[9223372036854775807, 2]`, `[-9223372036854775808, -1]`, `[[1, "a", null, [true]], 1, 0]`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		v, err := value.Parse([]byte(text), value.Limits{MaxBytes: 1 << 12})
		if err != nil || v.Kind() != value.KindArray {
			return
		}
		args := make([]value.Value, v.Len())
		for i := range args {
			args[i] = v.Index(i)
		}
		for _, service := range Services() {
			for _, fn := range Functions(service) {
				call, _ := Lookup(service, fn)
				if _, err := call(args); err != nil {
					var be *Error
					if !errors.As(err, &be) || be.Msg == "" {
						t.Fatalf("%s.%s(%s): error %v is not a builtin *Error with a message", service, fn, text, err)
					}
				}
			}
		}
	})
}
