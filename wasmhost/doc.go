// Package wasmhost runs services made of WebAssembly modules on wazero: Fluence's Compute Engine
// in aquanet.
//
// A module speaks one of two ABIs. Modules built with Fluence's marine-rs-sdk (0.6–0.14) run
// unchanged: their interface-types section describes their functions, and their arguments and
// results are interface types lifted from and lowered into the module's memory (the Marine
// back end, internal/marine). Modules built with aquanet's own SDK (wasmhost/sdk, Go guests for
// GOOS=wasip1) take and return JSON (internal/jsonabi).
//
// A service is modules in link order, the last being its facade: a module may import from the
// modules before it, by their names, and only the facade's exports are the service's functions.
// Host.Instantiate checks that a service links and that every host capability its modules
// import beyond WASI (Marine's mounted binaries) is granted by the node to that module by name
// (Config.WithMountedBinaries; else a *DeniedError), then makes an Instance
// in a wazero runtime of its own, so that the names of one service's modules never meet
// another's.
//
// What a caller must know:
//   - Inspect (and Host.Inspect) refuses a module before compiling it: too large, malformed, of
//     neither ABI, importing what no module may. Compiling is costly (a second for a large
//     module) and cached, on disk with Config.WithCompilationCacheDir.
//   - An Instance serves one call at a time. A call is stopped when its context ends or the
//     host's call time limit passes; every module's memory is bounded by the host's page limit.
//   - After a Trap (a guest fault, a guest out of memory, a call stopped) the Instance is broken
//     (Broken) and refuses calls: make a new one. Other errors leave it as it was.
//   - Guests read time from the Config's clock and randomness from a seed derived from the
//     Config's seed, the service id and the module name, so a service in the simulator replays.
//     The call time limit is the one thing measured on the real clock: a guest that hits it
//     fails the call in any run. A granted mounted binary is a program of the host, outside
//     all of this: it runs with the node's privileges and does not replay.
package wasmhost
