package interpreter

import (
	"github.com/aquanet/aquanet/interpreter/data"
)

// Folds over streams leave a fold state in the trace whose lore says, for each value iterated
// over, which states its iteration produced before and after its next. On a later run each
// iteration reads its own windows of the previous and current traces, wherever in the trace the
// value now sits. This is the reference's fold state machine (trace-handler state_automata
// fold_fsm and merger fold_merger), kept step for step.

// resolvedLore is one value's windows in one trace; the lengths are convolved so that a window
// covers the states of the iterations nested after it.
type resolvedLore struct {
	before, after data.SubTrace
}

// resolvedFold is a fold state read from one trace.
type resolvedFold struct {
	lore  map[uint32]resolvedLore // by the trace position of the iterated value
	count uint32                  // the states the fold covers
}

// mergeScheme says which traces a merged state came from.
type mergeScheme uint8

const (
	schemePrevious mergeScheme = iota
	schemeCurrent
	schemeBoth
)

func (s mergeScheme) source() valueSource {
	if s == schemeCurrent {
		return fromCurrent
	}
	return fromPrevious
}

// mapPositions records where the state about to be pushed to the result came from, which is
// how a fold later finds the lore of a value.
func (h *traceHandler) mapPositions(s mergeScheme) {
	pos := h.pos() - h.base
	if s != schemeCurrent {
		h.newToPrev = setPosition(h.newToPrev, pos, h.prev.pos-1)
	}
	if s != schemePrevious {
		h.newToCur = setPosition(h.newToCur, pos, h.cur.pos-1)
	}
}

// prevPosition and curPosition return the position of the previous or the current trace the
// result's state at pos came from, if it came from there.
func (h *traceHandler) prevPosition(pos uint32) (uint32, bool) {
	if pos < h.base {
		return pos, true
	}
	return position(h.newToPrev, pos-h.base)
}

func (h *traceHandler) curPosition(pos uint32) (uint32, bool) {
	if pos < h.base {
		return 0, false
	}
	return position(h.newToCur, pos-h.base)
}

// setPosition records in m (see traceHandler.newToPrev) that the result's state at pos came
// from the state at from.
func setPosition(m []uint32, pos, from uint32) []uint32 {
	for uint32(len(m)) <= pos {
		m = append(m, 0)
	}
	m[pos] = from + 1
	return m
}

// position returns where the result's state at pos came from, if m records it.
func position(m []uint32, pos uint32) (uint32, bool) {
	if pos >= uint32(len(m)) || m[pos] == 0 {
		return 0, false
	}
	return m[pos] - 1, true
}

// generationAt is the generation of the stream value produced by the state at pos of a trace.
func generationAt(trace []data.State, pos uint32) (uint32, *execError) {
	if int(pos) >= len(trace) {
		return 0, traceError("fold lore refers to position %d of a trace of %d states", pos, len(trace))
	}
	switch s := trace[pos].(type) {
	case data.CallState:
		if s.Kind == data.CallExecuted && s.Value == data.StreamValue {
			return s.Generation, nil
		}
	case data.ApState:
		if len(s.Gens) > 0 {
			return s.Gens[0], nil
		}
	}
	return 0, traceError("fold lore refers to position %d, which holds no stream value", pos)
}

func resolveFold(f data.FoldState, trace []data.State) (resolvedFold, *execError) {
	type lens struct{ before, after uint32 }
	lensOf := make([]lens, len(f.Lore))
	var count uint64
	lastGen, lastGenStart := uint32(0), 0
	var cumAfter uint32
	convolveBefore := func(begin, end int) {
		var cum uint32
		after := lensOf[end].after
		for i := end; i >= begin; i-- {
			cum += lensOf[i].before
			lensOf[i].before = cum + after
		}
	}
	for i, l := range f.Lore {
		gen, err := generationAt(trace, l.ValuePos)
		if err != nil {
			return resolvedFold{}, err
		}
		if gen != lastGen {
			if i > 0 {
				convolveBefore(lastGenStart, i-1)
			}
			lastGen, lastGenStart, cumAfter = gen, i, 0
		}
		count += uint64(l.Before.Len) + uint64(l.After.Len)
		if count > 1<<32-1 {
			return resolvedFold{}, traceError("fold subtrace lengths overflow")
		}
		cumAfter += l.After.Len
		lensOf[i] = lens{l.Before.Len, cumAfter}
	}
	if len(f.Lore) > 0 {
		convolveBefore(lastGenStart, len(f.Lore)-1)
	}
	r := resolvedFold{lore: make(map[uint32]resolvedLore, len(f.Lore)), count: uint32(count)}
	for i, l := range f.Lore {
		if _, dup := r.lore[l.ValuePos]; dup {
			return resolvedFold{}, traceError("fold lore has several records for position %d", l.ValuePos)
		}
		r.lore[l.ValuePos] = resolvedLore{
			before: data.SubTrace{Pos: l.Before.Pos, Len: lensOf[i].before},
			after:  data.SubTrace{Pos: l.After.Pos, Len: lensOf[i].after},
		}
	}
	return r, nil
}

// loreCtor builds the lore of one iteration while it runs.
type loreCtor struct {
	valuePos               uint32
	beforeStart, beforeEnd uint32
	afterStart, afterEnd   uint32
	state                  int // 0 before started, 1 before done, 2 after started, 3 after done
	prevLore, curLore      *resolvedLore
}

