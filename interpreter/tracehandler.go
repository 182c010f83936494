package interpreter

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aquanet/aquanet/interpreter/air"
	"github.com/aquanet/aquanet/interpreter/data"
)

// The trace handler merges the previous trace (this peer's last data) with the current one (the
// data that arrived) while the script runs, producing the result trace. Each state-producing
// instruction takes the next state from a slider on each trace; a par limits both sliders to
// the window of each of its branches. This follows the reference's trace handler
// (crates/air-lib/trace-handler), whose rules peers must share.

// slider reads a trace within a window: at most window states from pos.
type slider struct {
	trace  []data.State
	pos    uint32
	window uint32
	seen   uint32
}

func newSlider(trace []data.State) slider {
	return slider{trace: trace, window: uint32(len(trace))}
}

func (s *slider) next() (data.State, bool) {
	if s.seen >= s.window || s.pos >= uint32(len(s.trace)) {
		return nil, false
	}
	st := s.trace[s.pos]
	s.pos++
	s.seen++
	return st, true
}

// remaining is how many states of the window are left.
func (s *slider) remaining() uint32 { return s.window - s.seen }

func (s *slider) setPosAndWindow(pos, window uint32) *execError {
	if window != 0 && uint64(pos)+uint64(window) > uint64(len(s.trace)) {
		return traceError("failed to set subtrace len and position: position %d and length %d are beyond the trace of %d states", pos, window, len(s.trace))
	}
	s.pos, s.window, s.seen = pos, window, 0
	return nil
}

func (s *slider) setWindow(window uint32) *execError {
	if uint64(len(s.trace))-uint64(s.pos) < uint64(window) {
		return traceError("failed to set subtrace len: %d states requested at position %d of a trace of %d", window, s.pos, len(s.trace))
	}
	s.window, s.seen = window, 0
	return nil
}

// valueSource says which data a merged state came from.
type valueSource uint8

const (
	fromPrevious valueSource = iota // the previous data (or both)
	fromCurrent
)

type traceHandler struct {
	prev, cur slider
	result    []data.State

	// newToPrev and newToCur map positions of the result to the positions in the previous and
	// current traces the states came from, plus one (0: none), indexed by the result's position
	// less base. The states below base came from the previous trace at the same positions (a
	// resumed run's, see resumeAt).
	newToPrev, newToCur []uint32
	base                uint32
	folds               map[uint32]*foldFSM
}

func newTraceHandler(prev, cur []data.State) *traceHandler {
	return &traceHandler{
		prev: newSlider(prev), cur: newSlider(cur),
		// Sized for a run that replays what it had, as most do.
		result:    make([]data.State, 0, max(len(prev), len(cur))),
		newToPrev: make([]uint32, 0, len(prev)), newToCur: make([]uint32, 0, len(cur)),
		folds: map[uint32]*foldFSM{},
	}
}

// pos is the position the next state will take in the result trace.
func (h *traceHandler) pos() uint32 { return uint32(len(h.result)) }

func (h *traceHandler) push(s data.State) { h.result = append(grown(h.result), s) }

// grown returns s with room for one more element, its capacity doubled when it is full.
// append grows a slice of 256 elements and more by a quarter at a time, which copies it some
// five times over as it grows: a fold of 10,000 calls copied its trace and its call requests
// that much at each run, more per element the longer the fold.
func grown[T any](s []T) []T {
	if len(s) < cap(s) {
		return s
	}
	return slices.Grow(s, max(cap(s), 8))
}

// metCall is a call state found in the traces, with where it will go in the result and whence.
type metCall struct {
	state  data.CallState
	pos    uint32
	source valueSource
	boxed  data.State // state as a trace held it, if it is that state: pushed without a copy
}

// asState is m's state to push to the result trace.
func (m metCall) asState() data.State {
	if m.boxed != nil {
		return m.boxed
	}
	return m.state
}

// mergeCall takes the next call state from both traces (§3.4): ok is false when neither has one.
func (h *traceHandler) mergeCall() (m metCall, ok bool, err *execError) {
	ps, pok := h.prev.next()
	cs, cok := h.cur.next()
	if !pok && !cok { // a call met for the first time: spare the assertions' copies
		return m, false, nil
	}
	pc, pIsCall := ps.(data.CallState)
	cc, cIsCall := cs.(data.CallState)
	if (pok && !pIsCall) || (cok && !cIsCall) {
		return m, false, incompatibleStates(ps, cs, "call")
	}
	var st data.CallState
	var scheme mergeScheme
	switch {
	case pok && !cok:
		st, scheme = pc, schemePrevious
	case !pok && cok:
		st, scheme = cc, schemeCurrent
	default:
		if st, scheme, err = mergeCallStates(pc, cc); err != nil {
			return m, false, err
		}
	}
	pos := h.pos()
	h.mapPositions(scheme)
	m = metCall{state: st, pos: pos, source: scheme.source()}
	switch {
	case pok && st == pc:
		m.boxed = ps
	case cok && st == cc:
		m.boxed = cs
	}
	return m, true, nil
}

