package jsonabi

import (
	"errors"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/wasmhost/internal/engine"
)

// echoArgs are good arguments of the test guest's echo:
// (b: bool, i: s8, u: u64, f: f64, bytes: []u8, names: []string, pair: Pair, pairs: [][]Pair),
// Pair being {left: s32, right: []u8}.
var echoArgs = []string{`true`, `-128`, `18446744073709551615`, `1`, `[0,255]`, `["a"]`,
	`{"left":-1,"right":[],"extra":"ignored"}`, `[[],[{"left":2147483647,"right":[7]}]]`}

// withArg returns echoArgs with argument i replaced.
func withArg(i int, arg string) []string {
	args := append([]string(nil), echoArgs...)
	args[i] = arg
	return args
}

func TestArgumentsFit(t *testing.T) {
	svc := load(t, engine.Host{}, module{name: "guest", guest: "guest"})
	mustCall(t, svc, "["+strings.Join(echoArgs, ",")+"]", "echo", echoArgs...)
	mustCall(t, svc, "["+strings.Join(withArg(3, "-2.5e3"), ",")+"]", "echo", withArg(3, "-2.5e3")...)
}

func TestArgumentErrors(t *testing.T) {
	svc := load(t, engine.Host{}, module{name: "guest", guest: "guest"})
	for _, tc := range []struct {
		args               []string
		arg, want, wantGot string
		index              int
		fn                 string
	}{
		{fn: "echo", args: echoArgs[:7], want: "8", wantGot: "7"},
		{fn: "echo", args: append(withArg(0, "1"), "1"), want: "8", wantGot: "9"},
		{fn: "echo", args: withArg(0, `"true"`), index: 0, arg: "b", want: "bool", wantGot: `a string "true"`},
		{fn: "echo", args: withArg(1, `128`), index: 1, arg: "i", want: "s8", wantGot: "the number 128"},
		{fn: "echo", args: withArg(1, `1.0`), index: 1, arg: "i", want: "s8", wantGot: "the number 1.0"},
		{fn: "echo", args: withArg(2, `-1`), index: 2, arg: "u", want: "u64", wantGot: "the number -1"},
		{fn: "echo", args: withArg(3, `null`), index: 3, arg: "f", want: "f64", wantGot: "null"},
		{fn: "echo", args: withArg(4, `[1,256]`), index: 4, arg: "bytes", want: "[]u8", wantGot: "the number 256 at [1]"},
		{fn: "echo", args: withArg(4, `"AAE="`), index: 4, arg: "bytes", want: "[]u8", wantGot: `a string "AAE="`},
		{fn: "echo", args: withArg(5, `["a",1]`), index: 5, arg: "names", want: "[]string", wantGot: "the number 1 at [1]"},
		{fn: "echo", args: withArg(6, `{"left":1}`), index: 6, arg: "pair", want: "Pair", wantGot: "an object without field right"},
		{fn: "echo", args: withArg(6, `[1,[]]`), index: 6, arg: "pair", want: "Pair", wantGot: "an array of 2"},
		{fn: "echo", args: withArg(7, `[[{"left":1,"right":[-1]}]]`), index: 7, arg: "pairs", want: "[][]Pair",
			wantGot: "the number -1 at [0][0].right[0]"},
		{fn: "echo", args: withArg(7, `[[],[{"left":1,"right":[]},{"right":[]}]]`), index: 7, arg: "pairs", want: "[][]Pair",
			wantGot: "an object without field left at [1][1]"},
	} {
		_, err := call(t, svc, tc.fn, tc.args...)
		ae, ok := errors.AsType[*engine.ArgumentError](err)
		if !ok {
			t.Errorf("%s(%s) = %v (%T), want an ArgumentError", tc.fn, strings.Join(tc.args, ", "), err, err)
			continue
		}
		want := engine.ArgumentError{Function: tc.fn, Arg: tc.arg, Index: tc.index, Want: tc.want, Got: tc.wantGot}
		if *ae != want {
			t.Errorf("%s(%s): %+v, want %+v", tc.fn, strings.Join(tc.args, ", "), *ae, want)
		}
	}
	mustCall(t, svc, "["+strings.Join(echoArgs, ",")+"]", "echo", echoArgs...) // unharmed
}
