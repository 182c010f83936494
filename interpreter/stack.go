package interpreter

import (
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/aquanet/aquanet/interpreter/air"
	"github.com/aquanet/aquanet/interpreter/value"
)

// The executor runs a script on a stack of its own, not on Go's: a composite instruction is a
// frame that says which of its children it waits for, and one loop enters instructions and
// resumes frames with their children's results. A fold's next runs the next iteration inside
// the current one, so a fold over thousands of values nests thousands of instructions; on Go's
// stack that depth was copied as the stack grew and walked by every collection while the run
// lasted. Leaf instructions (call, ap, ap-map, canon, fail, null, never) and a match's
// comparison are ordinary calls.

// frameKind is which composite instruction a frame runs.
type frameKind uint8

const (
	kindSeq frameKind = iota
	kindXor
	kindPar
	kindMatch
	kindNew
	kindFold
	kindFoldStream
	kindNext
)

// frame is a composite instruction being executed. phase is where it resumes: 0 before it
// started, then one value per child it may be waiting for.
type frame struct {
	in    air.Instr
	fold  *foldState // fold, next: the fold iterated over
	kind  frameKind
	phase uint8
}

// parRun is what a par keeps between its branches.
type parRun struct {
	trace        parFrame
	left         *execError
	leftComplete bool
}

// stacks are the composite instructions being executed, innermost last, and what the pars and
// stream folds among them keep, in the same order (out of the frames, which stay small); and
// the reader of the call results, whose scratch grows with the longest array or object read.
type stacks struct {
	stack       []frame
	pars        []parRun
	streamFolds []streamFold
	reader      value.Reader
}

// stacksPool keeps the stacks from run to run, empty and cleared (see step): a fold over
// thousands of values grows them to thousands of frames.
var stacksPool = sync.Pool{New: func() any { return new(stacks) }}

// keptStacks holds one set of stacks that the collector does not take back, as it takes the
// pool's at every other collection: a fold over thousands of values allocates megabytes a run,
// which start collections within the run, and its stacks were grown anew by nearly every run.
// Stacks of up to maxKeptStackBytes are kept, so what a deep run leaves behind stays bounded.
var keptStacks atomic.Pointer[stacks]

const maxKeptStackBytes = 4 << 20

// bytes is the memory the stacks hold.
func (s *stacks) bytes() uintptr {
	return uintptr(cap(s.stack))*unsafe.Sizeof(frame{}) + uintptr(cap(s.pars))*unsafe.Sizeof(parRun{}) +
		uintptr(cap(s.streamFolds))*unsafe.Sizeof(streamFold{}) + uintptr(s.reader.Retained())
}

// exec runs an instruction and everything in it; a catchable error it returns has been
// recorded in the error descriptors by the instruction that raised it (call) or by done.
func (x *executor) exec(in air.Instr) *execError {
	pooled := keptStacks.Swap(nil)
	if pooled == nil {
		pooled = stacksPool.Get().(*stacks)
	}
	x.stacks = *pooled
	err := x.loop(in)
	x.releaseStacks(pooled)
	return err
}

// releaseStacks gives the stacks to the pool in pooled (nil: a new one), for the next run,
// unless the run paused on them.
func (x *executor) releaseStacks(pooled *stacks) {
	if x.paused != nil {
		return
	}
	if pooled == nil {
		pooled = new(stacks)
	}
	x.stacks.reader.Reset()
	*pooled, x.stacks = x.stacks, stacks{} // the next run's, once in the pool
	if pooled.bytes() > maxKeptStackBytes || !keptStacks.CompareAndSwap(nil, pooled) {
		stacksPool.Put(pooled)
	}
}

// loop runs an instruction on the executor's stacks, empty when it starts and when it ends,
// unless the run pauses (see pauseHere): then it returns at once, with the stacks as they are.
func (x *executor) loop(in air.Instr) *execError {
	for {
		child, err := x.enter(in)
		if x.paused != nil {
			return nil
		}
		for child == nil && len(x.stack) > 0 {
			child, err = x.step(err)
		}
		if child == nil {
			return err
		}
		in = child
	}
}

