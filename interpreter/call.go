package interpreter

import (
	"fmt"
	"math"
	"slices"

	"github.com/aquanet/aquanet/interpreter/air"
	"github.com/aquanet/aquanet/interpreter/data"
	"github.com/aquanet/aquanet/interpreter/value"
)

// call executes (call PEER (SERVICE FUNCTION) [ARGS] OUTPUT) as the reference does (AIR.md §2.3):
// forward it when PEER is another peer, ask the host for it when PEER is this one and its
// arguments are known, or take its result from the trace and the call results.
func (x *executor) call(c *air.Call) *execError {
	tet, err := x.triplet(c)
	if err != nil {
		if err.joinable {
			x.complete = false
			return nil
		}
		x.setErrors(err, c, nil, true)
		return err
	}
	err = x.callResolved(c, tet)
	if err != nil && err.joinable {
		x.complete = false
		return nil
	}
	if err != nil {
		t := tet // a copy, so that tet itself stays on the stack when the call succeeds
		x.setErrors(err, c, &t, true)
	}
	return err
}

func (x *executor) triplet(c *air.Call) (data.Tetraplet, *execError) {
	peer, err := x.resolveToString(c.Peer)
	if err != nil {
		return data.Tetraplet{}, err
	}
	service, err := x.resolveToString(c.Service)
	if err != nil {
		return data.Tetraplet{}, err
	}
	function, err := x.resolveToString(c.Function)
	if err != nil {
		return data.Tetraplet{}, err
	}
	if out := c.Output; out != nil && out.Kind == air.ScalarVar {
		_, found, set := x.scalars.get(out.Name)
		if _, ok := x.scalars.fold(out.Name); ok && !found {
			return data.Tetraplet{}, uncatchable(CodeIterableShadowing, "variable with name '%s' can't be shadowed, shadowing isn't supported for iterables", out.Name)
		}
		if found && set && !x.scalars.couldBeSet(out.Name) {
			return data.Tetraplet{}, uncatchable(CodeShadowingNotAllowed, "trying to shadow variable '%s', but shadowing is allowed only inside fold blocks", out.Name)
		}
	}
	return data.Tetraplet{PeerPK: peer, ServiceID: service, FunctionName: function}, nil
}

// callArgs are a call's arguments, resolved.
type callArgs struct {
	values     []value.Value
	tetraplets [][]data.Tetraplet
	hash       data.CID // see argsHash
	hashed     bool
}

// collectArgs resolves c's arguments into a, which the caller owns (it lives on the caller's
// stack: a call is the interpreter's hottest path).
func (x *executor) collectArgs(c *air.Call, a *callArgs) *execError {
	*a = callArgs{values: x.argSlab.values(len(c.Args)), tetraplets: x.argSlab.tetraplets(len(c.Args))}
	for _, arg := range c.Args {
		r, err := x.resolve(arg)
		if err != nil {
			return err
		}
		a.values = append(a.values, r.val)
		a.tetraplets = append(a.tetraplets, x.tetrapletsOf(&r))
	}
	return nil
}

// argSlab hands out the slices of calls' arguments from chunks, as oneTetraplet does the
// tetraplets: a fold calls once per element.
type argSlab struct {
	vals      []value.Value
	tets      [][]data.Tetraplet
	chunkSize int
}

// values returns an empty slice with room for n values.
func (s *argSlab) values(n int) []value.Value {
	if len(s.vals) < n {
		s.grow(n)
	}
	v := s.vals[:0:n]
	s.vals = s.vals[n:]
	return v
}

// tetraplets returns an empty slice with room for n lists of tetraplets.
func (s *argSlab) tetraplets(n int) [][]data.Tetraplet {
	if len(s.tets) < n {
		s.grow(n)
	}
	t := s.tets[:0:n]
	s.tets = s.tets[n:]
	return t
}

func (s *argSlab) grow(n int) {
	s.chunkSize = min(max(2*s.chunkSize, 4), 256)
	size := max(s.chunkSize, n)
	if len(s.vals) < n {
		s.vals = make([]value.Value, size)
	}
	if len(s.tets) < n {
		s.tets = make([][]data.Tetraplet, size)
	}
}

