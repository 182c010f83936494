package interpreter

import (
	"github.com/aquanet/aquanet/interpreter/air"
	"github.com/aquanet/aquanet/interpreter/data"
	"github.com/aquanet/aquanet/interpreter/value"
)

// provenance says where a value came from, which canon elements record.
type provenance struct {
	kind data.ProvenanceKind
	cid  data.CID
}

// aggregate is a value with what the interpreter knows about it: its tetraplet, the trace
// position that produced it, and its provenance.
type aggregate struct {
	val        value.Value
	tetraplet  data.Tetraplet
	tracePos   uint32
	provenance provenance
}

// apAggregate makes the aggregate of the value ap stores, as the reference's apply_to_arg and
// ValueAggregate::new do: only a service result keeps its whole tetraplet; a literal keeps the
// peer of its tetraplet, a value from a canon the peer and the lens, because the reference's
// LiteralAggregate and CanonResultAggregate store no more. It matters for :error: and
// %last_error%, whose provenance is a literal but whose tetraplet is that of the failed call:
// put into a stream, they become elements of a literal tetraplet on the call's peer. A canon
// stream or map taken whole has the canon's own tetraplet (the peer that froze it), not its
// first element's.
func (x *executor) apAggregate(arg air.Value, r resolved) aggregate {
	var tet data.Tetraplet
	if len(r.tetraplets) > 0 {
		tet = r.tetraplets[0]
	}
	if v, ok := arg.(*air.Var); ok && v.Lens == nil {
		switch v.Kind {
		case air.CanonStreamVar:
			c, _ := x.canonVar(v.Name) // resolved already
			tet = c.tetraplet
		case air.CanonMapVar:
			m, _ := x.canonMapVar(v.Name)
			tet = m.tetraplet
		}
	}
	switch r.provenance.kind {
	case data.FromLiteral:
		tet = data.Tetraplet{PeerPK: tet.PeerPK}
	case data.FromCanon:
		tet = data.Tetraplet{PeerPK: tet.PeerPK, Lens: tet.Lens}
	}
	return aggregate{val: r.val, tetraplet: tet, tracePos: x.trace.pos(), provenance: r.provenance}
}

// cell is one binding of a variable at a fold depth; set is false for a binding that new
// opened and nothing has set yet.
type cell[T any] struct {
	depth int
	set   bool
	val   T
}

// scoped follows the reference's scoping of scalars and canon streams (ValuesSparseMatrix): each
// fold opens a depth, each iteration of its next another; a variable set inside a fold is
// visible at that depth only while the iteration that set it runs, and outside any fold a
// variable can be set once.
type scoped[T any] struct {
	cells   map[string][]cell[T] // innermost binding last
	allowed map[int]bool
	depth   int
}

func newScoped[T any]() *scoped[T] {
	return &scoped[T]{cells: map[string][]cell[T]{}, allowed: map[int]bool{0: true}}
}

// scalars are the scalar variables, the canon streams, and the iterators of running folds.
type scalars struct {
	*scoped[aggregate]
	canons    *scoped[canonStream]
	canonMaps *scoped[canonMap]
	folds     map[string]*foldState
}

func newScalars() *scalars {
	return &scalars{scoped: newScoped[aggregate](), canons: newScoped[canonStream](), canonMaps: newScoped[canonMap](), folds: map[string]*foldState{}}
}

// The fold and new hooks move every kind of scoped variable together.
func (s *scalars) foldStart() { s.scoped.foldStart(); s.canons.foldStart(); s.canonMaps.foldStart() }
func (s *scalars) foldEnd()   { s.scoped.foldEnd(); s.canons.foldEnd(); s.canonMaps.foldEnd() }
func (s *scalars) nextBefore() {
	s.scoped.nextBefore()
	s.canons.nextBefore()
	s.canonMaps.nextBefore()
}
func (s *scalars) nextAfter() { s.scoped.nextAfter(); s.canons.nextAfter(); s.canonMaps.nextAfter() }

// couldBeSet reports whether a scalar named name may be set now (the reference checks the
// scalars and the canon streams of that name).
func (s *scalars) couldBeSet(name string) bool {
	return s.scoped.couldBeSet(name) || s.canons.couldBeSet(name)
}

// couldBeSet reports whether name may be (re)set now: always inside a fold, and outside only
// when it is unset or a new has reopened it.
func (s *scoped[T]) couldBeSet(name string) bool {
	if s.depth != 0 {
		return true
	}
	cells, ok := s.cells[name]
	return ok && !cells[len(cells)-1].set
}

func (s *scoped[T]) set(name string, v T) *execError {
	cells, ok := s.cells[name]
	if !ok {
		s.cells[name] = []cell[T]{{depth: s.depth, set: true, val: v}}
		return nil
	}
	if !s.couldBeSet(name) {
		return uncatchable(CodeShadowingNotAllowed, "trying to shadow variable '%s', but shadowing is allowed only inside fold blocks", name)
	}
	last := &cells[len(cells)-1]
	if last.depth == s.depth {
		last.set, last.val = true, v
		return nil
	}
	s.cells[name] = append(cells, cell[T]{depth: s.depth, set: true, val: v})
	return nil
}

// get returns the binding of a variable (for scalars: not an iterator): found reports whether there is one visible,
// and set whether it holds a value (a new may have cleared it).
func (s *scoped[T]) get(name string) (v T, found, set bool) {
	cells, ok := s.cells[name]
	if !ok {
		return v, false, false
	}
	last := cells[len(cells)-1]
	if !s.allowed[last.depth] {
		return v, false, false
	}
	return last.val, true, last.set
}

func (s *scoped[T]) foldStart() {
	s.depth++
	s.allowed[s.depth] = true
}

func (s *scoped[T]) nextBefore() {
	delete(s.allowed, s.depth)
	s.depth++
	s.allowed[s.depth] = true
}

func (s *scoped[T]) nextAfter() {
	delete(s.allowed, s.depth)
	s.depth--
	s.allowed[s.depth] = true
	s.cleanup()
}

func (s *scoped[T]) foldEnd() {
	delete(s.allowed, s.depth)
	s.depth--
	s.cleanup()
}

func (s *scoped[T]) newStart(name string) {
	s.cells[name] = append(s.cells[name], cell[T]{depth: s.depth})
}

func (s *scoped[T]) newEnd(name string) *execError {
	cells := s.cells[name]
	if len(cells) == 0 {
		return uncatchable(CodeScalarsStateCorrupted, "new end block tries to pop up a variable '%s' that wasn't defined at depth %d", name, s.depth)
	}
	last := cells[len(cells)-1]
	if len(cells) == 1 {
		if last.depth != s.depth {
			return uncatchable(CodeScalarsStateCorrupted, "new end block tries to pop up a variable '%s' that wasn't defined at depth %d", name, s.depth)
		}
		delete(s.cells, name)
		return nil
	}
	if last.depth != s.depth {
		return uncatchable(CodeScalarsStateCorrupted, "new end block tries to pop up a variable '%s' that wasn't defined at depth %d", name, s.depth)
	}
	s.cells[name] = cells[:len(cells)-1]
	return nil
}

// cleanup drops the bindings made deeper than the current depth (the reference's
// cleanup_obsolete_values; it removes at most one binding per name each time).
func (s *scoped[T]) cleanup() {
	for name, cells := range s.cells {
		last := cells[len(cells)-1]
		if last.depth != 0 && last.depth > s.depth {
			if len(cells) == 1 {
				delete(s.cells, name)
			} else {
				s.cells[name] = cells[:len(cells)-1]
			}
		}
	}
}