// mergeCallStates merges the states of one call in the previous and the current data. Two
// versions of a particle that disagree on a result (a peer that answered a call twice, or data
// rewritten on the way) are rejected, as the reference's call merger rejects them, with its
// words: the result of a call must be the same wherever it is read.
func mergeCallStates(p, c data.CallState) (data.CallState, mergeScheme, *execError) {
	switch {
	case p.Kind == data.CallFailed && c.Kind == data.CallFailed:
		if p != c {
			return p, 0, incompatibleCalls(p, c)
		}
		return p, schemePrevious, nil
	case p.Kind == data.CallSentBy && c.Kind == data.CallFailed:
		return c, schemeCurrent, nil
	case p.Kind == data.CallFailed && c.Kind == data.CallSentBy:
		return p, schemePrevious, nil
	case p.Kind == data.CallSentBy && c.Kind == data.CallSentBy:
		// The senders may differ: any peer may have forwarded the call (the reference's
		// aquavm#137).
		return p, schemePrevious, nil
	case p.Kind == data.CallSentBy && c.Kind == data.CallExecuted:
		return c, schemeCurrent, nil
	case p.Kind == data.CallExecuted && c.Kind == data.CallSentBy:
		return p, schemePrevious, nil
	case p.Kind == data.CallExecuted && c.Kind == data.CallExecuted:
		// Stream values may sit in different generations on different peers; the CID decides.
		if p.Value != c.Value || p.CID != c.CID {
			return p, 0, traceError("values in call results are not equal: %s != %s", valueRefDebug(p), valueRefDebug(c))
		}
		return p, schemeBoth, nil
	}
	return p, 0, incompatibleCalls(p, c)
}

func incompatibleCalls(p, c data.CallState) *execError {
	return traceError("previous and current call results are incompatible: '%s' '%s'", callDebug(p), callDebug(c))
}

// callDebug renders a call state as the reference's error messages do (Rust's Debug of its
// CallResult).
func callDebug(c data.CallState) string {
	switch c.Kind {
	case data.CallSentBy:
		if c.HasCallID {
			return fmt.Sprintf("RequestSentBy(PeerIdWithCallId { peer_id: %s, call_id: %d })", rustDebugString(c.Peer), c.CallID)
		}
		return "RequestSentBy(PeerId(" + rustDebugString(c.Peer) + "))"
	case data.CallFailed:
		return "Failed(" + cidDebug(c.CID) + ")"
	}
	return "Executed(" + valueRefDebug(c) + ")"
}

// valueRefDebug renders an executed call's value as Rust's Debug of the reference's ValueRef.
func valueRefDebug(c data.CallState) string {
	switch c.Value {
	case data.StreamValue:
		return fmt.Sprintf("Stream { cid: %s, generation: %d }", cidDebug(c.CID), c.Generation)
	case data.UnusedValue:
		return "Unused(" + cidDebug(c.CID) + ")"
	}
	return "Scalar(" + cidDebug(c.CID) + ")"
}

func cidDebug(c data.CID) string { return `CID("` + c.String() + `")` }

// incompatibleStates is the reference's MergeError for a state of another kind than the
// instruction's, in its words: both states when both traces have one, else the one there is.
func incompatibleStates(p, c data.State, want string) *execError {
	switch {
	case p != nil && c != nil:
		return traceError("previous and current data have incompatible states: '%s' '%s'", stateDebug(p), stateDebug(c))
	case p != nil:
		return traceError("state from previous `%s` is incompatible with expected %s", stateDebug(p), want)
	}
	return traceError("state from current `%s` is incompatible with expected %s", stateDebug(c), want)
}

// stateDebug renders a state as Rust's Debug of the reference's ExecutedState.
func stateDebug(s data.State) string {
	switch s := s.(type) {
	case data.ParState:
		return fmt.Sprintf("Par(ParResult { left_size: %d, right_size: %d })", s.Left, s.Right)
	case data.CallState:
		return "Call(" + callDebug(s) + ")"
	case data.FoldState:
		lore := make([]string, len(s.Lore))
		for i, l := range s.Lore {
			lore[i] = fmt.Sprintf("FoldSubTraceLore { value_pos: %d, subtraces_desc: [SubTraceDesc { begin_pos: %d, subtrace_len: %d }, SubTraceDesc { begin_pos: %d, subtrace_len: %d }] }",
				l.ValuePos, l.Before.Pos, l.Before.Len, l.After.Pos, l.After.Len)
		}
		return "Fold(FoldResult { lore: [" + strings.Join(lore, ", ") + "] })"
	case data.ApState:
		gens := make([]string, len(s.Gens))
		for i, g := range s.Gens {
			gens[i] = strconv.FormatUint(uint64(g), 10)
		}
		return "Ap(ApResult { res_generations: [" + strings.Join(gens, ", ") + "] })"
	case data.CanonState:
		if s.Executed {
			return "Canon(Executed(" + cidDebug(s.CID) + "))"
		}
		return "Canon(RequestSentBy(" + rustDebugString(s.SentBy) + "))"
	}
	return "None"
}

