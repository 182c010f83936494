package interpreter

import (
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

// scalarCell is one binding of a scalar at a fold depth; set is false for a binding that new
// opened and nothing has set yet.
type scalarCell struct {
	depth int
	set   bool
	val   aggregate
}

// scalars follows the reference's scoping of scalars (ValuesSparseMatrix): each fold opens a
// depth, each iteration of its next another; a scalar set inside a fold is visible at that depth
// only while the iteration that set it runs, and outside any fold a scalar can be set once.
type scalars struct {
	cells   map[string][]scalarCell // innermost binding last
	allowed map[int]bool
	depth   int
	folds   map[string]*foldState // iterators of the folds being executed
}

func newScalars() *scalars {
	return &scalars{cells: map[string][]scalarCell{}, allowed: map[int]bool{0: true}, folds: map[string]*foldState{}}
}

// couldBeSet reports whether name may be (re)set now: always inside a fold, and outside only
// when it is unset or a new has reopened it.
func (s *scalars) couldBeSet(name string) bool {
	if s.depth != 0 {
		return true
	}
	cells, ok := s.cells[name]
	return ok && !cells[len(cells)-1].set
}

func (s *scalars) set(name string, v aggregate) *execError {
	cells, ok := s.cells[name]
	if !ok {
		s.cells[name] = []scalarCell{{depth: s.depth, set: true, val: v}}
		return nil
	}
	if !s.couldBeSet(name) {
		return uncatchable(CodeShadowingNotAllowed, "variable with name '%s' can't be shadowed, shadowing isn't supported", name)
	}
	last := &cells[len(cells)-1]
	if last.depth == s.depth {
		last.set, last.val = true, v
		return nil
	}
	s.cells[name] = append(cells, scalarCell{depth: s.depth, set: true, val: v})
	return nil
}

// get returns the binding of a non-iterator scalar: found reports whether there is one visible,
// and set whether it holds a value (a new may have cleared it).
func (s *scalars) get(name string) (v aggregate, found, set bool) {
	cells, ok := s.cells[name]
	if !ok {
		return aggregate{}, false, false
	}
	last := cells[len(cells)-1]
	if !s.allowed[last.depth] {
		return aggregate{}, false, false
	}
	return last.val, true, last.set
}

func (s *scalars) foldStart() {
	s.depth++
	s.allowed[s.depth] = true
}

func (s *scalars) nextBefore() {
	delete(s.allowed, s.depth)
	s.depth++
	s.allowed[s.depth] = true
}

func (s *scalars) nextAfter() {
	delete(s.allowed, s.depth)
	s.depth--
	s.allowed[s.depth] = true
	s.cleanup()
}

func (s *scalars) foldEnd() {
	delete(s.allowed, s.depth)
	s.depth--
	s.cleanup()
}

func (s *scalars) newStart(name string) {
	s.cells[name] = append(s.cells[name], scalarCell{depth: s.depth})
}

func (s *scalars) newEnd(name string) *execError {
	cells := s.cells[name]
	if len(cells) == 0 {
		return uncatchable(CodeScalarsStateCorrupted, "scalars state corrupted: scalar %s at depth %d", name, s.depth)
	}
	last := cells[len(cells)-1]
	if len(cells) == 1 {
		if last.depth != s.depth {
			return uncatchable(CodeScalarsStateCorrupted, "scalars state corrupted: scalar %s at depth %d", name, s.depth)
		}
		delete(s.cells, name)
		return nil
	}
	if last.depth != s.depth {
		return uncatchable(CodeScalarsStateCorrupted, "scalars state corrupted: scalar %s at depth %d", name, s.depth)
	}
	s.cells[name] = cells[:len(cells)-1]
	return nil
}

// cleanup drops the bindings made deeper than the current depth (the reference's
// cleanup_obsolete_values; it removes at most one binding per name each time).
func (s *scalars) cleanup() {
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
