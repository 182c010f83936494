package data

import (
	"slices"
	"unsafe"
)

// traceMemo is the trace of the last encoding of data with these stores, and its fields. The
// next data of a particle kept decoded (interpreter.RunDecoded) starts with most of the same
// states: only those after the states it shares with the memo are encoded again. The memo
// holds copies of the states, their slices included, so that it is what was encoded whatever
// becomes of the data it came from.
type traceMemo struct {
	states []State
	enc    []byte   // the fields of states, one after the other
	ends   []uint32 // where the field of each state ends in enc
}

// stateSizeGuess is the room made for a state of a trace about to be encoded: a call state with
// its CID (most of a trace), so that the buffer rarely grows.
const stateSizeGuess = 48

// encodedTrace returns the trace's states as a sequence of fState fields. The result is the
// memo's own buffer: it is valid until the next encoding of data with these stores.
func (d *Data) encodedTrace() []byte {
	if d.Stores.work == nil { // stores made by hand keep no memo
		return appendTrace(nil, d.Trace, nil)
	}
	m := &d.Stores.work.trace
	k := 0
	for k < len(m.states) && k < len(d.Trace) && sameState(m.states[k], d.Trace[k]) {
		k++
	}
	end := 0
	if k > 0 {
		end = int(m.ends[k-1])
	}
	clear(m.states[k:])
	m.states, m.enc, m.ends = m.states[:k], m.enc[:end], m.ends[:k]
	if m.enc == nil {
		m.enc = make([]byte, 0, len(d.Trace)*stateSizeGuess)
		m.states, m.ends = make([]State, 0, len(d.Trace)), make([]uint32, 0, len(d.Trace))
	}
	for _, s := range d.Trace[k:] {
		m.states = append(m.states, ownState(s))
	}
	m.enc = appendTrace(m.enc, d.Trace[k:], &m.ends)
	return m.enc
}

// appendTrace appends the fields of states to b, and where each ends to ends if not nil.
func appendTrace(b []byte, states []State, ends *[]uint32) []byte {
	for _, s := range states {
		b = appendStateField(b, s)
		if ends != nil {
			*ends = append(*ends, uint32(len(b)))
		}
	}
	return b
}

// sameState reports whether a and b are the same state, so encode to the same bytes.
func sameState(a, b State) bool {
	if _, ok := a.(CallState); ok && sameBox(a, b) {
		return true
	}
	switch a := a.(type) {
	case CallState:
		b, ok := b.(CallState)
		return ok && a == b
	case ParState:
		b, ok := b.(ParState)
		return ok && a == b
	case CanonState:
		b, ok := b.(CanonState)
		return ok && a == b
	case FoldState:
		b, ok := b.(FoldState)
		return ok && slices.Equal(a.Lore, b.Lore)
	case ApState:
		b, ok := b.(ApState)
		return ok && slices.Equal(a.Gens, b.Gens)
	}
	return false
}

// ownState returns s with slices of its own.
func ownState(s State) State {
	switch s := s.(type) {
	case FoldState:
		return FoldState{Lore: slices.Clone(s.Lore)}
	case ApState:
		return ApState{Gens: slices.Clone(s.Gens)}
	}
	return s
}

// sameBox reports whether a and b hold the very same box: a run's trace holds most of the
// states of the last as the interfaces the last held them in (interpreter's traceHandler
// pushes them without a copy), and the memo keeps them so, and a box never changes: the
// same box is the same state, without comparing the fields of three thousand of them.
func sameBox(a, b State) bool {
	type iface struct{ typ, data unsafe.Pointer }
	x, y := (*iface)(unsafe.Pointer(&a)), (*iface)(unsafe.Pointer(&b))
	return *x == *y
}