func (c *loreCtor) nextState() {
	if c.state < 3 {
		c.state++
	}
}

// foldFSM is one fold over a stream being executed.
type foldFSM struct {
	prev, cur   resolvedFold
	insertAt    int
	finalPrev   window
	finalCur    window
	queue       []*loreCtor
	backPos     int
	backStarted bool
	lore        []data.FoldLore
}

func (h *traceHandler) foldStart(id uint32) *execError {
	ps, pok := h.prev.next()
	cs, cok := h.cur.next()
	pf, pIsFold := ps.(data.FoldState)
	cf, cIsFold := cs.(data.FoldState)
	if (pok && !pIsFold) || (cok && !cIsFold) {
		return incompatibleStates(ps, cs, "fold")
	}
	f := &foldFSM{prev: resolvedFold{lore: map[uint32]resolvedLore{}}, cur: resolvedFold{lore: map[uint32]resolvedLore{}}}
	var err *execError
	if pok {
		if f.prev, err = resolveFold(pf, h.prev.trace); err != nil {
			return err
		}
	}
	if cok {
		if f.cur, err = resolveFold(cf, h.cur.trace); err != nil {
			return err
		}
	}
	f.insertAt = len(h.result)
	h.push(data.ParState{}) // replaced by the fold state at its end
	if f.finalPrev, err = foldWindow(&h.prev, f.prev.count); err != nil {
		return err
	}
	if f.finalCur, err = foldWindow(&h.cur, f.cur.count); err != nil {
		return err
	}
	h.folds[id] = f
	return nil
}

func foldWindow(s *slider, count uint32) (window, *execError) {
	if uint64(s.pos)+uint64(count) > 1<<32-1 {
		return window{}, traceError("fold position overflows")
	}
	if s.remaining() < count {
		return window{}, traceError("fold covers %d states, but only %d are left in the subtrace", count, s.remaining())
	}
	return window{s.pos + count, s.remaining() - count}, nil
}

func (h *traceHandler) iterationStart(id, valuePos uint32) *execError {
	f := h.folds[id]
	c := &loreCtor{valuePos: valuePos, beforeStart: h.pos()}
	if p, ok := h.prevPosition(valuePos); ok {
		if l, ok := f.prev.lore[p]; ok {
			c.prevLore = &l
			delete(f.prev.lore, p)
		}
	}
	if p, ok := h.curPosition(valuePos); ok {
		if l, ok := f.cur.lore[p]; ok {
			c.curLore = &l
			delete(f.cur.lore, p)
		}
	}
	if err := applyLore(&h.prev, c.prevLore, false); err != nil {
		return err
	}
	if err := applyLore(&h.cur, c.curLore, false); err != nil {
		return err
	}
	f.queue = append(f.queue, c)
	f.backPos++
	return nil
}

func applyLore(s *slider, l *resolvedLore, after bool) *execError {
	if l == nil {
		return s.setWindow(0)
	}
	w := l.before
	if after {
		w = l.after
	}
	return s.setPosAndWindow(w.Pos, w.Len)
}

func (h *traceHandler) iterationEnd(id uint32) {
	f := h.folds[id]
	c := f.queue[f.backPos-1]
	c.beforeEnd = h.pos()
	c.nextState()
}

func (h *traceHandler) backIterator(id uint32) *execError {
	f := h.folds[id]
	c := f.queue[f.backPos-1]
	if !f.backStarted {
		if c.state == 0 {
			c.beforeEnd = h.pos()
			c.nextState()
		}
		c.afterStart = h.pos()
		c.nextState()
		if err := applyLore(&h.prev, c.prevLore, true); err != nil {
			return err
		}
		if err := applyLore(&h.cur, c.curLore, true); err != nil {
			return err
		}
		f.backStarted = true
		return nil
	}
	c.afterEnd = h.pos()
	c.nextState()
	f.backPos--
	c = f.queue[f.backPos-1]
	c.afterStart = h.pos()
	c.nextState()
	if err := applyLore(&h.prev, c.prevLore, true); err != nil {
		return err
	}
	return applyLore(&h.cur, c.curLore, true)
}

func (h *traceHandler) generationEnd(id uint32) {
	f := h.folds[id]
	pos := h.pos()
	for _, c := range f.queue {
		switch c.state {
		case 0:
			c.beforeEnd = pos
			c.afterStart, c.afterEnd = pos, pos
		case 1:
			c.afterStart, c.afterEnd = pos, pos
		case 2:
			c.afterEnd = pos
		}
		c.state = 3
		f.lore = append(f.lore, data.FoldLore{
			ValuePos: c.valuePos,
			Before:   data.SubTrace{Pos: c.beforeStart, Len: c.beforeEnd - c.beforeStart},
			After:    data.SubTrace{Pos: c.afterStart, Len: c.afterEnd - c.afterStart},
		})
	}
	f.queue = f.queue[:0]
	f.backPos = 0
	f.backStarted = false
}

func (h *traceHandler) foldEnd(id uint32) {
	f := h.folds[id]
	delete(h.folds, id)
	lore := f.lore
	if lore == nil {
		lore = []data.FoldLore{}
	}
	h.result[f.insertAt] = data.FoldState{Lore: lore}
	h.prev.setPosAndWindow(f.finalPrev.pos, f.finalPrev.len)
	h.cur.setPosAndWindow(f.finalCur.pos, f.finalCur.len)
}
