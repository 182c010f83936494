package interpreter

import (
	"github.com/aquanet/aquanet/interpreter/air"
	"github.com/aquanet/aquanet/interpreter/data"
	"github.com/aquanet/aquanet/interpreter/value"
)

// resolved is a value ready for use, with one tetraplet per part (a canon stream has several).
type resolved struct {
	val value.Value
	// tetraplet is the value's tetraplet, unless tetraplets is not nil: a canon stream or map
	// taken whole has one per element there (none for an empty one). Only a call's arguments
	// need a value's tetraplets as a slice (tetrapletsOf): a match, an ap or a fold's iterable
	// resolves without one (in a chat, a match's literals were a tenth of what the simulator's
	// runs allocated).
	tetraplet  data.Tetraplet
	tetraplets []data.Tetraplet
	provenance provenance
}

// tetrapletsOf returns r's tetraplets as a slice, which for a single one the run's slab holds.
func (x *executor) tetrapletsOf(r *resolved) []data.Tetraplet {
	if r.tetraplets != nil {
		return r.tetraplets
	}
	return x.oneTetraplet(r.tetraplet)
}

// first returns r's first tetraplet; r must have one.
func (r *resolved) first() data.Tetraplet {
	if r.tetraplets != nil {
		return r.tetraplets[0]
	}
	return r.tetraplet
}

func (x *executor) literalTetraplet() data.Tetraplet {
	return data.Tetraplet{PeerPK: x.p.InitPeerID}
}

func (x *executor) constant(v value.Value) (resolved, *execError) {
	return resolved{val: v, tetraplet: x.literalTetraplet()}, nil
}

// resolve evaluates an argument.
func (x *executor) resolve(v air.Value) (resolved, *execError) {
	switch v := v.(type) {
	case *air.String:
		return x.constant(value.String(v.Value))
	case *air.Number:
		if v.IsFloat {
			return x.constant(value.Float(v.Float))
		}
		return x.constant(value.Int(v.Int))
	case *air.Bool:
		return x.constant(value.Bool(v.Value))
	case *air.EmptyArray:
		return x.constant(value.Array())
	case *air.Special:
		switch v.Kind {
		case air.InitPeerID:
			return x.constant(value.String(x.p.InitPeerID))
		case air.Timestamp:
			return x.constant(value.Uint(x.p.Timestamp))
		case air.TTL:
			return x.constant(value.Uint(uint64(x.p.TTL)))
		case air.LastError:
			return x.resolveError(&x.lastError, v.Lens)
		default:
			return x.resolveError(&x.errorValue, v.Lens)
		}
	case *air.Var:
		return x.resolveVar(v)
	}
	return resolved{}, uncatchable(CodeTraceError, "unexpected value %T", v)
}

func (x *executor) resolveError(d *errorDescriptor, lens *air.Lens) (resolved, *execError) {
	r := resolved{val: d.err.obj(), provenance: d.err.provenance}
	if lens != nil {
		v, err := x.applyLens(r.val, lens)
		if err != nil {
			return resolved{}, err
		}
		r.val = v
	}
	if d.err.tetraplet != nil {
		r.tetraplet = *d.err.tetraplet
	} else {
		r.tetraplet = x.literalTetraplet()
	}
	return r, nil
}

func (x *executor) resolveVar(v *air.Var) (resolved, *execError) {
	switch v.Kind {
	case air.ScalarVar:
		agg, err := x.scalar(v.Name)
		if err != nil {
			return resolved{}, err
		}
		r := resolved{val: agg.val, tetraplet: agg.tetraplet, provenance: agg.provenance}
		if v.Lens == nil {
			return r, nil
		}
		val, err := x.applyLens(agg.val, v.Lens)
		if err != nil {
			return resolved{}, err
		}
		r.val = val
		r.tetraplet = withLens(agg.tetraplet, v.Lens)
		return r, nil
	}
	switch v.Kind {
	case air.CanonStreamVar:
		return x.resolveCanon(v)
	case air.CanonMapVar:
		return x.resolveCanonMap(v)
	}
	return resolved{}, notYet("%s %s", v.Kind, v.Name)
}

// notYet reports a construct this build's interpreter does not execute yet.
func notYet(format string, args ...any) *execError {
	return uncatchable(CodeTraceError, "not supported by this version of the aquanet interpreter yet: "+format, args...)
}