// argsHash is the CID of a's values as a JSON array, computed once and only when needed: a run
// that only requests a call never needs it, and the arguments may be megabytes.
func (x *executor) argsHash(a *callArgs) data.CID {
	if a.hashed {
		return a.hash
	}
	buf := append(x.scratch[:0], '[') // reused from call to call
	for i, v := range a.values {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = v.AppendJSON(buf)
	}
	buf = append(buf, ']')
	x.scratch = buf
	a.hash, a.hashed = data.CIDOf(buf), true
	return a.hash
}

func (x *executor) callResolved(c *air.Call, tet data.Tetraplet) *execError {
	var resolved callArgs
	args := &resolved
	argsErr := x.collectArgs(c, args)
	if argsErr != nil {
		if !argsErr.joinable {
			return argsErr
		}
		args = nil // not all arguments are available yet
	}
	m, met, err := x.trace.mergeCall()
	if err != nil {
		return onInstruction(c, err)
	}
	execute, keep := true, (*data.CallState)(nil)
	if met {
		if execute, keep, err = x.handlePrev(m, tet, args, c.Output); err != nil {
			return err
		}
	}
	if !execute {
		if keep != nil {
			x.trace.push(*keep)
		}
		return nil
	}
	if tet.PeerPK != x.p.CurrentPeerID {
		x.nextPeers[tet.PeerPK] = true
		x.complete = false
		x.trace.push(data.CallState{Kind: data.CallSentBy, Peer: x.p.CurrentPeerID})
		return nil
	}
	if argsErr != nil { // joinable: wait for the arguments
		if keep != nil {
			x.trace.push(*keep)
		}
		return argsErr
	}
	memory := x.budget.memory
	for _, v := range args.values {
		if err := x.budget.chargeValue(v); err != nil {
			return err
		}
	}
	x.lastCallID++
	id := x.lastCallID
	x.pauseHere(c, id, memory)
	x.callRequests = append(x.roomForCall(), CallRequest{ID: id, Service: tet.ServiceID, Function: tet.FunctionName, Args: args.values, Tetraplets: args.tetraplets})
	x.complete = false
	x.trace.push(data.CallState{Kind: data.CallSentBy, Peer: x.p.CurrentPeerID, HasCallID: true, CallID: id})
	return nil
}

// sameValues reports whether a and b, known (b not nil), are the same values one for one.
func sameValues(a, b []value.Value) bool {
	if b == nil || len(a) != len(b) {
		return false
	}
	for i := range a {
		if !value.Same(a[i], b[i]) {
			return false
		}
	}
	return true
}

// keep returns a copy of a state to keep (handlePrev's own stays on the stack).
func keep(s data.CallState) *data.CallState { return &s }

// handlePrev decides what a call state found in the traces means now. It returns whether the
// call must be made now, and the state to keep when it is not made.
func (x *executor) handlePrev(m metCall, tet data.Tetraplet, args *callArgs, out *air.Var) (bool, *data.CallState, *execError) {
	st := m.state
	switch {
	case st.Kind == data.CallFailed:
		sr, err := x.serviceInfo(m.pos, st.CID)
		if err != nil {
			return false, nil, err
		}
		if err := x.verifyCall(args, tet, sr, m.pos, st.CID); err != nil {
			return false, nil, err
		}
		val := sr.Value
		code, msg, err := failedObject(val)
		if err != nil {
			return false, nil, err
		}
		x.complete = false
		x.record(tet.PeerPK, st.CID)
		x.trace.push(m.asState())
		return false, nil, localServiceError(code, msg)

	case st.Kind == data.CallSentBy && st.HasCallID && st.Peer == x.p.CurrentPeerID:
		res, ok := x.callResults[st.CallID]
		if !ok {
			x.complete = false
			return false, keep(st), nil
		}
		delete(x.callResults, st.CallID)
		if args == nil {
			return false, nil, uncatchable(CodeTraceError, "the arguments of call %d are not known, yet its result arrived", st.CallID)
		}
		return false, nil, x.serviceResult(tet, args, out, res)

	case st.Kind == data.CallSentBy:
		if tet.PeerPK == x.p.CurrentPeerID {
			return true, keep(st), nil
		}
		x.complete = false
		if st.Peer != x.p.CurrentPeerID {
			x.await(tet.PeerPK, st.Peer)
		}
		return false, keep(st), nil
	}

	return false, nil, x.replayExecuted(&m, tet, args, out)
}

