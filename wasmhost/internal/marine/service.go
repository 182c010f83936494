package marine

import (
	"context"
	"errors"
	"fmt"

	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/wasmhost/api"
	"github.com/aquanet/aquanet/wasmhost/internal/engine"
)

// service is a loaded Marine service: its modules in load order, the last one the facade.
type service struct {
	host    engine.Host
	byName  map[string]*instance
	order   []*instance
	facade  *instance
	iface   api.Interface
	closers []interface{ Close(context.Context) error } // in creation order
	broken  *engine.Trap                                // the trap that made the instances unusable
	closed  bool
}

func (s *service) Interface() api.Interface { return s.iface }

// Call converts args by fn's signature, runs fn's adapter in the facade and converts its result.
// After a *engine.Trap every further call returns a Trap too: the instances' state is unknown.
func (s *service) Call(ctx context.Context, fn string, args []value.Value, params api.CallParams) (value.Value, error) {
	return s.call(ctx, fn, value.Array(args...), params)
}

func (s *service) call(ctx context.Context, fn string, args value.Value, params api.CallParams) (value.Value, error) {
	if s.closed {
		return value.Null(), &engine.Trap{Function: fn, Err: errors.New("the service is closed")}
	}
	if s.broken != nil {
		return value.Null(), &engine.Trap{Module: s.broken.Module, Function: fn,
			Err: fmt.Errorf("the service trapped before and cannot run again: %w", s.broken)}
	}
	f, ok := s.facade.fns[fn]
	if !ok {
		return value.Null(), &engine.NoFunctionError{Function: fn}
	}
	sec := s.facade.sec
	sig := &sec.Types[f.Type]
	in, err := argsFromJSON(sec, fn, sig, args)
	if err != nil {
		return value.Null(), err
	}
	out, err := s.facade.call(withCallParams(ctx, &params), fn, in)
	if err != nil {
		s.broken = trapOf(fn, err)
		return value.Null(), s.broken
	}
	if len(out) != len(sig.Outputs) {
		s.broken = &engine.Trap{Module: s.facade.name, Function: fn,
			Err: fmt.Errorf("the adapter left %d values, the function returns %d", len(out), len(sig.Outputs))}
		return value.Null(), s.broken
	}
	if len(out) == 0 {
		return value.Null(), nil
	}
	res, err := toJSON(sec, sig.Outputs[0], out[0], 0)
	if err != nil {
		s.broken = &engine.Trap{Module: s.facade.name, Function: fn, Err: err}
		return value.Null(), s.broken
	}
	return res, nil
}

// Close closes the modules and what they import, the last made first.
func (s *service) Close(ctx context.Context) error {
	if s.closed {
		return nil
	}
	s.closed = true
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		if err := s.closers[i].Close(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// CallJSON calls fn of svc, a Service this package loaded, with its arguments as one JSON
// value, by it-json-serde's rules: an array by position, an object by name, null for none, any
// other value as the only argument. (Service.Call takes AIR's list, which is the array case.)
func CallJSON(ctx context.Context, svc engine.Service, fn string, args value.Value, params api.CallParams) (value.Value, error) {
	s, ok := svc.(*service)
	if !ok {
		return value.Null(), fmt.Errorf("marine: CallJSON of a %T, not a Marine service", svc)
	}
	return s.call(ctx, fn, args, params)
}
