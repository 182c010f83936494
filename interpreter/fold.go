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

// current is the iterator's value now, valid until the fold moves on: read, not kept (an
// aggregate is some 150 bytes, and a fold's body reads it at every call).
func (f *foldState) current() *aggregate {
	if f.array == nil {
		return &f.items[f.cursor]
	}
	if !f.isMade || f.madeAt != f.cursor {
		f.made = *f.array
		f.made.val = f.made.val.Index(f.cursor)
		f.made.tetraplet.Lens = elementLens(f.made.tetraplet.Lens, f.cursor)
		f.isMade, f.madeAt = true, f.cursor
	}
	return &f.made
}

// len is how many values the fold iterates over.
func (f *foldState) len() int {
	if f.array == nil {
		return len(f.items)
	}
	return f.array.val.Len()
}

// fold runs a fold over an array or a canon stream: phase 0 binds the iterator to the first
// value and runs the body, whose nexts run the rest (see next); phase 1 unbinds it.
func (x *executor) fold(f *frame, err *execError) (air.Instr, *execError) {
	if f.phase == 1 {
		x.foldFinish()
		return nil, err
	}
	in := f.in.(*air.Fold)
	fs, err := x.foldIterable(in)
	if fs == nil {
		return nil, err
	}
	if err := x.foldBegin(in.Iterator.Name, fs); err != nil {
		return nil, err
	}
	f.fold, f.phase = fs, 1
	return fs.body, nil
}

