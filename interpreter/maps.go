package interpreter

import (
	"slices"
	"strconv"

	"github.com/aquanet/aquanet/interpreter/air"
	"github.com/aquanet/aquanet/interpreter/data"
	"github.com/aquanet/aquanet/interpreter/value"
)

// A stream map is a stream of {"key": k, "value": v} objects; ap (k v) %map adds one. Keys are
// strings or integers, and "1" and 1 are different keys, as in the reference's StreamMapKey.

// mapKey is a stream map key: its JSON value and an identity that tells "1" from 1.
type mapKey struct {
	id  string // "s:..." for strings, "i:..." for integers
	val value.Value
	str string // the key as a JSON object field name (to_key)
}

func mapKeyOf(v value.Value) (mapKey, bool) {
	if s, ok := v.Str(); ok {
		return mapKey{id: "s:" + s, val: v, str: s}, true
	}
	if i, ok := v.Int64(); ok {
		d := strconv.FormatInt(i, 10)
		return mapKey{id: "i:" + d, val: v, str: d}, true
	}
	if u, ok := v.Uint64(); ok && v.IsInteger() {
		d := strconv.FormatUint(u, 10)
		return mapKey{id: "i:" + d, val: v, str: d}, true
	}
	return mapKey{}, false
}

func kvPair(k mapKey, v value.Value) value.Value {
	return value.Object([]string{"key", "value"}, []value.Value{k.val, v})
}

// apMap executes (ap (KEY VALUE) %map).
func (x *executor) apMap(in *air.ApMap) *execError {
	r, err := x.resolve(in.Value)
	if err != nil {
		return x.joined(err)
	}
	agg := x.apAggregate(in.Value, r)
	gen, _, err := x.trace.mergeAp()
	if err != nil {
		return onInstruction(in, err)
	}
	var key mapKey
	// A key that fails fails the ap after it took its state from the traces (the
	// reference's order): a fresh run took none, and its replay takes the state the run
	// went on to make, which a run that paused after the failure would not.
	keyFailed := func(err *execError) *execError {
		x.pausable = false
		return err
	}
	switch k := in.Key.(type) {
	case *air.String:
		key, _ = mapKeyOf(value.String(k.Value))
	case *air.Number:
		key, _ = mapKeyOf(value.Int(k.Int))
	default:
		kr, err := x.resolve(in.Key)
		if err != nil {
			// As the reference: the ap state was taken from the traces already.
			return keyFailed(x.joined(err))
		}
		var ok bool
		if key, ok = mapKeyOf(kr.val); !ok {
			return keyFailed(catchable(CodeStreamMapError, "unsupported type for %s map's key", in.Map.Name))
		}
	}
	agg.val = kvPair(key, agg.val)
	if err := x.budget.chargeValue(agg.val); err != nil {
		return err
	}
	if err := x.maps.add(in.Map, agg, gen); err != nil {
		return err
	}
	x.trace.push(data.ApState{Gens: []uint32{0}})
	return nil
}

// canonMap is a canonicalized stream map: its pairs in order, and the values of each key.
type canonMap struct {
	pairs     []aggregate // the {key, value} objects
	keys      []mapKey    // distinct keys in order of first appearance
	byKey     map[string][]aggregate
	tetraplet data.Tetraplet
	cid       data.CID
}

func newCanonMap(pairs []aggregate, tet data.Tetraplet, cid data.CID) (canonMap, *execError) {
	m := canonMap{pairs: pairs, byKey: map[string][]aggregate{}, tetraplet: tet, cid: cid}
	for _, p := range pairs {
		if p.val.Kind() != value.KindObject {
			return m, uncatchable(20014, "the value must be an object with key and value fields")
		}
		kv, _ := p.val.Get("key")
		k, ok := mapKeyOf(kv)
		if !ok {
			return m, uncatchable(20014, "unsupported kvpair object or map key type")
		}
		v, ok := p.val.Get("value")
		if !ok {
			return m, uncatchable(20014, `there must be a "value" field in kvpair object`)
		}
		if _, seen := m.byKey[k.id]; !seen {
			m.keys = append(m.keys, k)
		}
		m.byKey[k.id] = append(m.byKey[k.id], aggregate{val: v, tetraplet: p.tetraplet, tracePos: p.tracePos, provenance: p.provenance})
	}
	return m, nil
}

// jvalue is the map as a JSON object: each key's values as an array.
func (m canonMap) jvalue() value.Value {
	keys := make([]string, 0, len(m.keys))
	vals := make([]value.Value, 0, len(m.keys))
	for _, k := range m.keys {
		keys = append(keys, k.str)
		vals = append(vals, canonStream{values: m.byKey[k.id]}.jvalue())
	}
	return value.Object(keys, vals)
}

// canonMapFirstTime freezes a stream map into a canon stream map or, for the scalar form, into
// one object of each key's first value.
func (x *executor) canonMapFirstTime(c *air.Canon, peer string) *execError {
	var pairs []aggregate
	if s := x.maps.get(c.Src.Name, int(c.Src.NamePos.Offset)); s != nil {
		pairs = slices.Clone(s.values())
	}
	tet := data.Tetraplet{PeerPK: peer}
	values := pairs
	if c.Dst.Kind == air.ScalarVar {
		var keys []string
		var vals []value.Value
		seen := map[string]bool{}
		for _, p := range pairs {
			kv, _ := p.val.Get("key")
			k, ok := mapKeyOf(kv)
			v, hasValue := p.val.Get("value")
			if !ok || !hasValue || seen[k.str] {
				continue
			}
			seen[k.str] = true
			keys, vals = append(keys, k.str), append(vals, v)
		}
		values = []aggregate{{val: value.Object(keys, vals), tetraplet: data.Tetraplet{PeerPK: peer}}}
	}
	cid := x.putCanon(tet, values)
	x.record(peer, cid)
	return x.canonMapEnd(c, values, tet, cid, data.CanonState{Executed: true, CID: cid})
}

