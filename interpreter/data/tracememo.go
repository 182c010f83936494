package data

import (
	"slices"
	"unsafe"
)

// traceMemo is the trace of the last encoding of data with these stores, and its fields. The
// next data of a particle kept decoded (interpreter.RunDecoded) starts with most of the same
// states: only those after the states it shares with the memo are encoded again, and the fields
// of the shared ones are copied from the last encoding, where they were written (Encode's result
// must therefore not be changed). The memo holds copies of the states, their slices included,
// so that it is what was encoded whatever becomes of the data it came from.
type traceMemo struct {
	states []State
	enc    []byte   // the fields of states, in the last encoding (capped there: never appended to)
	ends   []uint32 // where the field of each state ends in enc
}

// stateSizeGuess is the room made for a state of a trace about to be encoded: a call state with
// its CID (most of a trace), so that the buffer rarely grows.
const stateSizeGuess = 48

// traceStart returns the memo of d's stores cut back to the states d's trace starts with, and
// the fields of those states as the last encoding wrote them; the encoding adds the rest (note,
// then wrote). Stores made by hand keep no memo: nil, and nothing shared.
func (d *Data) traceStart() (m *traceMemo, shared []byte) {
	if d.Stores.work == nil {
		return nil, nil
	}
	m = &d.Stores.work.trace
	k := 0
	for k < len(m.states) && k < len(d.Trace) && sameState(m.states[k], d.Trace[k]) {
		k++
	}
	end := 0
	if k > 0 {
		end = int(m.ends[k-1])
	}
	clear(m.states[k:])
	m.states, m.ends = m.states[:k], m.ends[:k]
	if cap(m.states) == 0 {
		m.states, m.ends = make([]State, 0, len(d.Trace)), make([]uint32, 0, len(d.Trace))
	}
	return m, m.enc[:end]
}

// shared is how many states of the trace the memo had already (nil memo: none).
func (m *traceMemo) shared() int {
	if m == nil {
		return 0
	}
	return len(m.states)
}

// note adds a state the encoding wrote after those it shared, whose field ends end bytes into
// the trace's fields.
func (m *traceMemo) note(s State, end int) {
	if m != nil {
		m.states = append(m.states, ownState(s))
		m.ends = append(m.ends, uint32(end))
	}
}

// wrote points the memo at the trace's fields in the encoding just made, out[1:1+n].
func (m *traceMemo) wrote(out []byte, n int) {
	if m != nil {
		m.enc = out[1 : 1+n : 1+n]
	}
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
