package marine

import (
	"fmt"
	"math"
	"strconv"

	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/wasmhost/api"
	"github.com/aquanet/aquanet/wasmhost/internal/engine"
	"github.com/aquanet/aquanet/wasmhost/internal/it"
)

// argsFromJSON converts a call's arguments to interface values by the function's signature,
// with the rules of Marine's it-json-serde (marine.md §2.6): an array gives the arguments by
// position (the count must match), an object by name (no argument missing, none extra), null
// gives none, and any other value is the only argument. A scalar or string given as a
// one-element array is that element.
func argsFromJSON(sec *it.Section, fn string, sig *it.Type, v value.Value) ([]ival, error) {
	countErr := func(got string) error {
		return &engine.ArgumentError{Function: fn, Want: strconv.Itoa(len(sig.Args)), Got: got}
	}
	out := make([]ival, 0, len(sig.Args))
	switch v.Kind() {
	case value.KindArray:
		if v.Len() != len(sig.Args) {
			return nil, countErr(strconv.Itoa(v.Len()))
		}
		for i, a := range sig.Args {
			iv, err := fromJSON(sec, a.Type, v.Index(i), 0)
			if err != nil {
				return nil, argErr(sec, fn, i, a, err)
			}
			out = append(out, iv)
		}
	case value.KindObject:
		for i, a := range sig.Args {
			jv, ok := v.Get(a.Name)
			if !ok {
				return nil, &engine.ArgumentError{Function: fn, Arg: a.Name, Index: i, Want: typeText(sec, a.Type), Got: "nothing (no such key)"}
			}
			iv, err := fromJSON(sec, a.Type, jv, 0)
			if err != nil {
				return nil, argErr(sec, fn, i, a, err)
			}
			out = append(out, iv)
		}
		if v.Len() != len(sig.Args) {
			return nil, countErr(fmt.Sprintf("%d named", v.Len()))
		}
	case value.KindNull:
		if len(sig.Args) != 0 {
			return nil, countErr("none (null)")
		}
	default:
		if len(sig.Args) != 1 {
			return nil, countErr("1 (a bare " + v.Kind().String() + ")")
		}
		iv, err := fromJSON(sec, sig.Args[0].Type, v, 0)
		if err != nil {
			return nil, argErr(sec, fn, 0, sig.Args[0], err)
		}
		out = append(out, iv)
	}
	return out, nil
}

// convError is a JSON value that does not fit a type, at a path inside an argument.
type convError struct {
	path string // "" for the argument itself, else like ".name[2]"
	want string
	got  value.Value
}

func (e *convError) Error() string {
	return fmt.Sprintf("%s must be %s, got %s", e.path, e.want, brief(e.got))
}

func argErr(sec *it.Section, fn string, i int, a it.Field, err error) error {
	ce, ok := err.(*convError)
	if !ok {
		return &engine.ArgumentError{Function: fn, Arg: a.Name, Index: i, Want: typeText(sec, a.Type), Got: err.Error()}
	}
	want := ce.want
	if ce.path != "" {
		want = fmt.Sprintf("%s (at %s)", ce.want, ce.path)
	}
	return &engine.ArgumentError{Function: fn, Arg: a.Name, Index: i, Want: want, Got: brief(ce.got)}
}

// brief is a JSON value cut to a length fit for an error message.
func brief(v value.Value) string {
	b := v.AppendJSON(nil)
	if len(b) > 60 {
		return string(b[:57]) + "..."
	}
	return string(b)
}

func typeText(sec *it.Section, t it.IType) string { return sec.APIType(t).String() }

// maxJSONDepth bounds the nesting of a converted value: types nest at most it.MaxTypeDepth
// through arrays, but records can nest through each other.
const maxJSONDepth = 128

