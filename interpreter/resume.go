package interpreter

import (
	"bytes"
	"fmt"
	"maps"

	"github.com/aquanet/aquanet/interpreter/air"
	"github.com/aquanet/aquanet/interpreter/data"
)

// A run replays the script from its root: every call already made is met again in the trace.
// A fold with seq that makes one call per run therefore costs, on its n-th run, the n calls
// before it. A run that stops at the one call it asks for can instead be kept as it stopped,
// and the next run, whose only input is that call's answer, goes on from there: the run is
// paused, not unwound.
//
// That is the replay's outcome, byte for byte, when what the paused run built up to its call
// is what a replay of its data builds up to the same call, and when unwinding would have
// changed nothing that reaches the outcome. Both hold for the runs that can pause (see
// executor.pausable): no fold over a stream has run, no ap-map failed on its key nor a canon
// on its peer, and the call is not inside a par.
//   - Up to the call, the replay takes the same path with the same values: each call's result
//     is the one the data holds (the paused run put it there), the budget counts the same
//     steps and bytes, and the traces' states from before are in the data at the same
//     positions. A stream's values are the replay's once they are all taken as the previous
//     data's, in the generations the paused run's compaction gave them (stream.asReplayed).
//   - After a call that waits for its result, a seq does not run its second instruction and
//     the other instructions return: what they undo is the executor's own state (scopes, the
//     fold's cursor), which the resumed run needs as it was. A par around the call would run
//     its other branch and write its state into the trace (one that has ended has done both,
//     as its replay does); a fold over a stream keeps its place in the trace in states a
//     replay rebuilds.
//   - Where the reference's own replay differs from the run it replays, a run does not pause:
//     the failure it makes of a result that is not JSON is not signed (serviceResult), and an
//     ap-map whose key fails, or a canon whose peer does, takes a state from the traces
//     (apMap, canon).
// internal/resumecheck holds every run of the reference scenarios, the compiled Aqua corpus
// and the differential generator's cases to this, run both ways.

// Paused is a run stopped at the one call it asked for, kept as it stopped (Outcome.Paused).
// It can be resumed once.
type Paused struct {
	x        *executor
	call     *air.Call
	callID   uint32
	steps    int64 // the budget's counts before the call: the resumed run enters it again
	memory   int64
	complete bool
	script   string
	decoded  *data.Data // the data the run left
	used     bool
}

// keep is finish's, on a run that paused: what a resumed run checks its inputs against.
func (s *Paused) keep(x *executor, script string, decoded *data.Data) {
	s.x, s.script, s.decoded = x, script, decoded
}

// ResumeDecoded is RunDecoded that goes on from where paused stopped instead of replaying the
// script, when the run is the one paused expects: the same script and particle, prev the data
// the paused run left (its Outcome.Decoded, unchanged since), no current data, and the result
// of the call it asked for as the only call result. Otherwise, and when paused is nil, it is
// RunDecoded. Either way the outcome is RunDecoded's, byte for byte, paused is used up, and
// prev is taken over as RunDecoded takes it.
func ResumeDecoded(script string, prev *data.Data, paused *Paused, currentData []byte, callResults map[uint32]CallResult, p Params) (out Outcome) {
	if paused == nil || paused.used || !paused.fits(script, prev, currentData, callResults, p) {
		return RunDecoded(script, prev, currentData, callResults, p)
	}
	paused.used = true
	defer func() {
		if r := recover(); r != nil {
			out = Outcome{RetCode: CodeTraceError, ErrorMessage: fmt.Sprintf("internal interpreter error: %v", r)}
		}
	}()
	lim := p.Limits.withDefaults()
	if len(callResults[paused.callID].Result) > lim.MaxCallResult {
		return Outcome{RetCode: CodeSizeLimits, ErrorMessage: fmt.Sprintf("Call result size is bigger than the limit allowed: %d bytes", lim.MaxCallResult)}
	}
	// The stores as run takes them over (see there).
	stores := prev.Stores
	stores.Reserve(1)
	var added data.Additions
	stores.Record(&added)
	x := paused.x
	last := x.trace.resumeAt(prev.Trace)
	defer func() {
		if out.Decoded == nil {
			stores.Undo(&added)
			prev.Trace[len(prev.Trace)-1] = last
		}
	}()
	x.p = p
	x.paused = nil
	x.stores = stores
	x.streams.asReplayed()
	x.maps.asReplayed()
	x.callResults = maps.Clone(callResults)
	x.callRequests = nil
	x.memo = true
	x.complete = paused.complete
	x.budget = newBudget(lim, &x.p)
	x.budget.resumeAt(paused.steps, paused.memory)
	sigs := maps.Clone(prev.Signatures) // as run takes them from its own data
	if sigs == nil {
		sigs = map[string][]byte{}
	}
	out = x.finish(x.resume(paused.call), sigs, script)
	if out.Decoded != nil {
		out.Resumed, out.Added = true, &added
	}
	return out
}

// fits says the run is the one the paused run expects (see ResumeDecoded).
func (s *Paused) fits(script string, prev *data.Data, currentData []byte, callResults map[uint32]CallResult, p Params) bool {
	if prev != s.decoded || len(currentData) != 0 || script != s.script || len(callResults) != 1 {
		return false
	}
	if _, ok := callResults[s.callID]; !ok {
		return false
	}
	if n := len(prev.Trace); n == 0 || prev.Trace[n-1] != (data.CallState{Kind: data.CallSentBy, Peer: p.CurrentPeerID, HasCallID: true, CallID: s.callID}) {
		return false
	}
	q := s.x.p
	return p.InitPeerID == q.InitPeerID && p.CurrentPeerID == q.CurrentPeerID && p.Timestamp == q.Timestamp &&
		p.TTL == q.TTL && p.ParticleID == q.ParticleID && bytes.Equal(p.Key, q.Key) && p.Limits == q.Limits &&
		p.SignOnlyToSend == q.SignOnlyToSend && p.EncodeOnlyToSend == q.EncodeOnlyToSend
}

// pauseHere, on the call c a run asks for, keeps the run as it is before the call if it can
// pause (see executor.pausable): loop stops once the call returns, without unwinding.
// memory is the budget's count before the call's arguments were charged.
func (x *executor) pauseHere(c *air.Call, id uint32, memory int64) {
	if !x.pausable || len(x.pars) != 0 || len(x.callRequests) != 0 || len(x.nextPeers) != 0 || len(x.awaited) != 0 {
		return
	}
	// The call's step was counted as it was entered, which a resumed run does again.
	x.paused = &Paused{call: c, callID: id, steps: x.budget.steps - 1, memory: memory, complete: x.complete}
}

// resume runs a paused executor on from the call it paused at, entered again.
func (x *executor) resume(c *air.Call) *execError {
	err := x.loop(c)
	x.releaseStacks(nil)
	return err
}
