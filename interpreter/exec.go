package interpreter

import (
	"github.com/aquanet/aquanet/interpreter/air"
	"github.com/aquanet/aquanet/interpreter/data"
	"github.com/aquanet/aquanet/interpreter/value"
)

// instructionError is what %last_error% and :error: hold: the error object, the tetraplet of
// the value that was thrown (nil for errors the interpreter raised), and its provenance.
type instructionError struct {
	// object is the error object, unless raised says the interpreter raised the error: then
	// it is made from the fields below when a script reads it (obj). Most caught errors (a
	// match that fails inside an xor, on every run that replays it) are never read.
	object     value.Value
	tetraplet  *data.Tetraplet
	provenance provenance
	// orig is the catchable error that an xor caught, which (fail :error:) re-throws.
	orig *execError

	raised   bool
	code     int64
	msg      string
	in       air.Instr // the instruction that raised it, named in the object
	withPeer bool
	peer     string
}

// obj returns the error object.
func (e *instructionError) obj() value.Value {
	if e.raised {
		return errorObject(e.code, e.msg, refText(e.in), e.withPeer, e.peer)
	}
	return e.object
}

func noError() instructionError { return instructionError{object: noErrorObject} }

// noErrorObject is %last_error% and :error: before anything failed: one value for every run
// (values never change once made), not two new objects per run.
var noErrorObject = value.Object([]string{"error_code", "message"}, []value.Value{value.Int(0), value.String("")})

// errorDescriptor is %last_error% or :error: with whether it may be set now.
type errorDescriptor struct {
	err    instructionError
	canSet bool
}

// errorObject is an error's object; withPeer adds peer_id, which may be empty: a call to the
// peer "" that fails names that peer.
func errorObject(code int64, msg, instruction string, withPeer bool, peerID string) value.Value {
	keys := []string{"error_code", "message", "instruction"}
	vals := []value.Value{value.Int(code), value.String(msg), value.String(instruction)}
	if withPeer {
		keys = append(keys, "peer_id")
		vals = append(vals, value.String(peerID))
	}
	return value.Object(keys, vals)
}

// MaxExecDepth bounds how deeply execution nests: the script's own nesting plus one level per
// fold iteration, since next runs the next iteration inside the current one. The reference has
// the same shape and traps when its stack runs out; a bound turns that into an error. (The
// executor's own stack is a slice, which would only grow: see exec.)
const MaxExecDepth = 100_000

// executor is one run of a script.
type executor struct {
	p Params
	// memo: the stores are kept from run to run (RunDecoded), so that what a run resolves of
	// the service results it replays is worth keeping for the next (serviceInfo).
	memo    bool
	scalars *scalars
	streams streams
	maps    streams // stream maps: streams of {key, value} objects
	trace   *traceHandler
	stores  data.Stores
	// tetraplets memoizes the CIDs of the tetraplets stored in this run.
	tetraplets map[data.Tetraplet]data.CID
	scratch    []byte // reused buffer for canonical JSON that is only hashed

	callResults       map[uint32]CallResult
	foldCount         uint32 // stream folds started, to tell them apart in the trace handler
	lastCallID        uint32
	tetrapletSlab     []data.Tetraplet // see oneTetraplet
	argSlab           argSlab
	tetrapletSlabSize int
	callRequests      []CallRequest // in call id order: ids are handed out in sequence
	nextPeers         map[string]bool
	awaited           map[Awaited]bool // see Outcome.Awaited
	produced          []data.CID       // CIDs this peer produced or replayed: what it signs

	// pausable: nothing the run executed so far stops it from pausing at its call request
	// (see resume.go): no fold over a stream or a stream map, no ap-map that failed on its
	// key nor canon on its peer. A par stops it only while it runs (pauseHere). paused is
	// where it paused, once it has.
	pausable bool
	paused   *Paused

	complete   bool // subgraph completeness (AIR.md §3.2)
	depth      int  // nesting of instructions, fold iterations included
	lastError  errorDescriptor
	errorValue errorDescriptor
	budget     budget
	stacks
}

// setErrors records a catchable error in %last_error% and :error: (each only when it may be
// set), as the reference's ExecutionCtx::set_errors does for the instruction that raised it.
func (x *executor) setErrors(e *execError, instruction air.Instr, tetraplet *data.Tetraplet, withPeer bool) {
	if !e.catchable {
		return
	}
	peer := x.p.CurrentPeerID
	if tetraplet != nil && withPeer {
		peer = tetraplet.PeerPK
	}
	if x.lastError.canSet && e.affectsLastError() {
		x.lastError.err = instructionError{tetraplet: tetraplet, raised: true, code: e.code, msg: e.msg, in: instruction, withPeer: true, peer: peer}
		x.lastError.canSet = false
	}
	if x.errorValue.canSet {
		x.errorValue.err = instructionError{tetraplet: tetraplet, raised: true, code: e.code, msg: e.msg, in: instruction, withPeer: withPeer, peer: peer}
	}
	x.errorValue.canSet = false
}

