// Package builtin holds the node's builtin services that are pure functions of their arguments:
// op, math, cmp, array and json. Each behaves as the same builtin of Fluence's node (nox,
// crates/particle-builtins) and as the Aqua standard library (@fluencelabs/aqua-lib,
// builtin.aqua) declares it: same arguments, same results, same failures. The service actors
// of package actors call them; builtins that need the node (peer, srv, stat, peer.timeout) live
// there.
//
// A builtin never panics on any arguments: wrong arity or types is an *Error, which the caller
// turns into a failed call the script can catch with xor.
package builtin

import (
	"fmt"
	"slices"

	"github.com/aquanet/aquanet/interpreter/value"
)

// Func is a builtin function.
type Func func(args []value.Value) (value.Value, error)

// Error is a builtin's failure. Msg is the call's error message as the script sees it.
type Error struct {
	Msg string
}

func (e *Error) Error() string { return e.Msg }

func errorf(format string, args ...any) error {
	return &Error{Msg: fmt.Sprintf(format, args...)}
}

// services maps a service id to its functions. It is filled by the init functions of the
// files that define each service, and never changes afterwards.
var services = map[string]map[string]Func{}

func register(service string, funcs map[string]Func) {
	if _, dup := services[service]; dup {
		panic("builtin: service " + service + " registered twice")
	}
	services[service] = funcs
}

// Lookup returns the builtin service.function, if there is one.
func Lookup(service, function string) (Func, bool) {
	f, ok := services[service][function]
	return f, ok
}

// Services returns the ids of the builtin services, sorted.
func Services() []string {
	ids := make([]string, 0, len(services))
	for id := range services {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Functions returns the function names of a builtin service, sorted; nil if there is no such
// service.
func Functions(service string) []string {
	funcs, ok := services[service]
	if !ok {
		return nil
	}
	names := make([]string, 0, len(funcs))
	for name := range funcs {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
