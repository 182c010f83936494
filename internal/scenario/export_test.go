package scenario

import (
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/value"
)

// AnswerBuiltin answers a call on the peer named name by rules 3 and 4 (the node's builtins), at
// the start of the scenario's clock, for the tests of package scenario_test. later is true for
// an answer a timer gives after ms; never for a call never answered.
func AnswerBuiltin(s *Scenario, name, service, function string, args []value.Value) (res interpreter.CallResult, later, never bool, ms uint64) {
	r := newHost(s, s.ids).builtin(name, service, function, args)
	return r.result, r.when == whenLater, r.when == whenNever, r.after
}
