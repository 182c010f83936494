//go:build wasip1

// Command guest is the jsonabi tests' own SDK module: the edges the examples do not reach.
package main

import (
	"encoding/json"
	"fmt"

	"github.com/aquanet/aquanet/wasmhost/sdk"
)

func init() {
	sdk.Record("Pair", sdk.Args("left", "s32", "right", "[]u8"))
	sdk.Func("params", nil, "json", func(c *sdk.Call, _ []json.RawMessage) (any, error) {
		return c.Params(), nil
	})
	sdk.Func("crash", sdk.Args("why", "string"), "", func(_ *sdk.Call, args []json.RawMessage) (any, error) {
		var why string
		_ = sdk.Decode(args, &why)
		panic("crash: " + why)
	})
	sdk.Func("log", sdk.Args("level", "s32", "msg", "string"), "", func(_ *sdk.Call, args []json.RawMessage) (any, error) {
		var level int32
		var msg string
		if err := sdk.Decode(args, &level, &msg); err != nil {
			return nil, err
		}
		sdk.Log(sdk.Level(level), msg)
		return nil, nil
	})
	// recurse calls itself n times through the host, by its linked name module.
	sdk.Func("recurse", sdk.Args("module", "string", "n", "u32"), "u32", func(_ *sdk.Call, args []json.RawMessage) (any, error) {
		var module string
		var n uint32
		if err := sdk.Decode(args, &module, &n); err != nil {
			return nil, err
		}
		if n == 0 {
			return 0, nil
		}
		out, err := sdk.CallModule(module, "recurse", module, n-1)
		if err != nil {
			return nil, err
		}
		var depth uint32
		if err := json.Unmarshal(out, &depth); err != nil {
			return nil, fmt.Errorf("recurse: %s", out)
		}
		return depth + 1, nil
	})
	// call is sdk.CallModule for the tests to drive: its error comes back as the result's
	// "error" field, so that a test can tell it from the guest's own errors.
	sdk.Func("call", sdk.Args("module", "string", "fn", "string", "args", "[]json"), "json", func(_ *sdk.Call, args []json.RawMessage) (any, error) {
		var module, fn string
		var fnArgs []any
		if err := sdk.Decode(args, &module, &fn, &fnArgs); err != nil {
			return nil, err
		}
		out, err := sdk.CallModule(module, fn, fnArgs...)
		if err != nil {
			return map[string]string{"error": err.Error()}, nil
		}
		return map[string]json.RawMessage{"ok": out}, nil
	})
	// echo returns its arguments: every declared type the host checks.
	sdk.Func("echo", sdk.Args("b", "bool", "i", "s8", "u", "u64", "f", "f64", "bytes", "[]u8", "names", "[]string", "pair", "Pair", "pairs", "[][]Pair"), "json",
		func(_ *sdk.Call, args []json.RawMessage) (any, error) {
			return args, nil
		})
	sdk.Func("fail", sdk.Args("msg", "string"), "", func(_ *sdk.Call, args []json.RawMessage) (any, error) {
		var msg string
		_ = sdk.Decode(args, &msg)
		return nil, fmt.Errorf("%s", msg)
	})
}

func main() {}
