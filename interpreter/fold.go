package interpreter

import (
	"strconv"

	"github.com/aquanet/aquanet/interpreter/air"
	"github.com/aquanet/aquanet/interpreter/data"
	"github.com/aquanet/aquanet/interpreter/value"
)

// foldState is a fold over the elements of an array or a canon stream being executed.
type foldState struct {
	items []aggregate
	// array, when set, is the iterable instead of items: a scalar's array, whose elements are
	// made as the fold reaches them (a fold with seq replays up to where it stopped, not over
	// the whole array, on each run).
	array  *aggregate
	made   aggregate // the element of array at madeAt, the last one made, if isMade
	madeAt int
	isMade bool
	cursor int
	body   air.Instr
	last   air.Instr

	stream      bool   // over one generation of a stream
	id          uint32 // the stream fold's id in the trace handler
	backStarted bool
}

func (f *foldState) current() aggregate {
	if f.array == nil {
		return f.items[f.cursor]
	}
	if !f.isMade || f.madeAt != f.cursor {
		f.made = *f.array
		f.made.val = f.made.val.Index(f.cursor)
		f.made.tetraplet.Lens = elementLens(f.made.tetraplet.Lens, f.cursor)
		f.isMade, f.madeAt = true, f.cursor
	}
	return f.made
}

// len is how many values the fold iterates over.
func (f *foldState) len() int {
	if f.array == nil {
		return len(f.items)
	}
	return f.array.val.Len()
}

func (x *executor) fold(in *air.Fold) *execError {
	if in.IsStreamFold() {
		return x.foldStream(in)
	}
	var items []aggregate
	switch it := in.Iterable.(type) {
	case *air.EmptyArray:
		return nil
	case *air.Var:
		switch it.Kind {
		case air.ScalarVar:
			agg, err := x.scalar(it.Name)
			if err != nil {
				return x.joined(err)
			}
			expr := it.Name
			if it.Lens != nil {
				v, err := x.applyLens(agg.val, it.Lens)
				if err != nil {
					// A scalar the lens indexes with may not be known yet: the reference
					// joins on the whole iterable (joinable! around its construction).
					return x.joined(err)
				}
				agg.val, agg.tracePos, expr = v, 0, refLens(it.Lens)
				agg.tetraplet = withLens(agg.tetraplet, it.Lens)
			}
			if agg.val.Kind() != value.KindArray {
				return catchable(CodeFoldIteratesOverNonArray, "expression '%s' returned non-array value '%s' for fold iterable", expr, agg.val)
			}
			if agg.val.Len() == 0 {
				return nil
			}
			x.budget.chargeSteps(agg.val.Len())
			return x.runFold(in.Iterator.Name, &foldState{array: &agg, body: in.Body, last: in.Last})
		case air.CanonStreamVar:
			c, err := x.canonVar(it.Name)
			if err != nil {
				return x.joined(err)
			}
			items = c.values
		case air.CanonMapVar:
			m, err := x.canonMapVar(it.Name)
			if err != nil {
				return x.joined(err)
			}
			if it.Lens == nil {
				items = m.pairs
				break
			}
			r, err := x.resolveCanonMap(it)
			if err != nil {
				return x.joined(err)
			}
			if r.val.Kind() != value.KindArray {
				return catchable(CodeFoldIteratesOverNonArray, "expression '%s' returned non-array value '%s' for fold iterable", refLens(it.Lens), r.val)
			}
			t := m.tetraplet
			t.Lens += refLens(it.Lens)
			items = make([]aggregate, 0, r.val.Len())
			for i := range r.val.Len() {
				ti := t
				ti.Lens = elementLens(ti.Lens, i)
				items = append(items, aggregate{val: r.val.Index(i), tetraplet: ti, provenance: provenance{kind: data.FromCanon, cid: m.cid}})
			}
		default:
			return notYet("fold over %s", it.Kind)
		}
	}
	if len(items) == 0 {
		return nil
	}
	x.budget.chargeSteps(len(items))
	return x.runFold(in.Iterator.Name, &foldState{items: items, body: in.Body, last: in.Last})
}

// elementLens is lens followed by the lens of element i, ".$.[i]", built in one allocation
// (none for the first elements of a fold over a value without a lens, as most are).
func elementLens(lens string, i int) string {
	if lens == "" && i < len(elementLenses) {
		return elementLenses[i]
	}
	var buf [64]byte
	b := append(buf[:0], lens...)
	b = append(b, ".$.["...)
	b = strconv.AppendInt(b, int64(i), 10)
	return string(append(b, ']'))
}