func (x *executor) canonMapEnd(c *air.Canon, values []aggregate, tet data.Tetraplet, cid data.CID, st data.CanonState) *execError {
	if err := x.chargeCanon(values); err != nil {
		return err
	}
	if c.Dst.Kind == air.ScalarVar {
		if len(values) == 0 {
			return uncatchable(20016, "can not find JValue to produce scalar from")
		}
		agg := aggregate{val: values[0].val, tetraplet: data.Tetraplet{PeerPK: tet.PeerPK, Lens: tet.Lens}, tracePos: x.trace.pos(), provenance: provenance{kind: data.FromCanon, cid: cid}}
		if err := x.scalars.set(c.Dst.Name, agg); err != nil {
			return err
		}
	} else {
		m, err := newCanonMap(values, tet, cid)
		if err != nil {
			return err
		}
		if err := x.scalars.canonMaps.set(c.Dst.Name, m); err != nil {
			return err
		}
	}
	st.Executed, st.CID, st.SentBy = true, cid, ""
	x.trace.push(st)
	return nil
}

// putCanon stores a canon result and its elements, returning the result's CID.
func (x *executor) putCanon(tet data.Tetraplet, values []aggregate) data.CID {
	res := data.CanonResult{Tetraplet: x.putTetraplet(tet)}
	for _, v := range values {
		el := data.CanonElement{Value: x.stores.PutValue(v.val), Tetraplet: x.putTetraplet(v.tetraplet), Provenance: v.provenance.kind, ProvenanceCID: v.provenance.cid}
		res.Values = append(res.Values, x.stores.PutCanonElement(el))
	}
	return x.stores.PutCanonResult(res)
}

func (x *executor) canonMapVar(name string) (canonMap, *execError) {
	m, found, set := x.scalars.canonMaps.get(name)
	switch {
	case !found:
		return canonMap{}, variableNotFound(name)
	case !set:
		return canonMap{}, catchable(CodeVariableNotInitializedAfterNew, "variable with name '%s' was cleared by new and then wasn't set", name)
	}
	return m, nil
}

// resolveCanonMap evaluates a canon stream map used as a value: the object of its keys; with a
// lens, the first step names a key, whose values form a canon stream the rest reads into.
func (x *executor) resolveCanonMap(v *air.Var) (resolved, *execError) {
	m, err := x.canonMapVar(v.Name)
	if err != nil {
		return resolved{}, err
	}
	root := provenance{kind: data.FromCanon, cid: m.cid}
	if v.Lens == nil {
		r := resolved{val: m.jvalue(), provenance: root, tetraplets: []data.Tetraplet{}}
		for _, p := range m.pairs {
			r.tetraplets = append(r.tetraplets, p.tetraplet)
		}
		return r, nil
	}
	if v.Lens.Length {
		t := data.Tetraplet{PeerPK: x.p.CurrentPeerID, Lens: "length"} // sic: the functor's name
		return resolved{val: value.Uint(uint64(len(m.pairs))), tetraplet: t, provenance: root}, nil
	}
	first, rest := v.Lens.Path[0], v.Lens.Path[1:]
	var key mapKey
	switch first.Kind {
	case air.IndexStep:
		key, _ = mapKeyOf(value.Int(int64(first.Index)))
	case air.FieldStep:
		key, _ = mapKeyOf(value.String(first.Field))
	case air.ScalarStep:
		if _, ok := x.scalars.fold(first.Field); ok {
			if _, found, _ := x.scalars.get(first.Field); !found {
				return resolved{}, catchable(CodeLensError, "canon stream map accessor must not be iterable")
			}
		}
		kv, err := x.scalar(first.Field)
		if err != nil {
			return resolved{}, err
		}
		var ok bool
		if key, ok = mapKeyOf(kv.val); !ok {
			return resolved{}, catchable(CodeLensError, "canon stream map accessor `%s` should be either string or number", kv.val)
		}
	}
	values, found := m.byKey[key.id]
	if !found || len(rest) == 0 {
		t := m.tetraplet
		t.Lens = refLens(v.Lens)
		return resolved{val: canonStream{values: values}.jvalue(), tetraplet: t, provenance: root}, nil
	}
	var idx uint32
	switch rest[0].Kind {
	case air.FieldStep:
		return resolved{}, catchable(CodeLensError, "field accessor (with field name = '%s') can't be applied to a stream", rest[0].Field)
	case air.IndexStep:
		idx = rest[0].Index
	case air.ScalarStep:
		kv, err := x.scalar(rest[0].Field)
		if err != nil {
			return resolved{}, err
		}
		u, ok := kv.val.Uint64()
		if !ok || u > 1<<32-1 {
			return resolved{}, catchable(CodeLensError, "stream accessor `%s` should has number (u32) type", kv.val)
		}
		idx = uint32(u)
	}
	if int(idx) >= len(values) {
		return resolved{}, catchable(CodeLensError, "lambda is applied to a stream that have only '%d' elements, but '%d' requested", len(values), idx)
	}
	el := values[idx]
	if len(rest) == 1 {
		return resolved{val: el.val, tetraplet: el.tetraplet, provenance: root}, nil
	}
	val, err := x.applyLens(el.val, &air.Lens{Path: rest[1:]})
	if err != nil {
		return resolved{}, err
	}
	t := el.tetraplet
	t.Lens += refLens(&air.Lens{Path: rest[1:]})[2:] // the reference appends "." and the steps
	return resolved{val: val, tetraplet: t, provenance: root}, nil
}
