//go:build wasip1

package sdk

import (
	"encoding/json"
	"fmt"
)

//go:wasmimport aquanet_host log
func hostLog(level int32, msg string)

//go:wasmimport aquanet_host call
func hostCall(module, fn, args string) uint64

// Level is a log line's severity, Marine's levels.
type Level int32

// The levels, from most to least severe.
const (
	LevelError Level = iota + 1
	LevelWarn
	LevelInfo
	LevelDebug
	LevelTrace
)

// Log sends msg to the node's log at level. The node may drop lines (by level, or when they
// come too fast) and truncate long ones.
func Log(level Level, msg string) { hostLog(int32(level), msg) }

// CallError is a failure of a function of another module, as CallModule reports it: the
// callee's own error, arguments that do not fit its interface, an unknown module or a nested
// call too deep.
type CallError struct {
	Module   string
	Function string
	Message  string
}

func (e *CallError) Error() string {
	return fmt.Sprintf("%s.%s: %s", e.Module, e.Function, e.Message)
}

// CallModule calls function fn of the service's module named module (as it was linked, e.g.
// "textlib") with args, each marshalled with encoding/json, and returns the callee's JSON
// result. The callee sees this call's parameters. An error from the call is a *CallError;
// a trap in the callee ends this call too.
func CallModule(module, fn string, args ...any) (json.RawMessage, error) {
	if args == nil {
		args = []any{} // "[]", not "null"
	}
	argsText, err := json.Marshal(args)
	if err != nil {
		return nil, fmt.Errorf("%s.%s: marshalling the arguments: %w", module, fn, err)
	}
	env := held(hostCall(module, fn, string(argsText)))
	var e struct {
		OK    json.RawMessage `json:"ok"`
		Error *string         `json:"error"`
	}
	if err := json.Unmarshal(env, &e); err != nil {
		return nil, &CallError{Module: module, Function: fn, Message: "unreadable result: " + err.Error()}
	}
	if e.Error != nil {
		return nil, &CallError{Module: module, Function: fn, Message: *e.Error}
	}
	return e.OK, nil
}