// elementLenses are the lenses of the first elements of a value without a lens, made once: a
// fold makes the lens of every element it reaches, on every run.
var elementLenses = func() []string {
	const n = 1024
	all := make([]byte, 0, n*10) // one piece for all
	ends := make([]int, n)
	for i := range n {
		all = append(all, ".$.["...)
		all = strconv.AppendInt(all, int64(i), 10)
		all = append(all, ']')
		ends[i] = len(all)
	}
	text := string(all)
	lenses := make([]string, n)
	for i, start := 0, 0; i < n; i++ {
		lenses[i], start = text[start:ends[i]], ends[i]
	}
	return lenses
}()

// runFold executes a fold's body with its iterator bound (the reference's fold()).
func (x *executor) runFold(iterator string, f *foldState) *execError {
	if _, taken := x.scalars.fold(iterator); taken {
		return uncatchable(CodeMultipleIterableValues, "multiple iterable values found for iterable name '%s'", iterator)
	}
	x.scalars.foldStart()
	x.scalars.folds = append(x.scalars.folds, namedFold{iterator, f})
	err := x.exec(f.body)
	x.scalars.folds = x.scalars.folds[:len(x.scalars.folds)-1]
	x.scalars.foldEnd()
	return err
}

// foldStream folds over a stream generation by generation, including generations the fold
// itself adds (a recursive stream). Catchable errors in the body do not escape: another peer
// may make progress where this one failed. The fold is complete if any generation was.
func (x *executor) foldStream(in *air.Fold) *execError {
	v := in.Iterable.(*air.Var)
	reg := &x.streams
	if v.Kind == air.StreamMapVar {
		reg = &x.maps
	}
	s := reg.get(v.Name, int(v.NamePos.Offset))
	if s == nil {
		x.complete = false
		return nil
	}
	x.foldCount++
	id := x.foldCount
	if err := x.trace.foldStart(id); err != nil {
		return onInstruction(in, err)
	}
	var cursor [3]int
	gens := s.generationsFrom(cursor)
	cursor = s.cursor()
	if len(gens) > 0 {
		s.addNewGeneration()
	}
	anyComplete := false
	for len(gens) > 0 {
		for _, g := range gens {
			if err := x.trace.iterationStart(id, g[0].tracePos); err != nil {
				return onInstruction(in, err)
			}
			x.budget.chargeSteps(len(g))
			err := x.runFold(in.Iterator.Name, &foldState{items: g, body: in.Body, last: in.Last, stream: true, id: id})
			if err != nil && !err.catchable {
				return err
			}
			x.trace.generationEnd(id)
			anyComplete = anyComplete || x.complete
		}
		gens = s.generationsFrom(cursor)
		s.removeLastGenerationIfEmpty()
		cursor = s.cursor()
		s.addNewGeneration()
	}
	x.complete = anyComplete
	x.trace.foldEnd(id)
	return nil
}

// next runs the next iteration of a fold inside the current one: over a thousand elements it
// is a thousand frames deep, so the common case (a scalar fold with elements left) keeps its
// frame small and the rest goes to nextStream and nextLast.
func (x *executor) next(in *air.Next) *execError {
	f, ok := x.scalars.fold(in.Iterator.Name)
	if !ok {
		return foldStateNotFound(in)
	}
	if f.stream {
		return x.nextStream(in, f)
	}
	if f.cursor+1 >= f.len() {
		return x.nextLast(f)
	}
	f.cursor++
	x.scalars.nextBefore()
	err := x.exec(f.body)
	x.scalars.nextAfter()
	if err != nil {
		return err
	}
	f.cursor--
	return nil
}

// foldStateNotFound is kept out of next, on the recursive path of every fold, so that its
// formatting does not widen next's frame.
//
//go:noinline
func foldStateNotFound(in *air.Next) *execError {
	return uncatchable(CodeFoldStateNotFound, "fold state not found for this iterable '%s'", in.Iterator.Name)
}

// nextLast is next past a fold's last element: its last instruction, if any.
func (x *executor) nextLast(f *foldState) *execError {
	if f.last != nil {
		x.complete = true
		return x.exec(f.last)
	}
	// A stream fold without a last instruction behaves as never on its final next: more
	// values may still come (AquaVM issue #333).
	if f.stream && !f.backStarted {
		f.backStarted = true
		x.complete = false
	}
	return nil
}

// nextStream is next in a fold over a stream, which tells the trace handler where each
// iteration starts and ends.
func (x *executor) nextStream(in *air.Next, f *foldState) *execError {
	x.trace.iterationEnd(f.id)
	if f.cursor+1 >= f.len() {
		if err := x.trace.backIterator(f.id); err != nil {
			return onInstruction(in, err)
		}
		return x.nextLast(f)
	}
	f.cursor++
	if err := x.trace.iterationStart(f.id, f.current().tracePos); err != nil {
		return onInstruction(in, err)
	}
	x.scalars.nextBefore()
	err := x.exec(f.body)
	x.scalars.nextAfter()
	if err != nil {
		return err
	}
	f.cursor--
	return onInstruction(in, x.trace.backIterator(f.id))
}
