// Package marine runs services built for Fluence's Marine runtime (marine-rs-sdk 0.6–0.14,
// interface-types 0.20–0.27) unchanged on wazero: [Load] is the engine.Loader of that ABI.
//
// A service is a list of modules; each may import functions from the modules before it, and
// the last one, the facade, is the service's interface. Each module describes its functions in
// its interface-types custom section (package it), whose adapters this package interprets to
// move values between JSON, interface values and the module's memory (marine.md §2).
//
// # What a caller must know
//
//   - The runtime must keep custom sections: make it with
//     wazero.NewRuntimeConfig().WithCustomSections(true). (wazero also keeps them while debug
//     info is enabled, its default; do not rely on that.) Without them Load fails, saying so.
//   - Modules are instantiated under their Module.Name, each with the WASI configuration of its
//     Module.Config; their start functions are turned off and _initialize then _start run
//     after linking. Imports resolve through wazero's experimental import resolver, so a
//     service needs nothing else instantiated in the runtime, and shadows nothing there.
//   - A Service is not safe for concurrent use, nor re-entrant: serialise its calls.
//   - Errors of Call: *engine.NoFunctionError and *engine.ArgumentError leave the instances as
//     they were. *engine.Trap (a Wasm trap, the call's context ending, proc_exit, a mounted
//     binary not granted being called, a value the adapters could not lift or lower) means the instances
//     are in an unknown state: throw the Service away (Close it); every later Call returns a
//     Trap as well.
//   - The call's api.CallParams travel in its context.Context to get_call_parameters, which
//     writes them in the record layout of the namespace the module imported it from (host,
//     __marine_host_api_v1, _v2 or _v3). Outside a call (in _start) they are empty.
//   - Mounted binaries (any other import of a host namespace) run the program engine.Host's
//     MountedBinaries grants the module under that name, with Marine's signature
//     (cmd: [string]) -> MountedBinaryResult{ret_code, error, stdout, stderr}: no shell, an
//     empty environment, stdin empty, until the call's context ends, at most MaxBinaryOutput
//     bytes of each output (past them the program is stopped and error says so). A program
//     that cannot start is ret_code 100001 and the reason, one killed is 100000, as in Marine.
//     An import of a binary not granted exists, and calling it traps, naming the binary.
//   - Integer conversions in adapters are checked as Marine checks them (Rust's TryFrom), so
//     what fails in Marine fails here, as a Trap: a u32 argument or result of 2^31 or more
//     (it crosses as an i32), a u64 of 2^63 or more (as an i64), a result out of its type's
//     range. Values inside records and arrays are not converted and have no such limit.
package marine
