// Package difffuzz is a differential fuzzer of aquanet's AIR interpreter against the reference,
// AquaVM 0.62, run through Node.js by internal/oracle.
//
// A case is a generated script (gen.go: every instruction, folds over streams, stream maps and
// canons nested in each other, lenses, errors, and the join and fan-out patterns of compiled
// Aqua), the 2 to 4 peers that run it, how their services answer (services.go: a value, an
// echo of the arguments, an error, a text that is not JSON, or no answer, as a function of the
// seed, the peer, the call and its arguments) and the order in which the network delivers
// (network.go: particles and answers, picked from all pending ones, sometimes twice or
// together). Case.play runs it with aquanet's interpreter as every peer's, and records each
// run as an oracle.Step: which peer, which earlier steps' data it had as previous and current
// data, which call results. The reference runs the same chain (oracle.RunSteps, many cases per
// node process); since every step's inputs are earlier outcomes, the first step whose outcome
// differs (ret code, message, next peers, call request ids, or the data in the reference's
// human-readable view) is the difference (compare.go).
//
// A difference is minimized (minimize.go: instructions replaced by (null) or by a child, calls
// simplified, peers and delivery choices dropped, while the difference keeps its signature) and
// written as a regression file: the exact chain of steps, which TestRegressions replays from
// testdata/regressions against the reference. A file with a "divergence" documents a
// difference aquanet makes on purpose, and the test asserts exactly that difference.
//
// What is deliberately not compared: the text of parse errors (aquanet's parser has its own
// diagnostics; interpreter/air compares its verdicts and trees with the reference), and the
// order of the call results listed in an UnprocessedCallResult message (the reference's is a
// randomly seeded hash map's); and what follows a run aquanet stopped at its step or memory
// budget, which the reference does not have (counted as over budget; the divergence is
// documented in testdata/regressions).
//
// Running it: TestDifferential runs a fixed sample in the normal test run (seconds); with
// -difffuzz.duration (scripts/difffuzz.sh DURATION) it runs a session from -difffuzz.seed on
// and reports cases/s, steps/s and each kind of difference, minimized. FuzzDifferential feeds
// Go's fuzzing engine's bytes to the generator as its decisions.
package difffuzz
