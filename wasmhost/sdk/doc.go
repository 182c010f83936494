// Package sdk is aquanet's SDK for Wasm services written in Go: guests built with the stock
// toolchain for wasip1 that the node loads with wasmhost's JSON back end
// (wasmhost/internal/jsonabi). A service registers its functions in init and has an empty
// main; the host calls them with JSON arguments and gets JSON results.
//
//	//go:build wasip1
//
//	package main
//
//	import (
//		"encoding/json"
//
//		"github.com/aquanet/aquanet/wasmhost/sdk"
//	)
//
//	func init() {
//		sdk.Func("greet", sdk.Args("name", "string"), "string", greet)
//	}
//
//	func greet(c *sdk.Call, args []json.RawMessage) (any, error) {
//		var name string
//		if err := sdk.Decode(args, &name); err != nil {
//			return nil, err
//		}
//		return "Hi, " + name, nil
//	}
//
//	func main() {}
//
// Build it as a reactor, a module whose exports the host calls after running its
// _initialize:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o greeting.wasm ./examples/greeting
//
// Everything but this page is built for wasip1 only; read the full API with
// GOOS=wasip1 GOARCH=wasm go doc github.com/aquanet/aquanet/wasmhost/sdk.
//
// # Types
//
// Arguments and outputs are declared by Marine's type names, so that a service is described
// to AIR, Aqua and the node's builtins as a Marine service would be: "string", "bool", "s8",
// "s16", "s32", "s64", "u8", "u16", "u32", "u64", "i32", "i64", "f32", "f64", "[]u8" (bytes:
// a JSON array of numbers 0–255, see [Bytes]), "[]T" for an array of any such T, a record by
// the name it was declared with ([Record]), and "json" for any JSON value. The host checks
// every argument against its declared type before the guest runs, so a handler can decode
// its arguments without re-checking them; a mismatch never reaches the guest. The host does
// not check results: a handler returns what it declared.
//
// # State
//
// A node runs a service's calls one at a time on one instance, unless the service declares
// with [Stateless] that its calls do not depend on each other: then, as calls arrive together,
// it runs them at once on several instances (up to the node's pool size), each with its own
// memory and all with the same /storage. A service that keeps anything in memory between
// calls (a cache it must see again, a counter) must not declare it.
//
// # ABI, version 1
//
// The host and the guest exchange JSON texts in the guest's linear memory. A pointer and a
// length travel as one i64, ptr<<32 | len ("packed").
//
// The guest exports:
//
//   - aquanet_sdk_v1(): a marker, by which the host knows a module of this SDK and this ABI.
//   - aquanet_alloc(size i32) i32: a buffer of size bytes for the host to write into. The guest
//     keeps it alive until aquanet_release.
//   - aquanet_release(): frees every buffer handed out since the last release, the host's
//     (from aquanet_alloc) and the guest's results alike. The host calls it when it has read a
//     result and no call of that module is still running.
//   - aquanet_interface() i64: packed pointer to the module's interface, JSON
//     {"functions":[{"name":..,"args":[{"name":..,"type":..}],"outputs":[..]}],
//     "records":[{"name":..,"fields":[{"name":..,"type":..}]}], "stateless": true}, outputs
//     holding none or one type name, stateless optional.
//   - aquanet_call(fnPtr, fnLen, argsPtr, argsLen, paramsPtr, paramsLen i32) i64: calls the
//     function named by the text at fnPtr with the JSON array of arguments at argsPtr and the
//     call parameters at paramsPtr (JSON, see [CallParams]), and returns a packed pointer to
//     the envelope {"ok": <value>} or {"error": "<message>"}.
//
// The guest imports, from module aquanet_host:
//
//   - log(level i32, ptr i32, len i32): a log line, level 1 error … 5 trace (see [Level]).
//   - call(modPtr, modLen, fnPtr, fnLen, argsPtr, argsLen i32) i64: calls function fn of
//     another module of the same service, named as it was linked, with a JSON array of
//     arguments. The host checks the arguments against the callee's interface, runs the
//     callee's aquanet_call with the caller's call parameters and copies the envelope into
//     the caller's memory through the caller's aquanet_alloc, returning its packed pointer.
//     Nested calls are bounded in depth; past the bound, and for an unknown module, the
//     envelope is an error. A trap of the callee ends the whole call.
//
// # Notes
//
//   - The guest's buffers are Go slices kept reachable in a list; Go's collector does not
//     move objects, so their addresses stay valid until aquanet_release drops them.
//   - A handler that panics crashes the guest: the host reports a trap and discards the
//     instance. Return an error instead for a failure AIR should see (and may catch).
//   - Handlers may keep state in package variables and in files under the directories the
//     node preopens (a service's /storage): an instance lives for many calls, one at a time.
//     A handler waiting in CallModule can be entered again, when the call comes back to its
//     own module (directly or through another); state it holds across CallModule must allow
//     that.
package sdk