// replayExecuted replays an executed call's result from the data.
func (x *executor) replayExecuted(m *metCall, tet data.Tetraplet, args *callArgs, out *air.Var) *execError {
	st := &m.state
	if args == nil {
		return uncatchable(CodeTraceError, "the arguments of an executed call are not known")
	}
	switch {
	case st.Value == data.ScalarValue && out != nil && out.Kind == air.ScalarVar:
		sr, err := x.serviceInfo(m.pos, st.CID)
		if err != nil {
			return err
		}
		if err := x.verifyCall(args, tet, sr, m.pos, st.CID); err != nil {
			return err
		}
		val := sr.Value
		agg := aggregate{val: val, tetraplet: tet, tracePos: m.pos, provenance: provenance{kind: data.FromServiceResult, cid: st.CID}}
		if err := x.budget.chargeMeasured(val, sr.Size); err != nil {
			return err
		}
		if err := x.scalars.set(out.Name, agg); err != nil {
			return err
		}
		x.record(tet.PeerPK, st.CID)
	case st.Value == data.UnusedValue && out == nil:
	case st.Value == data.StreamValue && out != nil && out.Kind == air.StreamVar:
		sr, err := x.serviceInfo(m.pos, st.CID)
		if err != nil {
			return err
		}
		if err := x.verifyCall(args, tet, sr, m.pos, st.CID); err != nil {
			return err
		}
		val := sr.Value
		agg := aggregate{val: val, tetraplet: tet, tracePos: m.pos, provenance: provenance{kind: data.FromServiceResult, cid: st.CID}}
		gen := generation{kind: genPrevious, idx: st.Generation}
		if m.source == fromCurrent {
			gen.kind = genCurrent
		}
		if err := x.budget.chargeMeasured(val, sr.Size); err != nil {
			return err
		}
		if err := x.streams.add(out, agg, gen); err != nil {
			return err
		}
		x.record(tet.PeerPK, st.CID)
	default:
		// The reference's words, with its ValueRef in Rust's Debug.
		return uncatchable(CodeCallResultNotCorrespondToInstr, "call result value %s doesn't match with corresponding instruction", valueRefDebug(*st))
	}
	x.trace.push(m.asState())
	return nil
}

// CodeCallResultNotCorrespondToInstr is the reference's uncatchable CallResultNotCorrespondToInstr.
const CodeCallResultNotCorrespondToInstr = 20006

// serviceResult takes a call's result from the host.
func (x *executor) serviceResult(tet data.Tetraplet, args *callArgs, out *air.Var, res CallResult) *execError {
	if res.RetCode != 0 {
		failed := value.Object([]string{"ret_code", "message"}, []value.Value{value.Int(int64(res.RetCode)), value.String(res.Result)})
		cid := x.trackServiceResult(failed, nil, tet, x.argsHash(args))
		x.record(tet.PeerPK, cid)
		x.trace.push(data.CallState{Kind: data.CallFailed, CID: cid})
		return localServiceError(res.RetCode, res.Result)
	}
	val, perr := x.reader.ParseString(res.Result, value.Limits{})
	if perr != nil {
		// The reference's words: the result as its CallServiceResult prints, serde_json's
		// message. The message is part of the failed value, so of its CID in the data.
		msg := fmt.Sprintf("call_service result 'ret_code: 0, result: '%s'' can't be serialized or deserialized with an error: %s", res.Result, value.SerdeMessage(res.Result, perr))
		failed := value.Object([]string{"ret_code", "message"}, []value.Value{value.Int(math.MaxInt32), value.String(msg)})
		cid := x.trackServiceResult(failed, nil, tet, x.argsHash(args))
		x.trace.push(data.CallState{Kind: data.CallFailed, CID: cid})
		// As the reference, this peer does not sign the failure it made of a result that is
		// not JSON, though a replay of it does: a run paused after it would sign what a replay
		// does not (see resume.go).
		x.pausable = false
		return localServiceError(math.MaxInt32, msg)
	}
	// A result that is one plain string (a large value, mostly) is its own canonical text.
	text, _ := value.SharedText(val, res.Result)
	pos := x.trace.pos()
	switch {
	case out == nil:
		x.trace.push(data.CallState{Kind: data.CallExecuted, Value: data.UnusedValue, CID: data.CIDOf(val.AppendJSON(nil))})
		return nil
	case out.Kind == air.ScalarVar:
		cid := x.trackServiceResult(val, text, tet, x.argsHash(args))
		agg := aggregate{val: val, tetraplet: tet, tracePos: pos, provenance: provenance{kind: data.FromServiceResult, cid: cid}}
		if err := x.budget.chargeValue(val); err != nil {
			return err
		}
		if err := x.scalars.set(out.Name, agg); err != nil {
			return err
		}
		x.record(tet.PeerPK, cid)
		x.trace.push(data.CallState{Kind: data.CallExecuted, Value: data.ScalarValue, CID: cid})
		return nil
	}
	cid := x.trackServiceResult(val, text, tet, x.argsHash(args))
	agg := aggregate{val: val, tetraplet: tet, tracePos: pos, provenance: provenance{kind: data.FromServiceResult, cid: cid}}
	if err := x.budget.chargeValue(val); err != nil {
		return err
	}
	if err := x.streams.add(out, agg, generation{kind: genNew}); err != nil {
		return err
	}
	x.record(tet.PeerPK, cid)
	x.trace.push(data.CallState{Kind: data.CallExecuted, Value: data.StreamValue, CID: cid})
	return nil
}

