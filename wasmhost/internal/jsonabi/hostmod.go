package jsonabi

import (
	"context"
	"fmt"

	"github.com/tetratelabs/wazero"
	wapi "github.com/tetratelabs/wazero/api"

	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/wasmhost/internal/engine"
)

// callState is what the host functions need of the call that is running: it travels in the
// call's context, so that one host module serves every service of a runtime.
type callState struct {
	svc    *service
	params []byte // the call parameters' JSON, the same for nested calls
	depth  int    // nested calls running
}

type stateKey struct{}

func withState(ctx context.Context, st *callState) context.Context {
	return context.WithValue(ctx, stateKey{}, st)
}

// stateOf returns the running call's state. Guests run only inside Load and Call, which put
// it in the context, so a missing state is a bug of the host's.
func stateOf(ctx context.Context) *callState {
	st, ok := ctx.Value(stateKey{}).(*callState)
	if !ok {
		panic("jsonabi: a guest ran outside a call")
	}
	return st
}

// instantiateHost instantiates the host module, HostModule, in r.
func instantiateHost(ctx context.Context, r wazero.Runtime) error {
	i32, i64 := wapi.ValueTypeI32, wapi.ValueTypeI64
	_, err := r.NewHostModuleBuilder(HostModule).
		NewFunctionBuilder().WithGoModuleFunction(wapi.GoModuleFunc(hostLog), []wapi.ValueType{i32, i32, i32}, nil).
		WithParameterNames("level", "ptr", "len").Export("log").
		NewFunctionBuilder().WithGoModuleFunction(wapi.GoModuleFunc(hostCall), []wapi.ValueType{i32, i32, i32, i32, i32, i32}, []wapi.ValueType{i64}).
		WithParameterNames("mod_ptr", "mod_len", "fn_ptr", "fn_len", "args_ptr", "args_len").Export("call").
		Instantiate(ctx)
	return err
}

// hostLog is aquanet_host.log(level, ptr, len): a log line, cut at MaxLogBytes, passed to
// Host.Log with target 0 (the SDK has no targets). A message outside the guest's memory
// traps the guest.
func hostLog(ctx context.Context, mod wapi.Module, stack []uint64) {
	level, ptr, n := wapi.DecodeI32(stack[0]), wapi.DecodeU32(stack[1]), wapi.DecodeU32(stack[2])
	st := stateOf(ctx)
	if st.svc.host.Log == nil {
		return
	}
	cut := min(n, MaxLogBytes)
	b, ok := mod.Memory().Read(ptr, cut)
	if !ok {
		panic(fmt.Errorf("%s.log: the message (%d bytes at %#x) lies outside memory", HostModule, n, ptr))
	}
	msg := string(b)
	if cut < n {
		msg = truncate(msg, int(cut)-len("…")) // at a rune boundary, marked
	}
	st.svc.host.Log(mod.Name(), level, 0, msg)
}

// hostCall is aquanet_host.call(module, fn, args): a call of another module of the service.
// Failures of the call itself (no such module or function, arguments that do not fit, depth)
// are error envelopes for the caller; a trap of the callee panics, ending the caller's call.
func hostCall(ctx context.Context, mod wapi.Module, stack []uint64) {
	st := stateOf(ctx)
	caller := st.svc.byName[mod.Name()]
	if caller == nil || !caller.sdk {
		panic(fmt.Errorf("%s.call: module %s is not an SDK module of this service", HostModule, mod.Name()))
	}
	read := func(what string, ptrArg, nArg uint64, limit int) []byte {
		ptr, n := wapi.DecodeU32(ptrArg), wapi.DecodeU32(nArg) // the high bits of an i32 are not zeroed
		if n > uint32(limit) {
			panic(fmt.Errorf("%s.call: the %s is %d bytes, more than %d", HostModule, what, n, limit))
		}
		b, ok := mod.Memory().Read(ptr, n)
		if !ok {
			panic(fmt.Errorf("%s.call: the %s (%d bytes at %#x) lies outside memory", HostModule, what, n, ptr))
		}
		return b
	}
	callee := string(read("module name", stack[0], stack[1], maxNameBytes))
	fn := string(read("function name", stack[2], stack[3], maxNameBytes))
	args := read("arguments", stack[4], stack[5], MaxEnvelopeBytes)
	env := st.nested(ctx, callee, fn, args)
	ptr, err := caller.write(ctx, env)
	if err != nil {
		panic(&engine.Trap{Module: caller.name, Function: fn, Err: err})
	}
	stack[0] = uint64(ptr)<<32 | uint64(len(env))
}

// nested runs callee.fn(args) for a guest and returns the envelope for it.
func (st *callState) nested(ctx context.Context, callee, fn string, args []byte) []byte {
	if st.depth >= MaxCallDepth {
		return errorEnvelope(fmt.Sprintf("nested calls are limited to a depth of %d", MaxCallDepth))
	}
	inst := st.svc.byName[callee]
	switch {
	case inst == nil:
		return errorEnvelope(fmt.Sprintf("the service has no module %q", truncate(callee, 64)))
	case !inst.sdk:
		return errorEnvelope(fmt.Sprintf("module %s was not built with aquanet's SDK and cannot be called", callee))
	}
	f, ok := inst.iface.Function(fn)
	if !ok {
		return errorEnvelope(fmt.Sprintf("module %s has no function %q", callee, truncate(fn, 64)))
	}
	argv, err := value.Parse(args, value.Limits{MaxBytes: MaxEnvelopeBytes})
	if err != nil || argv.Kind() != value.KindArray {
		return errorEnvelope(fmt.Sprintf("module %s, function %s: the arguments are not a JSON array", callee, fn))
	}
	list := make([]value.Value, argv.Len())
	for i := range list {
		list[i] = argv.Index(i)
	}
	if err := checkArgs(inst.iface, f, list); err != nil {
		return errorEnvelope(fmt.Sprintf("module %s: %v", callee, err))
	}
	st.depth++
	env, trap := st.svc.invoke(ctx, inst, fn, args)
	st.depth--
	if trap != nil {
		panic(trap)
	}
	if _, err := parseEnvelope(env); err != nil {
		panic(&engine.Trap{Module: callee, Function: fn, Err: err})
	}
	return env
}
