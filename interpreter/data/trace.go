package data

// The trace is the record of what a script has done so far, one state per state-producing
// instruction met, in execution order. Its shape follows the reference's ExecutedState
// (crates/air-lib/interpreter-data/src/executed_state.rs), because peers running either
// implementation must agree on it: prev and current traces are merged state by state.

// State is one entry of the trace: a ParState, CallState, FoldState, ApState or CanonState.
type State interface {
	isState()
}

// ParState is written when a par finishes: how many states each of its branches produced.
type ParState struct {
	Left, Right uint32
}

// CallKind says what is known about a call.
type CallKind uint8

const (
	// CallSentBy: the call was forwarded to another peer by Peer, or (with a call id) it was
	// requested from the host of Peer and its result is awaited.
	CallSentBy CallKind = iota
	// CallExecuted: the call returned a value; Value says how it was kept.
	CallExecuted
	// CallFailed: the service failed; CID names the ServiceResult of {ret_code, message}.
	CallFailed
)

// ValueKind says how an executed call's result was kept.
type ValueKind uint8

const (
	ScalarValue ValueKind = iota // in a scalar: CID names a ServiceResult
	StreamValue                  // in a stream at Generation: CID names a ServiceResult
	UnusedValue                  // not kept (the call had no output): CID names the value itself
)

// CallState is the state of one call.
type CallState struct {
	Kind CallKind

	// CallSentBy:
	Peer      string // the peer that sent or requested the call
	HasCallID bool   // requested from the host (PeerIdWithCallId) rather than forwarded
	CallID    uint32

	// CallExecuted and CallFailed:
	Value      ValueKind
	CID        CID
	Generation uint32 // StreamValue only
}

// FoldState records, for a fold over a stream or stream map, which part of the trace each
// iterated value produced: its states before its next and after it.
type FoldState struct {
	Lore []FoldLore
}

// FoldLore is the record of one iteration: the trace position of the value iterated over, and
// the two subtraces it produced.
type FoldLore struct {
	ValuePos uint32
	Before   SubTrace
	After    SubTrace
}

// SubTrace is a window of the trace: Len states from Pos.
type SubTrace struct {
	Pos, Len uint32
}

// ApState is written by an ap into a stream or a stream map: the generation the value went to.
type ApState struct {
	Gens []uint32
}

// CanonState is the state of a canon: forwarded to the peer that must execute it (SentBy), or
// executed, its result frozen under CID (a CanonResult).
type CanonState struct {
	Executed bool
	SentBy   string
	CID      CID
}

func (ParState) isState()   {}
func (CallState) isState()  {}
func (FoldState) isState()  {}
func (ApState) isState()    {}
func (CanonState) isState() {}