// trackServiceResult stores a call's result; text, if not nil, is val's canonical JSON.
func (x *executor) trackServiceResult(val value.Value, text []byte, tet data.Tetraplet, argHash data.CID) data.CID {
	var c data.CID
	if text != nil {
		c = x.stores.PutValueText(val, text)
	} else {
		c = x.stores.PutValue(val)
	}
	return x.stores.PutServiceResult(data.ServiceResult{
		Value:        c,
		ArgumentHash: argHash,
		Tetraplet:    x.putTetraplet(tet),
	})
}

// putTetraplet stores a tetraplet, remembering the CIDs of those already stored in this run: a
// fold calls the same service many times.
func (x *executor) putTetraplet(t data.Tetraplet) data.CID {
	if c, ok := x.tetraplets[t]; ok {
		return c
	}
	c := x.stores.PutTetraplet(t)
	x.tetraplets[t] = c
	return c
}

// record notes a CID produced by peer: the current peer signs those it produced.
func (x *executor) record(peer string, cid data.CID) {
	if peer == x.p.CurrentPeerID {
		x.produced = append(x.produced, cid)
	}
}

// serviceInfo resolves the service result cid, met at trace position pos, into the hash of its
// call's arguments, its value and its tetraplet. A run of data kept decoded (x.memo) takes what
// an earlier run resolved at pos, which is what the lookups below would find again (see
// data.Stores.ResolvedAt); what it resolves itself it keeps for the next run.
func (x *executor) serviceInfo(pos uint32, cid data.CID) (data.Resolved, *execError) {
	if x.memo {
		if r, ok := x.stores.ResolvedAt(pos, cid); ok {
			return r, nil
		}
	}
	sr, ok := x.stores.ServiceResults[cid]
	if !ok {
		return data.Resolved{}, uncatchable(CodeValueForCIDNotFound, "value for CID %s not found", cid)
	}
	val, found, err := x.stores.Parsed(sr.Value)
	if !found {
		return data.Resolved{}, uncatchable(CodeValueForCIDNotFound, "value for CID %s not found", sr.Value)
	}
	tet, ok := x.stores.Tetraplets[sr.Tetraplet]
	if !ok {
		return data.Resolved{}, uncatchable(CodeValueForCIDNotFound, "value for CID %s not found", sr.Tetraplet)
	}
	if err != nil {
		return data.Resolved{}, uncatchable(CodeValueForCIDNotFound, "value for CID %s is not JSON: %v", sr.Value, err)
	}
	r := data.Resolved{ArgumentHash: sr.ArgumentHash, Value: val, Tetraplet: tet}
	if x.memo {
		// Kept only if exact: a measure that stops past the budget is no size for a run with
		// a larger one (which then measures again).
		if n := valueBytes(val, x.budget.maxMemory); n <= x.budget.maxMemory {
			r.Size = n
		}
		x.stores.Remember(pos, cid, r)
	}
	return r, nil
}