// enter starts an instruction: a leaf runs to its end, a composite pushes its frame and runs
// up to its first child, which enter returns (its phase 0, with no child's result).
func (x *executor) enter(in air.Instr) (air.Instr, *execError) {
	// Every instruction is a step, a fold's body once per iteration: this is where a run that
	// would go on too long stops (one increment and one comparison on the hot path).
	x.budget.steps++
	if x.budget.steps >= x.budget.nextCheck {
		if err := x.budget.check(); err != nil {
			return nil, err
		}
	}
	if x.depth >= MaxExecDepth {
		return nil, uncatchable(CodeTraceError, "execution nested deeper than %d instructions (a fold over too many values?)", MaxExecDepth)
	}
	x.depth++
	var err *execError
	if c, ok := in.(*air.Call); ok { // the most frequent: one comparison, before the switch
		return nil, x.done(in, x.call(c))
	}
	switch in := in.(type) {
	case *air.Seq:
		return x.push(in, kindSeq)
	case *air.Par:
		return x.push(in, kindPar)
	case *air.Next:
		return x.push(in, kindNext)
	case *air.Xor:
		return x.push(in, kindXor)
	case *air.Match:
		return x.push(in, kindMatch)
	case *air.New:
		return x.push(in, kindNew)
	case *air.Fold:
		if in.IsStreamFold() {
			x.pausable = false
			return x.push(in, kindFoldStream)
		}
		return x.push(in, kindFold)
	case *air.Null:
	case *air.Never:
		x.complete = false
	case *air.Fail:
		err = x.fail(in)
	case *air.Ap:
		err = x.ap(in)
	case *air.ApMap:
		err = x.apMap(in)
	case *air.Canon:
		err = x.canon(in)
	default:
		err = notYet("%T", in)
	}
	return nil, x.done(in, err)
}

// push starts a composite instruction: its frame goes on the stack and runs its phase 0, up to
// its first child.
func (x *executor) push(in air.Instr, k frameKind) (air.Instr, *execError) {
	x.stack = append(x.stack, frame{in: in, kind: k})
	return x.step(nil)
}

// step resumes the top frame with the result of the child it waited for (nil in phase 0) and
// runs it up to its next child, which step returns; or to its end: then it pops the frame and
// returns the instruction's result.
func (x *executor) step(err *execError) (air.Instr, *execError) {
	f := &x.stack[len(x.stack)-1]
	var child air.Instr
	switch f.kind {
	case kindSeq:
		child, err = x.seq(f, err)
	case kindXor:
		child, err = x.xor(f, err)
	case kindPar:
		child, err = x.par(f, err)
	case kindMatch:
		child, err = x.match(f, err)
	case kindNew:
		child, err = x.newScope(f, err)
	case kindFold:
		child, err = x.fold(f, err)
	case kindFoldStream:
		child, err = x.foldStream(f, err)
	case kindNext:
		child, err = x.next(f, err)
	}
	if child != nil {
		return child, nil
	}
	return nil, x.pop(f, err)
}

// pop ends the top frame's instruction, f, with the result err.
func (x *executor) pop(f *frame, err *execError) *execError {
	// Popped entries are cleared, so that the pooled stacks hold on to nothing.
	switch f.kind { // their phase 0 pushed these
	case kindPar:
		x.pars[len(x.pars)-1] = parRun{}
		x.pars = x.pars[:len(x.pars)-1]
	case kindFoldStream:
		x.streamFolds[len(x.streamFolds)-1] = streamFold{}
		x.streamFolds = x.streamFolds[:len(x.streamFolds)-1]
	}
	in := f.in
	*f = frame{}
	x.stack = x.stack[:len(x.stack)-1]
	return x.done(in, err)
}

// done ends an instruction that ran with the result err: :error: for the error, unless the
// instruction set it itself (see instructionFailed), and one level less deep.
func (x *executor) done(in air.Instr, err *execError) *execError {
	if err != nil {
		x.instructionFailed(err, in)
	}
	x.depth--
	return err
}

