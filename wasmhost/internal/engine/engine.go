// Package engine is the contract between wasmhost and its two module back ends: Marine's ABI
// (modules built with marine-rs-sdk, described by their interface-types section) and aquanet's
// own JSON ABI (Go guests of wasmhost/sdk). Each back end links the modules of one service in
// one wazero.Runtime, instantiates them and calls the facade's exports; wasmhost picks the back
// end, makes the runtime (its limits, compilation cache, clock and randomness) and owns the
// instances' lifecycle.
package engine

import (
	"context"
	"fmt"

	"github.com/tetratelabs/wazero"

	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/wasmhost/api"
)

// Module is one module of a service, in link order: a module may import from the modules
// before it, by their Name (Marine's rule: the import namespace is the dependency's name).
// The last module of a service is its facade: only its exports are the service's functions.
type Module struct {
	Name     string
	Compiled wazero.CompiledModule // compiled in the runtime the service is loaded into
	// Config is the module's WASI configuration (preopened dirs, env, clocks, randomness,
	// stdout/stderr) as wasmhost made it; the back end adds the module's name and turns start
	// functions off, then runs _initialize and _start itself, after linking.
	Config wazero.ModuleConfig
}

// Host is what a service may ask of its node while it runs.
type Host struct {
	// Log receives a module's log line (Marine's log_utf8_string: level 1 error … 5 trace,
	// target as the module gave it). nil drops them.
	Log func(module string, level int32, target int32, msg string)
	// MountedBinaries are the host programs the node owner grants, per module: module name ->
	// binary name (the name a Marine module imports from its host API namespace) -> absolute
	// path of the program on the host. A back end runs a granted binary when the module calls
	// its import, with the arguments the module gives and nothing else (no shell); an import of
	// a binary not granted to that module fails the call that reaches it. wasmhost refuses a
	// service with an ungranted import before loading it, so a back end sees one only when it
	// is loaded directly. The maps are read, never changed.
	MountedBinaries map[string]map[string]string
}

// Service is a loaded, linked service instance. It is not safe for concurrent use: a caller
// serialises its calls (a service actor does).
type Service interface {
	// Interface describes the facade's exported functions and the records they use.
	Interface() api.Interface
	// Call runs function fn of the facade with args (JSON values from AIR, converted by the
	// function's signature). ctx bounds the call (its deadline stops the guest when the
	// runtime closes modules on context done). The error is *ArgumentError, *NoFunctionError,
	// *Trap or *ServiceError.
	Call(ctx context.Context, fn string, args []value.Value, params api.CallParams) (value.Value, error)
	// Close releases the instances.
	Close(ctx context.Context) error
}

// Loader links modules into a runtime: both back ends have one.
type Loader func(ctx context.Context, r wazero.Runtime, modules []Module, host Host) (Service, error)

// ArgumentError is an argument that does not fit the function's signature (a wrong count, a
// wrong type, a number out of range). The instance is unharmed.
type ArgumentError struct {
	Function string
	Arg      string // the argument's name; "" when the count is wrong
	Index    int
	Want     string // the type or count expected
	Got      string // what was given, briefly
}

func (e *ArgumentError) Error() string {
	if e.Arg == "" {
		return fmt.Sprintf("function %s takes %s arguments, got %s", e.Function, e.Want, e.Got)
	}
	return fmt.Sprintf("function %s: argument %d (%s) must be %s, got %s", e.Function, e.Index, e.Arg, e.Want, e.Got)
}

// NoFunctionError is a call of a function the facade does not export.
type NoFunctionError struct {
	Function string
}

func (e *NoFunctionError) Error() string {
	return fmt.Sprintf("the service has no function %q", e.Function)
}

// Trap is a failure of the guest while it ran: a Wasm trap (unreachable, out of bounds, stack
// overflow), memory it could not grow, the call's context ending, or a result the back end
// could not read. The instance must not be used again.
type Trap struct {
	Module   string // the module that was running, when known
	Function string
	Err      error
}

func (e *Trap) Error() string {
	if e.Module != "" {
		return fmt.Sprintf("module %s trapped in %s: %v", e.Module, e.Function, e.Err)
	}
	return fmt.Sprintf("trapped in %s: %v", e.Function, e.Err)
}

func (e *Trap) Unwrap() error { return e.Err }

// ServiceError is an error the guest itself returned (aquanet's SDK lets a function fail with
// a message). The instance is unharmed.
type ServiceError struct {
	Function string
	Message  string
}

func (e *ServiceError) Error() string { return e.Message }
