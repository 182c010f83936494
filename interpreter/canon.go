package interpreter

import (
	"slices"

	"github.com/aquanet/aquanet/interpreter/air"
	"github.com/aquanet/aquanet/interpreter/data"
	"github.com/aquanet/aquanet/interpreter/value"
)

// canonStream is a stream frozen by canon: its values, the canon's tetraplet (the peer that
// froze it), and the CID of its CanonResult.
type canonStream struct {
	values    []aggregate
	tetraplet data.Tetraplet
	cid       data.CID
}

func (c canonStream) jvalue() value.Value {
	vs := make([]value.Value, len(c.values))
	for i, v := range c.values {
		vs[i] = v.val
	}
	return value.Array(vs...)
}

// canon executes (canon PEER $stream #canon): on PEER, freeze the stream; elsewhere, forward.
// A canon executed once is frozen for every peer after: its result travels in the trace.
func (x *executor) canon(c *air.Canon) *execError {
	st, met, err := x.trace.mergeCanon()
	if err != nil {
		return onInstruction(c, err)
	}
	switch {
	case met && st.Executed:
		peer, err := x.resolveToString(c.Peer)
		if err != nil {
			return err
		}
		cr, ok := x.stores.CanonResults[st.CID]
		if !ok {
			return uncatchable(CodeValueForCIDNotFound, "value for CID %s not found", st.CID)
		}
		tet, ok := x.stores.Tetraplets[cr.Tetraplet]
		if !ok {
			return uncatchable(CodeValueForCIDNotFound, "value for CID %s not found", cr.Tetraplet)
		}
		if want := (data.Tetraplet{PeerPK: peer}); tet != want {
			return parametersMismatch("canon tetraplet", tetrapletDebug(want), tetrapletDebug(tet))
		}
		cs := canonStream{tetraplet: tet, cid: st.CID}
		for _, ec := range cr.Values {
			agg, err := x.canonElement(ec)
			if err != nil {
				return err
			}
			cs.values = append(cs.values, agg)
		}
		x.record(tet.PeerPK, st.CID)
		if c.Src.Kind == air.StreamMapVar {
			return x.canonMapEnd(c, cs.values, tet, st.CID, st)
		}
		return x.canonEnd(c, cs, st)
	case met:
		peer, err := x.resolveToString(c.Peer)
		if err != nil {
			return err
		}
		if peer != x.p.CurrentPeerID {
			x.complete = false
			if st.SentBy != x.p.CurrentPeerID {
				x.await(peer, st.SentBy) // as a call another peer sent on (Outcome.Awaited)
			}
			x.trace.push(st)
			return nil
		}
		return x.canonFirstTime(c, peer)
	}
	peer, err := x.resolveToString(c.Peer)
	if err != nil {
		// The reference's replay takes its state from the traces before it resolves the
		// peer: the state the run went on to make, which a run that paused after this would
		// not (see resume.go).
		x.pausable = false
		return x.joined(err)
	}
	if peer != x.p.CurrentPeerID {
		x.complete = false
		x.nextPeers[peer] = true
		x.trace.push(data.CanonState{SentBy: x.p.CurrentPeerID})
		return nil
	}
	return x.canonFirstTime(c, peer)
}

func (x *executor) canonFirstTime(c *air.Canon, peer string) *execError {
	if c.Src.Kind == air.StreamMapVar {
		return x.canonMapFirstTime(c, peer)
	}
	cs := canonStream{tetraplet: data.Tetraplet{PeerPK: peer}}
	if s := x.streams.get(c.Src.Name, int(c.Src.NamePos.Offset)); s != nil {
		cs.values = slices.Clone(s.values())
	}
	cs.cid = x.putCanon(cs.tetraplet, cs.values)
	x.record(peer, cs.cid)
	return x.canonEnd(c, cs, data.CanonState{Executed: true, CID: cs.cid})
}

func (x *executor) canonEnd(c *air.Canon, cs canonStream, st data.CanonState) *execError {
	if err := x.chargeCanon(cs.values); err != nil {
		return err
	}
	if err := x.scalars.canons.set(c.Dst.Name, cs); err != nil {
		return err
	}
	st.Executed, st.CID, st.SentBy = true, cs.cid, ""
	x.trace.push(st)
	return nil
}

