package triggersvc

import (
	"context"
	"errors"
	"fmt"

	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
)

// ErrNoRoute is the error of a request to a route no trigger has.
var ErrNoRoute = errors.New("no trigger has this route")

// Invocation is one run of an HTTP trigger, waiting for what its script passes to
// callbackSrv.response.
type Invocation struct {
	ParticleID string
	args       value.Value      // its getDataSrv's
	response   chan value.Value // buffered: the first response only
}

// HasRoute says whether a trigger has route name.
func (s *Service) HasRoute(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.triggers {
		if t.Route == name {
			return true
		}
	}
	return false
}

// Invoke runs the trigger of route name once, its arguments overlaid with body's (an object,
// or null for none): it starts the run's particle and returns it, to Wait for its response. The
// run is counted on disk before its particle starts.
func (s *Service) Invoke(name string, body value.Value) (*Invocation, error) {
	if body.Kind() != value.KindNull && body.Kind() != value.KindObject {
		return nil, fmt.Errorf("the request's arguments must be a JSON object, not %s", body.Kind())
	}
	s.mu.Lock()
	var t *Trigger
	for _, c := range s.triggers {
		if c.Route == name {
			t = c
		}
	}
	if t == nil || s.closed || !s.started {
		s.mu.Unlock()
		if t == nil {
			return nil, fmt.Errorf("route %q: %w", name, ErrNoRoute)
		}
		return nil, errors.New("the node is not running its triggers")
	}
	next := *t
	next.Runs++
	if err := s.saveLocked(&next); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	*t = next
	args, err := overlay(t.Args, body)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	inv := &Invocation{ParticleID: ParticleID(t.ID, t.Runs), response: make(chan value.Value, 1)}
	s.pending[inv.ParticleID] = inv
	inv.args = args
	script := t.Script
	s.mu.Unlock()

	p := particle.Particle{ID: inv.ParticleID, InitPeerID: s.self, Timestamp: s.now(), TTL: uint32(s.cfg.TTL.Milliseconds()),
		MaxHops: particle.DefaultMaxHops, Script: script}
	if err := p.Sign(s.priv); err != nil {
		s.forget(inv)
		return nil, err
	}
	s.cfg.Start(p)
	return inv, nil
}

// overlay is the trigger's arguments (JSON) with body's fields over them.
func overlay(stored []byte, body value.Value) (value.Value, error) {
	var keys []string
	var vals []value.Value
	if len(stored) > 0 {
		args, err := value.Parse(stored, value.Limits{})
		if err != nil {
			return value.Value{}, err
		}
		for _, k := range args.Keys() {
			if _, over := body.Get(k); !over {
				v, _ := args.Get(k)
				keys, vals = append(keys, k), append(vals, v)
			}
		}
	}
	if body.Kind() == value.KindObject {
		for _, k := range body.Keys() {
			v, _ := body.Get(k)
			keys, vals = append(keys, k), append(vals, v)
		}
	}
	return value.Object(keys, vals), nil
}

// Wait returns what the run's script passed to callbackSrv.response, or ctx's error when ctx
// ends first (the caller's timeout). Either way the run is forgotten: a later response is
// dropped.
func (s *Service) Wait(ctx context.Context, inv *Invocation) (value.Value, error) {
	defer s.forget(inv)
	select {
	case v := <-inv.response:
		return v, nil
	case <-ctx.Done():
		return value.Value{}, ctx.Err()
	}
}

func (s *Service) forget(inv *Invocation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.pending, inv.ParticleID)
}

// respond hands the first argument of a trigger particle's callbackSrv.response to its
// Invocation, if one waits.
func (s *Service) respond(particleID string, args []value.Value) {
	s.mu.Lock()
	inv := s.pending[particleID]
	s.mu.Unlock()
	if inv == nil {
		return
	}
	v := value.Null()
	if len(args) > 0 {
		v = args[0]
	}
	select {
	case inv.response <- v:
	default: // answered already
	}
}