// verifyCall checks that a call replayed from data, the service result cid at trace position
// pos, is the call of the script: same arguments, same tetraplet. Otherwise the data was made
// for another script or forged. Arguments that are the very values an earlier run of data kept
// decoded hashed right at pos are not hashed again (data.Resolved.Args).
func (x *executor) verifyCall(args *callArgs, tet data.Tetraplet, sr data.Resolved, pos uint32, cid data.CID) *execError {
	if args == nil {
		return uncatchable(CodeTraceError, "the arguments of a call in the data are not known")
	}
	if !sameValues(args.values, sr.Args) {
		if h := x.argsHash(args); h != sr.ArgumentHash {
			return parametersMismatch("call argument_hash", h.String(), sr.ArgumentHash.String())
		}
		if x.memo {
			sr.Args = slices.Clone(args.values)
			x.stores.Remember(pos, cid, sr)
		}
	}
	if tet != sr.Tetraplet {
		return parametersMismatch("call tetraplet", tetrapletDebug(tet), tetrapletDebug(sr.Tetraplet))
	}
	return nil
}

// parametersMismatch is the reference's InstructionParametersMismatch, worded as it words it
// (trailing space included).
func parametersMismatch(param, expected, stored string) *execError {
	return uncatchable(CodeInstructionParametersMismatch, "%s doesn't match expected parameters: expected %s, got %s ", param, expected, stored)
}

// tetrapletDebug renders a tetraplet as Rust's Debug of the reference's SecurityTetraplet.
func tetrapletDebug(t data.Tetraplet) string {
	return fmt.Sprintf("SecurityTetraplet { peer_pk: %s, service_id: %s, function_name: %s, lens: %s }",
		rustDebugString(t.PeerPK), rustDebugString(t.ServiceID), rustDebugString(t.FunctionName), rustDebugString(t.Lens))
}

// failedObject reads {ret_code, message} back from a failed call's value.
func failedObject(v value.Value) (int32, string, *execError) {
	code, ok1 := v.Get("ret_code")
	msg, ok2 := v.Get("message")
	n, ok3 := code.Int64()
	s, ok4 := msg.Str()
	if !ok1 || !ok2 || !ok3 || !ok4 || n < math.MinInt32 || n > math.MaxInt32 {
		return 0, "", uncatchable(20012, "failed call value %s is malformed", v)
	}
	return int32(n), s, nil
}

// await notes that an instruction of peer, which the peer by sent the particle on for, waits
// unexecuted (Outcome.Awaited).
func (x *executor) await(peer, by string) {
	if x.awaited == nil {
		x.awaited = map[Awaited]bool{}
	}
	x.awaited[Awaited{Peer: peer, RequestedBy: by}] = true
}

// maxCallRoom bounds the call requests roomForCall makes room for at once: a fold of a million
// elements of which only the first few ask for a call reserves no more than this.
const maxCallRoom = 4096

// roomForCall returns the call requests with room for one more. Inside a fold whose run has
// asked for calls already, as a fold with par does for each element, it makes room for the
// rest of the innermost fold at once: grown by doubling alone, the slice of a fold of 1,000
// was allocated twice over, 30% of all that run allocated (BenchmarkFoldPar/n=1000/emit:
// 1.00 → 0.78 MB). Not at a run's first call: a fold with seq asks for one call a run, and
// room for the rest of its fold on every run made each step of a fold of 3,000 allocate
// 250 KB (BenchmarkFoldSeqStep: 2.5 → 29 µs a step at 100). It never grows by less than
// doubling: a call in an inner fold of two elements would otherwise grow it by two at a time.
func (x *executor) roomForCall() []CallRequest {
	rs := x.callRequests
	if len(rs) < cap(rs) {
		return rs
	}
	more := max(cap(rs), 8)
	if n := len(x.scalars.folds); n > 0 && len(rs) > 0 {
		f := x.scalars.folds[n-1].state
		more = max(more, min(f.len()-f.cursor, maxCallRoom))
	}
	return slices.Grow(rs, more)
}
