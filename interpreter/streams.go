package interpreter

import (
	"slices"

	"github.com/aquanet/aquanet/interpreter/air"
	"github.com/aquanet/aquanet/interpreter/data"
)

// StreamMaxSize is the reference's bound on a stream (AquaVM's 1024, reached at its 1024th value),
// and Limits.MaxStreamSize's default: data a reference peer could not process is not produced.
const StreamMaxSize = 1024

// genKind says where a stream value comes from, which orders it: values from the previous data
// first, then from the current data, then those this run adds (AIR.md §3.4).
type genKind uint8

const (
	genPrevious genKind = iota
	genCurrent
	genNew
)

type generation struct {
	kind genKind
	idx  uint32
}

// stream is one stream's values, by origin and generation.
type stream struct {
	gens [3][]generationValues // by genKind, then generation
	size int
}

// generationValues are a generation's values, in chunks that are filled and never moved: a fold
// of thousands of calls adds them all to one generation, and a slice grown by copying would
// allocate twice their size and copy them once more, pointers and all (each a few hundred
// bytes the collector scans).
type generationValues struct {
	chunks [][]aggregate
	n      int
}

// maxChunk is the most values a chunk takes; chunks start small and double up to it, so that a
// generation of one value costs one small allocation.
const maxChunk = 512

func (g *generationValues) add(v aggregate) {
	last := len(g.chunks) - 1
	if last < 0 || len(g.chunks[last]) == cap(g.chunks[last]) {
		size := 4
		if last >= 0 {
			size = min(2*cap(g.chunks[last]), maxChunk)
		}
		g.chunks = append(g.chunks, make([]aggregate, 0, size))
		last++
	}
	g.chunks[last] = append(g.chunks[last], v)
	g.n++
}

// appendTo appends the generation's values to out, in order.
func (g *generationValues) appendTo(out []aggregate) []aggregate {
	out = slices.Grow(out, g.n)
	for _, c := range g.chunks {
		out = append(out, c...)
	}
	return out
}

func (s *stream) add(v aggregate, g generation, maxSize int) *execError {
	m := &s.gens[g.kind]
	idx := int(g.idx)
	if g.kind == genNew {
		idx = max(len(*m)-1, 0)
	}
	for len(*m) <= idx {
		*m = append(*m, generationValues{})
	}
	(*m)[idx].add(v)
	s.size++
	if s.size >= maxSize {
		return uncatchable(CodeStreamSizeLimitExceeded, "stream size goes over the allowed limit of %d", maxSize)
	}
	return nil
}

// cursor is how many generations (empty ones included) the stream has of each origin.
func (s *stream) cursor() [3]int {
	return [3]int{len(s.gens[0]), len(s.gens[1]), len(s.gens[2])}
}

// generationsFrom returns the non-empty generations after cursor, in order. As in the reference,
// the cursor counts every generation but is applied after empty ones are skipped.
func (s *stream) generationsFrom(cursor [3]int) [][]aggregate {
	var out [][]aggregate
	for k, m := range s.gens {
		skip := cursor[k]
		for _, g := range m {
			if g.n == 0 {
				continue
			}
			if skip > 0 {
				skip--
				continue
			}
			out = append(out, g.appendTo(nil))
		}
	}
	return out
}

// asReplayed makes a stream compactified at the end of a run what a replay of that run's data
// builds by the same point: every value from the previous data, in the generations the
// compaction numbered (see resumeAt).
func (s *stream) asReplayed() {
	// Appended to the previous data's generations, not copied: a fold with seq adds a
	// generation to its stream on every run.
	s.gens[genPrevious] = append(append(s.gens[genPrevious], s.gens[genCurrent]...), s.gens[genNew]...)
	s.gens[genCurrent], s.gens[genNew] = nil, nil
}

// asReplayed is stream.asReplayed for every stream, in every scope.
func (ss *streams) asReplayed() {
	for _, scopes := range ss.m {
		for _, sc := range scopes {
			sc.s.asReplayed()
		}
	}
}

func (s *stream) addNewGeneration() { s.gens[genNew] = append(s.gens[genNew], generationValues{}) }

func (s *stream) removeLastGenerationIfEmpty() {
	m := s.gens[genNew]
	if len(m) > 0 && m[len(m)-1].n == 0 {
		s.gens[genNew] = m[:len(m)-1]
	}
}

// values returns the stream's values in order.
func (s *stream) values() []aggregate {
	var out []aggregate
	for _, m := range s.gens {
		for _, g := range m {
			out = g.appendTo(out)
		}
	}
	return out
}

// compactify drops empty generations and writes each value's final generation number into the
// result trace, at the state that produced it.
func (s *stream) compactify(h *traceHandler) *execError {
	next := uint32(0)
	for k := range s.gens {
		kept := s.gens[k][:0]
		for _, g := range s.gens[k] {
			if g.n > 0 {
				kept = append(kept, g)
			}
		}
		s.gens[k] = kept
		for _, g := range kept {
			for _, c := range g.chunks {
				for _, v := range c {
					if err := h.updateGeneration(v.tracePos, next); err != nil {
						return err
					}
				}
			}
			next++
		}
	}
	return nil
}