// scalar looks a scalar up: a plain scalar, or the current value of a fold iterator. The
// result is the variable's own, valid until the variables change: read, not kept or changed.
func (x *executor) scalar(name string) (*aggregate, *execError) {
	v, set := x.scalars.ref(name)
	if f, ok := x.scalars.fold(name); ok && v == nil {
		return f.current(), nil
	}
	switch {
	case v == nil:
		return nil, variableNotFound(name)
	case !set:
		return nil, catchable(CodeVariableNotInitializedAfterNew, "variable with name '%s' was cleared by new and then wasn't set", name)
	}
	return v, nil
}

// withLens is the tetraplet of a value read through a lens: a path is appended to the lens the
// tetraplet already has; a functor's result is a fresh value, with only the functor as its lens.
func withLens(t data.Tetraplet, l *air.Lens) data.Tetraplet {
	if l.Length {
		return data.Tetraplet{Lens: ".length"}
	}
	t.Lens += refLens(l)
	return t
}

// applyLens reads part of a value (the reference's lambda applier).
func (x *executor) applyLens(v value.Value, l *air.Lens) (value.Value, *execError) {
	if l.Length {
		if v.Kind() != value.KindArray {
			return value.Value{}, catchable(CodeLengthFunctorOnNonArray, "the length functor could applied only to an array-like value, but it's applied to '%s'", v)
		}
		return value.Uint(uint64(v.Len())), nil
	}
	for _, s := range l.Path {
		switch s.Kind {
		case air.IndexStep:
			next, err := index(v, s.Index)
			if err != nil {
				return value.Value{}, err
			}
			v = next
		case air.FieldStep:
			next, err := field(v, s.Field)
			if err != nil {
				return value.Value{}, err
			}
			v = next
		case air.ScalarStep:
			key, err := x.scalar(s.Field)
			if err != nil {
				return value.Value{}, err
			}
			switch k := key.val; k.Kind() {
			case value.KindString:
				str, _ := k.Str()
				if v, err = field(v, str); err != nil {
					return value.Value{}, err
				}
			case value.KindNumber:
				u, ok := k.Uint64()
				if !ok || u > 1<<32-1 {
					return value.Value{}, catchable(CodeLensError, "index accessor `%s can't be converted to u32`", k)
				}
				if v, err = index(v, uint32(u)); err != nil {
					return value.Value{}, err
				}
			default:
				return value.Value{}, catchable(CodeLensError, "scalar accessor `%s` should has number or string type", k)
			}
		}
	}
	return v, nil
}

func index(v value.Value, i uint32) (value.Value, *execError) {
	if v.Kind() != value.KindArray {
		return value.Value{}, catchable(CodeLensError, "value '%s' is not an array-type to match array accessor with idx = '%d'", v, i)
	}
	if int(i) >= v.Len() {
		return value.Value{}, catchable(CodeLensError, "value '%s' does not contain element for idx = '%d'", v, i)
	}
	return v.Index(int(i)), nil
}

func field(v value.Value, name string) (value.Value, *execError) {
	if v.Kind() != value.KindObject {
		return value.Value{}, catchable(CodeLensError, "value '%s' is not an map-type to match field accessor with field_name = '%s'", v, name)
	}
	f, ok := v.Get(name)
	if !ok {
		return value.Value{}, catchable(CodeLensError, "value '%s' does not contain element with field name = '%s'", v, name)
	}
	return f, nil
}

// resolveToString resolves a peer id, service or function name, which must be a string.
func (x *executor) resolveToString(v air.Value) (string, *execError) {
	switch v := v.(type) {
	case *air.Special: // only %init_peer_id% parses here
		return x.p.InitPeerID, nil
	case *air.String:
		return v.Value, nil
	}
	r, err := x.resolve(v)
	if err != nil {
		return "", err
	}
	s, ok := r.val.Str()
	if !ok {
		return "", catchable(CodeNonStringTriplet, "call cannot resolve non-String triplet variable part `%s` with value '%s'", v.(*air.Var).Name, r.val)
	}
	return s, nil
}

// oneTetraplet returns a one-element slice holding t, cut from a per-run slab: every resolved
// argument carries one, and a fold resolves thousands. Slabs start small and double (a run with
// one call stays cheap) up to 128. The slice's capacity is one, so an append to it copies
// instead of overwriting its neighbour.
func (x *executor) oneTetraplet(t data.Tetraplet) []data.Tetraplet {
	if len(x.tetrapletSlab) == 0 {
		x.tetrapletSlabSize = min(max(2*x.tetrapletSlabSize, 2), 128)
		x.tetrapletSlab = make([]data.Tetraplet, x.tetrapletSlabSize)
	}
	s := x.tetrapletSlab[:1:1]
	s[0] = t
	x.tetrapletSlab = x.tetrapletSlab[1:]
	return s
}