// canonElement loads a canon element from the stores.
func (x *executor) canonElement(c data.CID) (aggregate, *execError) {
	el, ok := x.stores.CanonElements[c]
	if !ok {
		return aggregate{}, uncatchable(CodeValueForCIDNotFound, "value for CID %s not found", c)
	}
	v, found, err := x.stores.Parsed(el.Value)
	if !found {
		return aggregate{}, uncatchable(CodeValueForCIDNotFound, "value for CID %s not found", el.Value)
	}
	tet, ok := x.stores.Tetraplets[el.Tetraplet]
	if !ok {
		return aggregate{}, uncatchable(CodeValueForCIDNotFound, "value for CID %s not found", el.Tetraplet)
	}
	if err != nil {
		return aggregate{}, uncatchable(CodeValueForCIDNotFound, "value for CID %s is not JSON: %v", el.Value, err)
	}
	return aggregate{val: v, tetraplet: tet, provenance: provenance{kind: el.Provenance, cid: el.ProvenanceCID}}, nil
}

// canonVar looks up a canon stream.
func (x *executor) canonVar(name string) (canonStream, *execError) {
	c, found, set := x.scalars.canons.get(name)
	switch {
	case !found:
		return canonStream{}, variableNotFound(name)
	case !set:
		return canonStream{}, catchable(CodeVariableNotInitializedAfterNew, "variable with name '%s' was cleared by new and then wasn't set", name)
	}
	return c, nil
}

// resolveCanon evaluates a canon stream used as a value: the array of its values, one tetraplet
// per value; with a lens, the first step picks a value and the rest reads into it.
func (x *executor) resolveCanon(v *air.Var) (resolved, *execError) {
	c, err := x.canonVar(v.Name)
	if err != nil {
		return resolved{}, err
	}
	root := provenance{kind: data.FromCanon, cid: c.cid}
	if v.Lens == nil {
		r := resolved{val: c.jvalue(), provenance: root, tetraplets: []data.Tetraplet{}}
		for _, e := range c.values {
			r.tetraplets = append(r.tetraplets, e.tetraplet)
		}
		return r, nil
	}
	if v.Lens.Length {
		t := data.Tetraplet{PeerPK: x.p.CurrentPeerID, ServiceID: ".length"} // sic: the reference's
		return resolved{val: value.Uint(uint64(len(c.values))), tetraplet: t, provenance: root}, nil
	}
	first := v.Lens.Path[0]
	var idx uint32
	switch first.Kind {
	case air.FieldStep:
		return resolved{}, catchable(CodeLensError, "field accessor (with field name = '%s') can't be applied to a stream", first.Field)
	case air.IndexStep:
		idx = first.Index
	case air.ScalarStep:
		key, err := x.scalar(first.Field)
		if err != nil {
			return resolved{}, err
		}
		u, ok := key.val.Uint64()
		if !ok || u > 1<<32-1 {
			if key.val.Kind() == value.KindNumber {
				return resolved{}, catchable(CodeLensError, "index accessor `%s can't be converted to u32`", key.val)
			}
			return resolved{}, catchable(CodeLensError, "stream accessor `%s` should has number (u32) type", key.val)
		}
		idx = uint32(u)
	}
	if int(idx) >= len(c.values) {
		return resolved{}, catchable(CodeLensError, "lambda is applied to a stream that have only '%d' elements, but '%d' requested", len(c.values), idx)
	}
	el := c.values[idx]
	val, err := x.applyLens(el.val, &air.Lens{Path: v.Lens.Path[1:]})
	if err != nil {
		return resolved{}, err
	}
	return resolved{val: val, tetraplet: el.tetraplet, provenance: el.provenance}, nil
}

// chargeCanon charges the budget for the values a canon binds.
func (x *executor) chargeCanon(values []aggregate) *execError {
	for _, v := range values {
		if err := x.budget.chargeValue(v.val); err != nil {
			return err
		}
	}
	return nil
}