// foldIterable is what a fold over an array or a canon stream iterates over; nil if nothing,
// with the error that says why, if any.
func (x *executor) foldIterable(in *air.Fold) (*foldState, *execError) {
	var items []aggregate
	switch it := in.Iterable.(type) {
	case *air.EmptyArray:
		return nil, nil
	case *air.Var:
		switch it.Kind {
		case air.ScalarVar:
			found, err := x.scalar(it.Name)
			if err != nil {
				return nil, x.joined(err)
			}
			agg := *found // changed below, the variable's own left as it is
			expr := it.Name
			if it.Lens != nil {
				v, err := x.applyLens(agg.val, it.Lens)
				if err != nil {
					// A scalar the lens indexes with may not be known yet: the reference
					// joins on the whole iterable (joinable! around its construction).
					return nil, x.joined(err)
				}
				agg.val, agg.tracePos, expr = v, 0, refLens(it.Lens)
				agg.tetraplet = withLens(agg.tetraplet, it.Lens)
			}
			if agg.val.Kind() != value.KindArray {
				return nil, catchable(CodeFoldIteratesOverNonArray, "expression '%s' returned non-array value '%s' for fold iterable", expr, agg.val)
			}
			if agg.val.Len() == 0 {
				return nil, nil
			}
			x.budget.chargeSteps(agg.val.Len())
			return &foldState{array: &agg, body: in.Body, last: in.Last}, nil
		case air.CanonStreamVar:
			c, err := x.canonVar(it.Name)
			if err != nil {
				return nil, x.joined(err)
			}
			items = c.values
		case air.CanonMapVar:
			m, err := x.canonMapVar(it.Name)
			if err != nil {
				return nil, x.joined(err)
			}
			if it.Lens == nil {
				items = m.pairs
				break
			}
			r, err := x.resolveCanonMap(it)
			if err != nil {
				return nil, x.joined(err)
			}
			if r.val.Kind() != value.KindArray {
				return nil, catchable(CodeFoldIteratesOverNonArray, "expression '%s' returned non-array value '%s' for fold iterable", refLens(it.Lens), r.val)
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
			return nil, notYet("fold over %s", it.Kind)
		}
	}
	if len(items) == 0 {
		return nil, nil
	}
	x.budget.chargeSteps(len(items))
	return &foldState{items: items, body: in.Body, last: in.Last}, nil
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

// foldBegin binds a fold's iterator (the reference's fold()); foldFinish unbinds it.
func (x *executor) foldBegin(iterator string, f *foldState) *execError {
	if _, taken := x.scalars.fold(iterator); taken {
		return uncatchable(CodeMultipleIterableValues, "multiple iterable values found for iterable name '%s'", iterator)
	}
	x.scalars.foldStart()
	x.scalars.folds = append(x.scalars.folds, namedFold{iterator, f})
	return nil
}

func (x *executor) foldFinish() {
	x.scalars.folds = x.scalars.folds[:len(x.scalars.folds)-1]
	x.scalars.foldEnd()
}

// streamFold is a fold over a stream being executed: the generations it took from the stream,
// how many of them it has run, and the stream's cursor after them.
type streamFold struct {
	s           *stream
	id          uint32
	gens        [][]aggregate
	ran         int
	cursor      [3]int
	anyComplete bool
}

// foldStream folds over a stream generation by generation, including generations the fold
// itself adds (a recursive stream); each generation is a fold of its own over its values.
// Catchable errors in the body do not escape: another peer may make progress where this one
// failed. The fold is complete if any generation was.
func (x *executor) foldStream(f *frame, err *execError) (air.Instr, *execError) {
	in := f.in.(*air.Fold)
	if f.phase == 0 {
		x.streamFolds = append(x.streamFolds, streamFold{})
		v := in.Iterable.(*air.Var)
		reg := &x.streams
		if v.Kind == air.StreamMapVar {
			reg = &x.maps
		}
		s := reg.get(v.Name, int(v.NamePos.Offset))
		if s == nil {
			x.complete = false
			return nil, nil
		}
		x.foldCount++
		id := x.foldCount
		if err := x.trace.foldStart(id); err != nil {
			return nil, onInstruction(in, err)
		}
		gens := s.generationsFrom([3]int{})
		x.streamFolds[len(x.streamFolds)-1] = streamFold{s: s, id: id, gens: gens, cursor: s.cursor()}
		if len(gens) > 0 {
			s.addNewGeneration()
		}
		f.phase = 1
	} else { // a generation's fold ended
		x.foldFinish()
		if err != nil && !err.catchable {
			return nil, err
		}
		sf := &x.streamFolds[len(x.streamFolds)-1]
		x.trace.generationEnd(sf.id)
		sf.anyComplete = sf.anyComplete || x.complete
	}
	sf := &x.streamFolds[len(x.streamFolds)-1]
	for len(sf.gens) > 0 {
		if sf.ran < len(sf.gens) {
			g := sf.gens[sf.ran]
			sf.ran++
			if err := x.trace.iterationStart(sf.id, g[0].tracePos); err != nil {
				return nil, onInstruction(in, err)
			}
			x.budget.chargeSteps(len(g))
			if err := x.foldBegin(in.Iterator.Name, &foldState{items: g, body: in.Body, last: in.Last, stream: true, id: sf.id}); err != nil {
				return nil, err
			}
			return in.Body, nil
		}
		sf.gens, sf.ran = sf.s.generationsFrom(sf.cursor), 0
		sf.s.removeLastGenerationIfEmpty()
		sf.cursor = sf.s.cursor()
		sf.s.addNewGeneration()
	}
	x.complete = sf.anyComplete
	x.trace.foldEnd(sf.id)
	return nil, nil
}

// next runs the fold's next iteration inside the current one (phase 1: the iteration ended)
// or, past the last value, the fold's last instruction (phase 2: it ended). In a fold over a
// stream it tells the trace handler where each iteration starts and ends.
func (x *executor) next(f *frame, err *execError) (air.Instr, *execError) {
	in := f.in.(*air.Next)
	switch f.phase {
	case 0:
		fs, ok := x.scalars.fold(in.Iterator.Name)
		if !ok {
			return nil, uncatchable(CodeFoldStateNotFound, "fold state not found for this iterable '%s'", in.Iterator.Name)
		}
		f.fold = fs
		if fs.stream {
			x.trace.iterationEnd(fs.id)
		}
		if fs.cursor+1 >= fs.len() {
			if fs.stream {
				if err := x.trace.backIterator(fs.id); err != nil {
					return nil, onInstruction(in, err)
				}
			}
			return x.nextLast(f)
		}
		fs.cursor++
		if fs.stream {
			if err := x.trace.iterationStart(fs.id, fs.current().tracePos); err != nil {
				return nil, onInstruction(in, err)
			}
		}
		x.scalars.nextBefore()
		f.phase = 1
		return fs.body, nil
	case 1:
		x.scalars.nextAfter()
		if err != nil {
			return nil, err
		}
		f.fold.cursor--
		if f.fold.stream {
			return nil, onInstruction(in, x.trace.backIterator(f.fold.id))
		}
	}
	return nil, err
}

// nextLast is next past a fold's last value: its last instruction, if any.
func (x *executor) nextLast(f *frame) (air.Instr, *execError) {
	fs := f.fold
	if fs.last != nil {
		x.complete = true
		f.phase = 2
		return fs.last, nil
	}
	// A stream fold without a last instruction behaves as never on its final next: more
	// values may still come (AquaVM issue #333).
	if fs.stream && !fs.backStarted {
		fs.backStarted = true
		x.complete = false
	}
	return nil, nil
}