// instructionFailed sets :error: for an instruction's error. A call's error names the peer and
// was set by call itself; a canon's names the peer too (the reference's PeerIDErrorLogable is
// true for both); other instructions' errors do not.
func (x *executor) instructionFailed(err *execError, in air.Instr) {
	switch in.(type) {
	case *air.Call:
	case *air.Canon:
		x.setErrors(err, in, nil, true)
	default:
		x.setErrors(err, in, nil, false)
	}
}

// joined turns a joinable error into "skip and wait": the instruction leaves no state and its
// subgraph is incomplete.
func (x *executor) joined(err *execError) *execError {
	if err != nil && err.joinable {
		x.complete = false
		return nil
	}
	return err
}

// matchValues compares two values; nil with no error means a value is not known yet.
func (x *executor) matchValues(l, r air.Value) (*bool, *execError) {
	a, err := x.resolve(l)
	if err != nil {
		return nil, err
	}
	b, err := x.resolve(r)
	if err != nil {
		return nil, err
	}
	eq := value.Equal(a.val, b.val)
	return &eq, nil
}

func (x *executor) fail(in *air.Fail) *execError {
	var obj value.Value
	var tetraplet *data.Tetraplet
	var prov provenance
	switch {
	case in.Code != nil:
		obj = errorObject(in.Code.Int, in.Message.Value, refText(in), true, x.p.InitPeerID)
		t := x.literalTetraplet()
		tetraplet = &t
	default:
		sp, isSpecial := in.Value.(*air.Special)
		switch {
		case isSpecial && sp.Kind == air.LastError:
			obj, tetraplet, prov = x.lastError.err.obj(), x.lastError.err.tetraplet, x.lastError.err.provenance
		case isSpecial:
			e := x.errorValue.err
			object := e.obj()
			if err := checkErrorObject(object); err != nil {
				return err
			}
			var result *execError
			if e.orig != nil {
				_ = x.throw(object, e.tetraplet, e.provenance)
				result = e.orig
			} else {
				result = x.throw(object, e.tetraplet, e.provenance)
			}
			x.errorValue.canSet = false
			return result
		default:
			r, err := x.resolve(in.Value)
			if err != nil {
				return err
			}
			obj, prov = r.val, r.provenance
			t := r.first()
			tetraplet = &t
		}
	}
	if err := checkErrorObject(obj); err != nil {
		return err
	}
	return x.throw(obj, tetraplet, prov)
}

// throw raises a user error with an error object, which becomes %last_error% as it is.
func (x *executor) throw(obj value.Value, t *data.Tetraplet, prov provenance) *execError {
	x.lastError.err = instructionError{object: obj, tetraplet: t, provenance: prov}
	x.lastError.canSet = false
	x.complete = false
	e := catchable(CodeUserError, "fail with '%s' is used without corresponding xor", obj)
	e.userError = &obj
	return e
}

// checkErrorObject: what fail throws must be an object with a non-zero integer error_code and a
// string message. The messages are the reference's (ErrorObjectError in
// air/src/execution_step/execution_context/instruction_error/errors.rs): they reach the script
// in :error: and from there the data.
func checkErrorObject(v value.Value) *execError {
	if v.Kind() != value.KindObject {
		return catchable(CodeInvalidErrorObject, "scalar should have an object type to be converted into error object, but '%s' doesn't have", v)
	}
	code, ok := v.Get("error_code")
	if !ok {
		return catchable(CodeInvalidErrorObject, "scalar '%s' must have field with name 'error_code'", v)
	}
	n, isInt := code.Int64()
	if !isInt {
		return catchable(CodeInvalidErrorObject, "error_code of scalar '%s' must have integer type", v)
	}
	if n == 0 {
		return catchable(CodeInvalidErrorObject, "error code must be non-zero, but it is zero")
	}
	msg, ok := v.Get("message")
	if !ok {
		return catchable(CodeInvalidErrorObject, "scalar '%s' must have field with name 'message'", v)
	}
	if _, isStr := msg.Str(); !isStr {
		return catchable(CodeInvalidErrorObject, "message of scalar '%s' must have string type", v)
	}
	return nil
}

func (x *executor) ap(in *air.Ap) *execError {
	r, err := x.resolve(in.Arg)
	if err != nil {
		return x.joined(err)
	}
	agg := x.apAggregate(in.Arg, r)
	if err := x.budget.chargeValue(r.val); err != nil {
		return err
	}
	if in.Dst.Kind == air.ScalarVar {
		return x.scalars.set(in.Dst.Name, agg)
	}
	gen, _, err := x.trace.mergeAp()
	if err != nil {
		return onInstruction(in, err)
	}
	if err := x.streams.add(in.Dst, agg, gen); err != nil {
		return err
	}
	x.trace.push(data.ApState{Gens: []uint32{0}})
	return nil
}
