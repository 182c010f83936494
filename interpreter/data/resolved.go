package data

import "github.com/aquanet/aquanet/interpreter/value"

// Resolved is a service result as a replayed call reads it: the hash of the call's arguments,
// the result's value parsed, and its tetraplet.
type Resolved struct {
	ArgumentHash CID
	Value        value.Value
	Tetraplet    Tetraplet
	// Size is what the interpreter's memory budget counts for Value, kept with it so that a
	// run replaying a large value does not measure it again; 0 when not measured.
	Size int64
	// Args are arguments an earlier run found to hash to ArgumentHash: a replay whose
	// arguments are the same values (value.Same) need not hash them again. Nil: none yet.
	Args []value.Value
}

// resolvedAt is one entry of the memo of ResolvedAt: the service result it resolves.
type resolvedAt struct {
	known bool
	cid   CID
	r     Resolved
}

// ResolvedAt returns what Remember kept of the service result c for trace position pos, if it
// kept it. Data kept decoded from run to run (interpreter.RunDecoded) replays the same executed
// calls at the same positions on every run; the memo spares each of them three lookups of its
// CIDs and one of its parsed value. An entry is only taken for the very CID it was kept for, and
// the stores are content-addressed and only grow (but for Undo, which forgets the memo), so
// what it holds is what the lookups would find again.
func (s *Stores) ResolvedAt(pos uint32, c CID) (Resolved, bool) {
	if s.work == nil || int(pos) >= len(s.work.resolved) {
		return Resolved{}, false
	}
	e := &s.work.resolved[pos]
	if !e.known || e.cid != c {
		return Resolved{}, false
	}
	return e.r, true
}

// Remember keeps r, the service result c as read from s, for ResolvedAt at trace position pos.
func (s *Stores) Remember(pos uint32, c CID, r Resolved) {
	if s.work == nil {
		return
	}
	m := s.work.resolved
	if n := int(pos) + 1; n > len(m) {
		m = append(m, make([]resolvedAt, n-len(m))...)
		s.work.resolved = m
	}
	m[pos] = resolvedAt{known: true, cid: c, r: r}
}
