// Package scenario runs a particle across a small simulated network of peers, with a scripted
// host, and reports what the particle did: the results it delivered to its initiator, the
// interpreter errors on the way, and each peer's final data.
//
// A scenario is a YAML (or JSON) file:
//
//	name: par-join
//	peers: [alice, bob, carol]   # each name is a peer; ed25519 seed = sha256(name)
//	init: alice                  # the initiator: the particle starts there with empty data
//	particle: {id: p-1, timestamp: 1700000000000, ttl: 600000}   # the defaults
//	script: |                    # {{peer:NAME}} becomes NAME's peer id
//	  (seq (par (call "{{peer:bob}}" ("peer" "name") [] n1) (call "{{peer:carol}}" ("peer" "name") [] n2))
//	       (call %init_peer_id% ("callbackSrv" "response") [n1 n2]))
//	args: {relay: "{{peer:bob}}", n: 5}   # ("getDataSrv" NAME) on the init peer returns args[NAME]
//	# or, instead of script, an exported Aqua function (path relative to this file), whose args
//	# are its parameters by name and "-relay-", the relay's peer id:
//	#   aqua: {file: corpus/topology.aqua, func: shoutFrom}
//	services:                    # rules, before the builtins; "*" = every peer; {{self}} = the peer's name
//	  - {peer: "*", service: peer, function: name, result: "{{self}}"}
//	  - {peer: bob, service: test, function: fail, error: "boom"}     # ret_code 1, result "boom"
//	  - {peer: carol, service: counter, function: next, results: [1, 2, 3]}   # successive calls
//	max_steps: 10000             # the default; bounds a looping script
//	racy: true                   # what it calls back depends on the order of arrivals (a race)
//	wasm:                        # Wasm services "aquanet sim" installs before the particle starts
//	  - {peer: "*", service: entropy, modules: [guest.wasm]}    # paths relative to this file
//	  - {peer: bob, service: text, modules: [textlib.wasm, {file: f.wasm, name: textfacade}]}
//	expect:                      # optional; checked by (*Result).Check
//	  callbacks: [{service: callbackSrv, function: response, args: ["bob", "carol"]}]
//
// Calls that no rule answers, and that are not the init peer's getDataSrv, callbackSrv, return
// or errorHandlingSrv, are answered as an aquanet node answers them: the builtins of package
// actors/builtin (op, math, cmp, array, json, debug) and peer.* on the scenario's clock and
// peers, with Fluence's node's error for a service or function that does not exist. A rule for
// a builtin wins over it. The rules in full are at the top of host.go.
//
// A wasm entry is a service of one or more modules (in link order, the facade last; a module is
// named by its file's base name without .wasm unless it says otherwise, and other modules import
// from it by that name) that each peer it names deploys as its own operator, under the alias
// the script calls. Only the simulator ("aquanet sim --workload") installs them: [Run] refuses a
// scenario that declares any, and a service cannot be both a rule's and a Wasm service.
//
// A scenario of an Aqua function has no Script after parsing, only the reference to the
// function (Scenario.Aqua): this package does not run the compiler, which needs Node.js. Package
// internal/aquascenario compiles the file and sets Script to the function's AIR, after checking
// args against its parameters; "aquanet air run --scenario" does so before running. Run refuses
// a scenario whose function was not compiled.
//
// [Parse] and [ParseFile] read and validate a scenario; [Run] runs it with an interpreter given as
// a [Step] (aquanet's interpreter.Run, or a fake in tests); [Result.Check] compares the outcome
// with the scenario's expect block.
//
// The same scenario runs through the reference interpreter, AquaVM 0.62, with package
// internal/scenario/reference: the host is this package's (the rules at the top of host.go), with
// AquaVM in a node process as its interpreter ([RunFallible]), so both interpreters meet the same
// deliveries and answers. Scenario files and the reference's results for them are in
// interpreter/testdata/scenarios.
package scenario