// streamScope is a stream restricted to the span of a new, or global.
type streamScope struct {
	left, right int // the instruction span; global streams cover everything
	s           *stream
}

func (sc streamScope) contains(pos int) bool { return sc.left < pos && pos < sc.right }

// streams are the streams of a run, by name; new opens a scope.
type streams struct {
	m       map[string][]streamScope
	maxSize int // Limits.MaxStreamSize
}

func (ss *streams) get(name string, pos int) *stream {
	scopes := ss.m[name]
	for i := len(scopes) - 1; i >= 0; i-- {
		if scopes[i].contains(pos) {
			return scopes[i].s
		}
	}
	return nil
}

func (ss *streams) add(v *air.Var, agg aggregate, g generation) *execError {
	s := ss.get(v.Name, int(v.NamePos.Offset))
	if s == nil {
		// As the reference: a value with no stream in scope starts a global one, replacing
		// whatever scopes of that name there were.
		s = &stream{}
		ss.m[v.Name] = []streamScope{{left: 0, right: int(^uint(0) >> 1), s: s}}
	}
	return s.add(agg, g, ss.maxSize)
}

func (ss *streams) scopeStart(name string, n *air.New) {
	ss.m[name] = append(ss.m[name], streamScope{left: int(n.Pos().Offset), right: int(n.End().Offset), s: &stream{}})
}

func (ss *streams) scopeEnd(name string, h *traceHandler) *execError {
	scopes := ss.m[name]
	if len(scopes) == 0 {
		return nil
	}
	last := scopes[len(scopes)-1]
	if len(scopes) == 1 {
		delete(ss.m, name)
	} else {
		ss.m[name] = scopes[:len(scopes)-1]
	}
	return last.s.compactify(h)
}

func (ss *streams) compactifyAll(h *traceHandler) *execError {
	for _, name := range sortedNames(ss.m) {
		for _, sc := range ss.m[name] {
			if err := sc.s.compactify(h); err != nil {
				return err
			}
		}
	}
	return nil
}

// updateGeneration sets the generation of the stream state at pos of the result trace.
func (h *traceHandler) updateGeneration(pos, gen uint32) *execError {
	if int(pos) >= len(h.result) {
		return uncatchable(20001, "generation compaction: no state at position %d", pos)
	}
	switch s := h.result[pos].(type) {
	case data.CallState:
		if s.Kind == data.CallExecuted && s.Value == data.StreamValue {
			if s.Generation != gen { // a replayed state mostly has it already: no copy then
				s.Generation = gen
				h.result[pos] = s
			}
			return nil
		}
	case data.ApState:
		if len(s.Gens) != 1 || s.Gens[0] != gen {
			s.Gens = []uint32{gen}
			h.result[pos] = s
		}
		return nil
	}
	return uncatchable(20001, "generation compaction: state at position %d is not a stream state", pos)
}

// mergeAp takes the next ap state from both traces.
func (h *traceHandler) mergeAp() (gen generation, met bool, err *execError) {
	ps, pok := h.prev.next()
	cs, cok := h.cur.next()
	pa, pIsAp := ps.(data.ApState)
	ca, cIsAp := cs.(data.ApState)
	if (pok && !pIsAp) || (cok && !cIsAp) {
		return gen, false, incompatibleStates(ps, cs, "ap")
	}
	var st data.ApState
	switch {
	case pok && cok:
		st, gen.kind = pa, genPrevious
		h.mapPositions(schemeBoth)
	case pok:
		st, gen.kind = pa, genPrevious
		h.mapPositions(schemePrevious)
	case cok:
		st, gen.kind = ca, genCurrent
		h.mapPositions(schemeCurrent)
	default:
		return generation{kind: genNew}, false, nil
	}
	if len(st.Gens) != 1 {
		return gen, false, traceError("ap result %v must have exactly one generation", st.Gens)
	}
	gen.idx = st.Gens[0]
	return gen, true, nil
}

// mergeCanon takes the next canon state from both traces.
func (h *traceHandler) mergeCanon() (st data.CanonState, met bool, err *execError) {
	ps, pok := h.prev.next()
	cs, cok := h.cur.next()
	pc, pIsCanon := ps.(data.CanonState)
	cc, cIsCanon := cs.(data.CanonState)
	if (pok && !pIsCanon) || (cok && !cIsCanon) {
		return st, false, incompatibleStates(ps, cs, "canon")
	}
	switch {
	case pok && cok:
		if pc.Executed && cc.Executed && pc.CID != cc.CID {
			return st, false, traceError("incompatible canon results: %s and %s", pc.CID, cc.CID)
		}
		if !pc.Executed && cc.Executed {
			return cc, true, nil
		}
		return pc, true, nil
	case pok:
		return pc, true, nil
	case cok:
		return cc, true, nil
	}
	return st, false, nil
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