func fromJSON(sec *it.Section, t it.IType, v value.Value, depth int) (ival, error) {
	bad := func() (ival, error) { return ival{}, &convError{want: typeText(sec, t), got: v} }
	if depth > maxJSONDepth {
		return ival{}, &convError{want: fmt.Sprintf("nested at most %d deep", maxJSONDepth), got: v}
	}
	switch t.Kind {
	case api.ByteArray:
		if v.Kind() != value.KindArray {
			return bad()
		}
		b := make([]byte, v.Len())
		for i := range b {
			e, err := fromJSON(sec, it.IType{Kind: api.U8}, v.Index(i), depth+1)
			if err != nil {
				return ival{}, within(err, fmt.Sprintf("[%d]", i))
			}
			b[i] = byte(e.n)
		}
		return ival{kind: api.ByteArray, b: b}, nil
	case api.Array:
		if v.Kind() != value.KindArray {
			return bad()
		}
		elems := make([]ival, v.Len())
		for i := range elems {
			e, err := fromJSON(sec, *t.Elem, v.Index(i), depth+1)
			if err != nil {
				return ival{}, within(err, fmt.Sprintf("[%d]", i))
			}
			elems[i] = e
		}
		return ival{kind: api.Array, elems: elems}, nil
	case api.Record:
		r := &sec.Types[t.Record]
		fields := make([]ival, len(r.Args))
		switch v.Kind() {
		case value.KindObject:
			if v.Len() != len(r.Args) {
				for _, f := range r.Args {
					if _, ok := v.Get(f.Name); !ok {
						return ival{}, &convError{path: "." + f.Name, want: typeText(sec, f.Type), got: value.Null()}
					}
				}
				return ival{}, &convError{want: fmt.Sprintf("%s (its %d fields and no others)", r.Name, len(r.Args)), got: v}
			}
			for i, f := range r.Args {
				fv, ok := v.Get(f.Name)
				if !ok {
					return ival{}, &convError{path: "." + f.Name, want: typeText(sec, f.Type), got: value.Null()}
				}
				iv, err := fromJSON(sec, f.Type, fv, depth+1)
				if err != nil {
					return ival{}, within(err, "."+f.Name)
				}
				fields[i] = iv
			}
		case value.KindArray:
			if v.Len() != len(r.Args) {
				return ival{}, &convError{want: fmt.Sprintf("%s (%d fields)", r.Name, len(r.Args)), got: v}
			}
			for i, f := range r.Args {
				iv, err := fromJSON(sec, f.Type, v.Index(i), depth+1)
				if err != nil {
					return ival{}, within(err, "."+f.Name)
				}
				fields[i] = iv
			}
		default:
			return bad()
		}
		return ival{kind: api.Record, elems: fields}, nil
	}

	// A scalar or a string: a one-element array stands for its element.
	if v.Kind() == value.KindArray && v.Len() == 1 {
		v = v.Index(0)
	}
	switch t.Kind {
	case api.Bool:
		if b, ok := v.Bool(); ok {
			return ival{kind: api.Bool, n: b2u(b)}, nil
		}
	case api.String:
		if s, ok := v.Str(); ok {
			return ival{kind: api.String, s: s}, nil
		}
	case api.F32:
		if f, ok := v.Float64(); ok {
			return ival{kind: api.F32, n: uint64(math.Float32bits(float32(f)))}, nil
		}
	case api.F64:
		if f, ok := v.Float64(); ok {
			return ival{kind: api.F64, n: math.Float64bits(f)}, nil
		}
	default:
		if u, ok := v.Uint64(); ok && fits(t.Kind, u, false) {
			return ival{kind: t.Kind, n: u}, nil
		}
		if i, ok := v.Int64(); ok && i < 0 && fits(t.Kind, uint64(i), true) {
			return ival{kind: t.Kind, n: uint64(i)}, nil
		}
	}
	return bad()
}

// within prefixes a conversion error's path with the step that led to it.
func within(err error, step string) error {
	if ce, ok := err.(*convError); ok {
		return &convError{path: step + ce.path, want: ce.want, got: ce.got}
	}
	return err
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// toJSON converts a function's result to JSON (it-json-serde's ivalue_to_json): integers as
// numbers, f32 widened to f64, byte arrays as arrays of numbers, records as objects.
func toJSON(sec *it.Section, t it.IType, v ival, depth int) (value.Value, error) {
	mismatch := func() (value.Value, error) {
		return value.Null(), fmt.Errorf("result %s does not have type %s", v, typeText(sec, t))
	}
	if depth > maxJSONDepth {
		return value.Null(), fmt.Errorf("result nested deeper than %d", maxJSONDepth)
	}
	switch t.Kind {
	case api.ByteArray, api.Array:
		if t.Kind == api.ByteArray || t.Elem.Kind == api.U8 {
			if b, ok := bytesOf(v); ok {
				elems := make([]value.Value, len(b))
				for i, c := range b {
					elems[i] = value.Uint(uint64(c))
				}
				return value.Array(elems...), nil
			}
			return mismatch()
		}
		if v.kind != api.Array {
			return mismatch()
		}
		elems := make([]value.Value, len(v.elems))
		for i, e := range v.elems {
			j, err := toJSON(sec, *t.Elem, e, depth+1)
			if err != nil {
				return value.Null(), err
			}
			elems[i] = j
		}
		return value.Array(elems...), nil
	case api.Record:
		r := &sec.Types[t.Record]
		if v.kind != api.Record || len(v.elems) != len(r.Args) {
			return mismatch()
		}
		keys := make([]string, len(r.Args))
		vals := make([]value.Value, len(r.Args))
		for i, f := range r.Args {
			j, err := toJSON(sec, f.Type, v.elems[i], depth+1)
			if err != nil {
				return value.Null(), err
			}
			keys[i], vals[i] = f.Name, j
		}
		return value.Object(keys, vals), nil
	}
	if v.kind != t.Kind {
		return mismatch()
	}
	switch {
	case t.Kind == api.Bool:
		return value.Bool(v.n != 0), nil
	case t.Kind == api.String:
		return value.String(v.s), nil
	case t.Kind == api.F32:
		return value.Float(float64(math.Float32frombits(uint32(v.n)))), nil
	case t.Kind == api.F64:
		return value.Float(math.Float64frombits(v.n)), nil
	case signed(t.Kind):
		return value.Int(int64(v.n)), nil
	case isInt(t.Kind):
		return value.Uint(v.n), nil
	}
	return mismatch()
}