// onInstruction names the instruction in an error of the trace handler, as the reference's
// UncatchableError::TraceError does. Every call of the trace handler on behalf of an
// instruction passes its error through here.
func onInstruction(in air.Instr, err *execError) *execError {
	if err != nil {
		err.msg = "on instruction '" + refText(in) + "' trace handler encountered an error: " + err.msg
	}
	return err
}

// parFrame is a par being executed: where its state goes in the result, and the windows the
// sliders take after each branch.
type parFrame struct {
	insertAt            int
	saved               int
	leftSize, rightSize int
	prevPar, curPar     data.ParState
	// boxed is the par state of a trace, as the trace holds it: the result reuses it, without
	// boxing one of its own, when the par comes out the same (a replay).
	boxed      data.State
	afterLeft  [2]window // prev, current
	afterRight [2]window
}

type window struct{ pos, len uint32 }

// parStart merges the par states, reserves the par's place in the result, and limits both
// sliders to the left branch. f is the executor's (executor.pars), kept until the par ends.
func (h *traceHandler) parStart(f *parFrame) *execError {
	ps, pok := h.prev.next()
	cs, cok := h.cur.next()
	pp, pIsPar := ps.(data.ParState)
	cp, cIsPar := cs.(data.ParState)
	if (pok && !pIsPar) || (cok && !cIsPar) {
		return incompatibleStates(ps, cs, "par")
	}
	*f = parFrame{prevPar: pp, curPar: cp}
	switch { // see parFrame.boxed
	case pok:
		f.boxed = ps
	case cok:
		f.boxed = cs
	}
	var err *execError
	if f.afterLeft[0], f.afterRight[0], err = parWindows(&h.prev, pp); err != nil {
		return err
	}
	if f.afterLeft[1], f.afterRight[1], err = parWindows(&h.cur, cp); err != nil {
		return err
	}
	f.insertAt = len(h.result)
	h.push(data.ParState{})
	f.saved = len(h.result)
	if err := h.prev.setWindow(pp.Left); err != nil {
		return err
	}
	return h.cur.setWindow(cp.Left)
}

func parWindows(s *slider, p data.ParState) (left, right window, err *execError) {
	size := uint64(p.Left) + uint64(p.Right)
	if uint64(s.pos)+size > 1<<32-1 {
		return left, right, traceError("par %v overflows the trace position %d", p, s.pos)
	}
	if uint64(s.remaining()) < size {
		return left, right, traceError("par %v does not fit in the %d states left of the subtrace", p, s.remaining())
	}
	left = window{s.pos + p.Left, p.Left}
	right = window{s.pos + uint32(size), s.remaining() - uint32(size)}
	return left, right, nil
}

// parLeftDone records the left branch's size and moves the sliders to the right branch.
func (h *traceHandler) parLeftDone(f *parFrame) {
	f.leftSize = len(h.result) - f.saved
	f.saved = len(h.result)
	h.prev.setPosAndWindow(f.afterLeft[0].pos, f.afterLeft[0].len)
	h.cur.setPosAndWindow(f.afterLeft[1].pos, f.afterLeft[1].len)
	h.prev.setWindow(f.prevPar.Right)
	h.cur.setWindow(f.curPar.Right)
}

// parRightDone writes the par state and moves the sliders past the whole par.
func (h *traceHandler) parRightDone(f *parFrame) {
	f.rightSize = len(h.result) - f.saved
	st := data.ParState{Left: uint32(f.leftSize), Right: uint32(f.rightSize)}
	if f.boxed != nil && f.boxed.(data.ParState) == st {
		h.result[f.insertAt] = f.boxed
	} else {
		h.result[f.insertAt] = st
	}
	h.prev.setPosAndWindow(f.afterRight[0].pos, f.afterRight[0].len)
	h.cur.setPosAndWindow(f.afterRight[1].pos, f.afterRight[1].len)
}

// resumeAt re-bases the handler of a paused run onto the data that run left, prev, whose last
// state is the call it paused at: the handler is where a replay of prev is when it meets that
// call, and the result holds the states before it, in prev's own array (the run that takes
// prev over appends to it). It returns the state at the end, which the first push overwrites:
// a run that fails puts it back, so that prev is as it was.
func (h *traceHandler) resumeAt(prev []data.State) data.State {
	m := uint32(len(prev) - 1)
	h.prev = slider{trace: prev, pos: m, window: 1}
	h.cur = newSlider(nil)
	h.result = prev[:m]
	h.newToPrev, h.newToCur, h.base = h.newToPrev[:0], h.newToCur[:0], m
	return prev[m]
}
