package interpreter

import (
	"sync"

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
	tet := r.tetraplet
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
//
// NB: nothing here is a map written per iteration. A fold with seq over n elements nests its
// n iterations, each binding its variables at a depth of its own and dropping them as the
// iterations unwind: the bindings are stacks in slices, a name keeps its place once met, and
// the visible depths are a slice indexed by depth.
type scoped[T any] struct {
	index   map[string]int // a name's place in vars
	vars    []cellStack[T] // the bindings of each name met, innermost on top; empty: none
	allowed []bool         // by depth, up to the current one: whether its bindings are visible
	depth   int
	chunks  *sync.Pool // of *cellChunk[T], shared by the runs; nil: none
	// last is the name looked up last and its place (-1: none yet): a call reads and then sets
	// its output (the names are the script's own strings, so mostly equal by pointer).
	last   string
	lastAt int
}

func newScoped[T any](chunks *sync.Pool) *scoped[T] {
	return &scoped[T]{index: map[string]int{}, allowed: []bool{true}, chunks: chunks, lastAt: -1}
}

// release gives the chunks of the bindings' stacks back to the pool, once the run is over.
func (s *scoped[T]) release() {
	if s.chunks == nil {
		return
	}
	for i := range s.vars {
		s.vars[i].release(s.chunks)
	}
}

// aggregateChunks are the chunks of the scalars' stacks, from run to run: a fold with seq over
// thousands of elements nests as many bindings of its variables on every run.
var aggregateChunks sync.Pool

// bindings returns the stack of name's bindings, nil if name was never bound.
func (s *scoped[T]) bindings(name string) *cellStack[T] {
	if s.lastAt >= 0 && name == s.last {
		return &s.vars[s.lastAt]
	}
	if i, ok := s.index[name]; ok {
		s.last, s.lastAt = name, i
		return &s.vars[i]
	}
	return nil
}

// bindingsOrNew returns the stack of name's bindings, making an empty one if there is none.
func (s *scoped[T]) bindingsOrNew(name string) *cellStack[T] {
	if b := s.bindings(name); b != nil {
		return b
	}
	i := len(s.vars)
	s.index[name] = i
	s.vars = append(s.vars, cellStack[T]{})
	s.last, s.lastAt = name, i
	return &s.vars[i]
}

// scalars are the scalar variables, the canon streams, and the iterators of running folds.
type scalars struct {
	*scoped[aggregate]
	canons    *scoped[canonStream]
	canonMaps *scoped[canonMap]
	// folds are the running folds, innermost last, each under a name of its own (foldBegin):
	// a few, looked up on every iteration, which a search of a slice does faster than a map.
	folds []namedFold
}

type namedFold struct {
	iterator string
	state    *foldState
}

// fold returns the running fold whose iterator is named name.
func (s *scalars) fold(name string) (*foldState, bool) {
	for i := len(s.folds) - 1; i >= 0; i-- {
		if s.folds[i].iterator == name {
			return s.folds[i].state, true
		}
	}
	return nil, false
}

func newScalars() *scalars {
	return &scalars{scoped: newScoped[aggregate](&aggregateChunks), canons: newScoped[canonStream](nil), canonMaps: newScoped[canonMap](nil)}
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
	b := s.bindings(name)
	return b != nil && b.n > 0 && !b.top().set
}

func (s *scoped[T]) set(name string, v T) *execError {
	b := s.bindingsOrNew(name)
	if b.n == 0 {
		b.push(cell[T]{depth: s.depth, set: true, val: v}, s.chunks)
		return nil
	}
	if !s.couldBeSet(name) {
		return uncatchable(CodeShadowingNotAllowed, "trying to shadow variable '%s', but shadowing is allowed only inside fold blocks", name)
	}
	if last := b.top(); last.depth == s.depth {
		last.set, last.val = true, v
		return nil
	}
	b.push(cell[T]{depth: s.depth, set: true, val: v}, s.chunks)
	return nil
}

// get returns the binding of a variable (for scalars: not an iterator): found reports whether there is one visible,
// and set whether it holds a value (a new may have cleared it).
func (s *scoped[T]) get(name string) (v T, found, set bool) {
	p, set := s.ref(name)
	if p == nil {
		return v, false, false
	}
	return *p, true, set
}

// ref is get by reference: the binding itself (nil: none), valid until the bindings change.
func (s *scoped[T]) ref(name string) (v *T, set bool) {
	b := s.bindings(name)
	if b == nil || b.n == 0 {
		return nil, false
	}
	last := b.top()
	if last.depth >= len(s.allowed) || !s.allowed[last.depth] {
		return nil, false
	}
	return &last.val, last.set
}

func (s *scoped[T]) foldStart() {
	s.depth++
	s.allowed = append(s.allowed, true)
}

func (s *scoped[T]) nextBefore() {
	s.allowed[s.depth] = false
	s.depth++
	s.allowed = append(s.allowed, true)
}

func (s *scoped[T]) nextAfter() {
	s.allowed = s.allowed[:s.depth]
	s.depth--
	s.allowed[s.depth] = true
	s.cleanup()
}

func (s *scoped[T]) foldEnd() {
	s.allowed = s.allowed[:s.depth]
	s.depth--
	s.cleanup()
}

func (s *scoped[T]) newStart(name string) {
	s.bindingsOrNew(name).push(cell[T]{depth: s.depth}, s.chunks)
}

func (s *scoped[T]) newEnd(name string) *execError {
	b := s.bindings(name)
	if b == nil || b.n == 0 || b.top().depth != s.depth {
		return uncatchable(CodeScalarsStateCorrupted, "new end block tries to pop up a variable '%s' that wasn't defined at depth %d", name, s.depth)
	}
	b.pop()
	return nil
}

// cleanup drops the bindings made deeper than the current depth (the reference's
// cleanup_obsolete_values; it removes at most one binding per name each time).
func (s *scoped[T]) cleanup() {
	for i := range s.vars {
		b := &s.vars[i]
		if b.n == 0 {
			continue
		}
		if last := b.top(); last.depth != 0 && last.depth > s.depth {
			b.pop()
		}
	}
}
