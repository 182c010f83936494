package jsonabi

import (
	"context"
	"errors"
	"fmt"

	wapi "github.com/tetratelabs/wazero/api"

	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/wasmhost/api"
	"github.com/aquanet/aquanet/wasmhost/internal/engine"
)

// service is a linked service: engine.Service.
type service struct {
	host    engine.Host
	modules []*instance // in link order
	byName  map[string]*instance
	facade  *instance
	// broken is the trap that ended an earlier call: the instances may be in any state, so
	// every later call fails with it rather than run.
	broken *engine.Trap
}

var _ engine.Service = (*service)(nil)

// instance is one module of a service.
type instance struct {
	name string
	mod  wapi.Module
	sdk  bool // the rest is set for SDK modules only
	// iface is the module's own interface; the facade's is the service's.
	iface          api.Interface
	alloc, release wapi.Function
	// calls are spare handles of aquanet_call: a wazero Function must not be called again
	// before its call returns, and a module that calls itself through the host does just
	// that, so each running call takes its own handle.
	calls []wapi.Function
	// active counts the calls of this module now running (more than one when it calls
	// itself); its buffers are released when the last of them returns.
	active int
}

func (s *service) Interface() api.Interface { return s.facade.iface }

func (s *service) Call(ctx context.Context, fn string, args []value.Value, params api.CallParams) (value.Value, error) {
	if s.broken != nil {
		return value.Value{}, &engine.Trap{Module: s.broken.Module, Function: fn,
			Err: fmt.Errorf("the instance trapped earlier (in %s) and cannot be used: %w", s.broken.Function, s.broken.Err)}
	}
	f, ok := s.facade.iface.Function(fn)
	if !ok {
		return value.Value{}, &engine.NoFunctionError{Function: fn}
	}
	if err := checkArgs(s.facade.iface, f, args); err != nil {
		return value.Value{}, err
	}
	st := &callState{svc: s, params: encodeParams(params)}
	env, trap := s.invoke(withState(ctx, st), s.facade, fn, value.Array(args...).AppendJSON(nil))
	if trap != nil {
		s.broken = trap
		return value.Value{}, trap
	}
	e, err := parseEnvelope(env)
	if err != nil {
		s.broken = &engine.Trap{Module: s.facade.name, Function: fn, Err: err}
		return value.Value{}, s.broken
	}
	if e.Failed {
		return value.Value{}, &engine.ServiceError{Function: fn, Message: e.ErrorMsg}
	}
	return e.OK, nil
}

// checkArgs checks args against f's signature, in the types of iface.
func checkArgs(iface api.Interface, f api.Function, args []value.Value) *engine.ArgumentError {
	if len(args) != len(f.Args) {
		return &engine.ArgumentError{Function: f.Name, Want: fmt.Sprint(len(f.Args)), Got: fmt.Sprint(len(args))}
	}
	c := checker{iface: iface}
	for i, a := range f.Args {
		if bad := c.fit(args[i], a.Type); bad != "" {
			return &engine.ArgumentError{Function: f.Name, Arg: a.Name, Index: i, Want: a.Type.String(), Got: bad}
		}
	}
	return nil
}

// invoke runs fn of inst with the JSON array args and the state's call parameters, and
// returns the envelope's text, unread. Any failure is a trap: the guest's own, one passed up
// from a module it called, or a broken answer.
func (s *service) invoke(ctx context.Context, inst *instance, fn string, args []byte) ([]byte, *engine.Trap) {
	st := stateOf(ctx)
	trap := func(err error) *engine.Trap {
		if inner, ok := errors.AsType[*engine.Trap](err); ok {
			return inner // the callee's trap, reported by the module that trapped
		}
		return &engine.Trap{Module: inst.name, Function: fn, Err: err}
	}
	// One buffer for the three texts.
	buf := make([]byte, 0, len(fn)+len(args)+len(st.params))
	buf = append(append(append(buf, fn...), args...), st.params...)
	ptr, err := inst.write(ctx, buf)
	if err != nil {
		return nil, trap(err)
	}
	fnLen, argsLen, paramsLen := uint32(len(fn)), uint32(len(args)), uint32(len(st.params))
	call := inst.takeCall()
	inst.active++
	res, err := call.Call(ctx, uint64(ptr), uint64(fnLen), uint64(ptr+fnLen), uint64(argsLen),
		uint64(ptr+fnLen+argsLen), uint64(paramsLen))
	inst.active--
	inst.calls = append(inst.calls, call)
	if err != nil {
		return nil, trap(err)
	}
	env, err := readPacked(inst.mod, res[0], MaxEnvelopeBytes)
	if err != nil {
		return nil, trap(err)
	}
	if inst.active == 0 {
		if _, err := inst.release.Call(ctx); err != nil {
			return nil, trap(fmt.Errorf("%s: %w", exportRelease, err))
		}
	}
	return env, nil
}

// takeCall returns a handle of aquanet_call that no running call holds.
func (inst *instance) takeCall() wapi.Function {
	if n := len(inst.calls); n > 0 {
		f := inst.calls[n-1]
		inst.calls = inst.calls[:n-1]
		return f
	}
	return inst.mod.ExportedFunction(exportCall)
}

// write copies b into a buffer of the guest's aquanet_alloc and returns its address.
func (inst *instance) write(ctx context.Context, b []byte) (uint32, error) {
	res, err := inst.alloc.Call(ctx, uint64(len(b)))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", exportAlloc, err)
	}
	ptr := uint32(res[0])
	if !inst.mod.Memory().Write(ptr, b) {
		return 0, fmt.Errorf("%s gave %d bytes at %#x, outside the guest's memory", exportAlloc, len(b), ptr)
	}
	return ptr, nil
}

func (s *service) Close(ctx context.Context) error {
	var errs []error
	for i := len(s.modules) - 1; i >= 0; i-- {
		if err := s.modules[i].mod.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("closing module %s: %w", s.modules[i].name, err))
		}
	}
	s.modules = nil
	return errors.Join(errs...)
}
