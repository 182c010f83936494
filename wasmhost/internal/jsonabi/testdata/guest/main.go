//go:build wasip1

// Command guest is the jsonabi tests' own SDK module: the edges the examples do not reach.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aquanet/aquanet/wasmhost/sdk"
)

func init() {
	sdk.Stateless() // nothing survives a call but what the host keeps
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
	// spin never returns: the host's time limit must stop it.
	sdk.Func("spin", nil, "", func(_ *sdk.Call, _ []json.RawMessage) (any, error) {
		for n := 0; ; n++ {
			sink = n
		}
	})
	// grow keeps allocating a MiB at a time, up to mib, and says how much it got.
	sdk.Func("grow", sdk.Args("mib", "u32"), "u32", func(_ *sdk.Call, args []json.RawMessage) (any, error) {
		var mib uint32
		if err := sdk.Decode(args, &mib); err != nil {
			return nil, err
		}
		for range mib {
			block := make([]byte, 1<<20)
			block[len(block)-1] = 1
			held = append(held, block)
		}
		return uint32(len(held)), nil
	})
	// deep recurses n frames deep.
	sdk.Func("deep", sdk.Args("n", "u64"), "u64", func(_ *sdk.Call, args []json.RawMessage) (any, error) {
		var n uint64
		if err := sdk.Decode(args, &n); err != nil {
			return nil, err
		}
		return depth(n), nil
	})
	// entropy reads the guest's clock and randomness (WASI clock_time_get and random_get).
	sdk.Func("entropy", nil, "json", func(_ *sdk.Call, _ []json.RawMessage) (any, error) {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		return map[string]any{"now_ms": time.Now().UnixMilli(), "random": hex.EncodeToString(b[:])}, nil
	})
	sdk.Func("fail", sdk.Args("msg", "string"), "", func(_ *sdk.Call, args []json.RawMessage) (any, error) {
		var msg string
		_ = sdk.Decode(args, &msg)
		return nil, fmt.Errorf("%s", msg)
	})
}

var (
	sink int
	held [][]byte
)

func depth(n uint64) uint64 {
	if n == 0 {
		return 0
	}
	var pad [64]byte // a frame of some size
	pad[n%64] = byte(n)
	return depth(n-1) + uint64(pad[n%64]&1)
}

func main() {}