func (x *executor) seq(f *frame, err *execError) (air.Instr, *execError) {
	in := f.in.(*air.Seq)
	switch f.phase {
	case 0:
		x.complete = true
		f.phase = 1
		return in.Left, nil
	case 1:
		if err == nil && x.complete {
			f.phase = 2
			return in.Right, nil
		}
	}
	return nil, err
}

func (x *executor) xor(f *frame, err *execError) (air.Instr, *execError) {
	in := f.in.(*air.Xor)
	switch f.phase {
	case 0:
		x.complete = true
		f.phase = 1
		return in.Left, nil
	case 1:
		if err == nil || !err.catchable {
			return nil, err
		}
		x.complete = true
		x.lastError.canSet = true
		x.errorValue.err.orig = err
		x.errorValue.canSet = true
		f.phase = 2
		return in.Right, nil
	}
	if x.errorValue.canSet {
		x.errorValue.err = noError()
	}
	if err == nil {
		x.errorValue.canSet = true
	}
	return nil, err
}

func (x *executor) match(f *frame, err *execError) (air.Instr, *execError) {
	if f.phase == 1 {
		return nil, err
	}
	in := f.in.(*air.Match)
	equal, err := x.matchValues(in.Left, in.Right)
	if err = x.joined(err); err != nil || equal == nil {
		return nil, err
	}
	if *equal == in.Mismatch {
		if in.Mismatch {
			return nil, catchable(CodeMismatchValuesEqual, "compared values do not mismatch")
		}
		return nil, catchable(CodeMatchValuesNotEqual, "compared values do not match")
	}
	f.phase = 1
	return in.Body, nil
}

// newScope opens the scope of a new variable for its body and closes it when the body ends,
// failed or not.
func (x *executor) newScope(f *frame, err *execError) (air.Instr, *execError) {
	in := f.in.(*air.New)
	name := in.Var.Name
	if f.phase == 0 {
		switch in.Var.Kind {
		case air.ScalarVar:
			x.scalars.newStart(name)
		case air.CanonStreamVar:
			x.scalars.canons.newStart(name)
		case air.StreamVar:
			x.streams.scopeStart(name, in)
		case air.StreamMapVar:
			x.maps.scopeStart(name, in)
		default: // a canon stream map
			x.scalars.canonMaps.newStart(name)
		}
		f.phase = 1
		return in.Body, nil
	}
	var eerr *execError
	switch in.Var.Kind {
	case air.ScalarVar:
		eerr = x.scalars.newEnd(name)
	case air.CanonStreamVar:
		eerr = x.scalars.canons.newEnd(name)
	case air.StreamVar:
		eerr = x.streams.scopeEnd(name, x.trace)
	case air.StreamMapVar:
		eerr = x.maps.scopeEnd(name, x.trace)
	default:
		eerr = x.scalars.canonMaps.newEnd(name)
	}
	if err == nil {
		err = eerr
	}
	return nil, err
}

// par runs both branches. A branch that is a next starts incomplete (the fold's other
// iterations decide); a catchable error in a branch is kept, any other ends the run.
func (x *executor) par(f *frame, err *execError) (air.Instr, *execError) {
	in := f.in.(*air.Par)
	switch f.phase {
	case 0:
		x.pars = append(x.pars, parRun{})
		if err := x.trace.parStart(&x.pars[len(x.pars)-1].trace); err != nil {
			return nil, onInstruction(in, err)
		}
		_, isNext := in.Left.(*air.Next)
		x.complete = !isNext
		f.phase = 1
		return in.Left, nil
	case 1:
		if err != nil {
			x.complete = false
			if !err.catchable {
				return nil, err
			}
		}
		p := &x.pars[len(x.pars)-1]
		x.trace.parLeftDone(&p.trace)
		p.left, p.leftComplete = err, x.complete
		_, isNext := in.Right.(*air.Next)
		x.complete = !isNext
		f.phase = 2
		return in.Right, nil
	}
	if err != nil {
		x.complete = false
		if !err.catchable {
			return nil, err
		}
	}
	p := &x.pars[len(x.pars)-1]
	x.trace.parRightDone(&p.trace)
	x.complete = x.complete || p.leftComplete
	if p.left == nil || err == nil {
		x.lastError.canSet = true
		return nil, nil
	}
	return nil, err
}
