package interpreter

import "github.com/aquanet/aquanet/interpreter/value"

// Budget errors are aquanet's own: the reference has no budget inside a run. Their class starts
// at 40000, outside the reference's classes (1.., 10000.., 20000.., 30000..; AIR.md §5). They
// are uncatchable: the run ends with the previous data unchanged, as after a trace error.
const (
	CodeStepBudgetExceeded   = 40000 // Limits.MaxSteps
	CodeMemoryBudgetExceeded = 40001 // Limits.MaxMemory
	CodeDeadlinePassed       = 40002 // Params.Now went past Timestamp+TTL during the run
)

// Default budgets of one run, sized from measurement (TestBudgetDefaultsFitScenarios and
// TestBudgetOfTheBenchmarks print it). Of the 115 reference scenarios the costliest run takes
// 5,117 steps and 155,648 bytes (error-stream-cap, which fills a stream to its 1024 cap); the
// benchmarks' runs take 4,003 steps and 176 KB (a fold over 1000 elements requesting 1000
// calls), 4,003 steps and 225 KB (taking their results back) and 3 steps and 2.1 MB (receiving
// 1 MB of data: the value bound once and passed to a call once).
//
// The step budget is about 200 times the largest of those, room for compiled Aqua programs far
// larger than any of them; a fold bomb (three nested folds over 1000 values, 10^9 steps) spends
// it in about 0.7 s of one core. The memory budget is sized by the size limits rather than by
// the scenarios (which use 1/1700 of it): a run may bind the values of the largest data it
// accepts (DefaultMaxData) a few times over, as receiving 1 MB binds 2 MB.
const (
	DefaultMaxSteps  = 1_000_000
	DefaultMaxMemory = 4 * DefaultMaxData
)

// deadlineEvery is how many steps pass between two readings of Params.Now: a step costs tens to
// hundreds of nanoseconds, so the deadline is seen within a fraction of a millisecond while the
// clock is read rarely.
const deadlineEvery = 1024

// entryBytes is what one binding (a scalar, a stream value, a canon element) costs besides its
// value: an aggregate with its tetraplet and provenance, rounded up. A constant rather than
// unsafe.Sizeof keeps the accounting the same on every platform.
const entryBytes = 128

// budget is what one run may spend, and what it has spent.
//
// Steps are the instructions executed (a fold's body once per iteration included) plus the
// elements of every array a fold iterates over, charged when the fold starts: building the
// iteration is work even when the body stops early.
//
// Memory is an estimate of the bytes of the values the run binds and hands out: every value
// stored into a scalar, a stream, a stream map or a canon (entryBytes plus the value's size
// by valueBytes, as if each were a copy, which the reference's JSON values mostly are), and
// the arguments of every call request. Values that only pass through (a lens read, a match)
// are not counted; nor is the data the run decodes, which Limits.MaxData bounds already.
type budget struct {
	steps, maxSteps   int64
	memory, maxMemory int64
	// nextCheck is the step count at which exec looks at the budget again: the step limit or
	// the next reading of the clock, whichever comes first; 0 once the budget is exhausted,
	// so that every instruction after fails the same way.
	nextCheck int64
	now       func() int64
	deadline  int64 // ms since the Unix epoch
	exhausted *execError
}

func newBudget(l Limits, p *Params) budget {
	b := budget{maxSteps: int64(l.MaxSteps), maxMemory: int64(l.MaxMemory), now: p.Now, deadline: int64(p.Timestamp) + int64(p.TTL)}
	b.nextCheck = b.maxSteps + 1
	if b.now != nil {
		b.nextCheck = min(b.nextCheck, deadlineEvery)
	}
	return b
}

// check is exec's slow path, taken when steps reach nextCheck.
func (b *budget) check() *execError {
	switch {
	case b.exhausted != nil:
	case b.steps > b.maxSteps:
		b.exhaust(uncatchable(CodeStepBudgetExceeded, "step budget exceeded: the run took more than %d steps (instructions and fold iterations)", b.maxSteps))
	default: // the clock's turn (without a clock, nextCheck is past the step limit)
		if now := b.now(); now > b.deadline {
			b.exhaust(uncatchable(CodeDeadlinePassed, "particle deadline passed during the run: now %d ms is after timestamp+ttl %d ms (after %d steps)", now, b.deadline, b.steps))
		} else {
			b.nextCheck = min(b.maxSteps+1, b.steps+deadlineEvery)
		}
	}
	return b.exhausted
}

func (b *budget) exhaust(err *execError) {
	b.exhausted = err
	b.nextCheck = 0
}

// chargeSteps adds n steps, the elements of a fold; exec looks at the total at its next step.
func (b *budget) chargeSteps(n int) { b.steps += int64(n) }

// chargeBytes adds n bytes of memory.
func (b *budget) chargeBytes(n int64) *execError {
	b.memory += n
	if b.memory > b.maxMemory && b.exhausted == nil {
		b.exhaust(uncatchable(CodeMemoryBudgetExceeded, "memory budget exceeded: the run's values take more than %d bytes", b.maxMemory))
	}
	return b.exhausted
}

// chargeValue charges a binding of v. Measuring v stops once it alone would exhaust the
// budget, so that measuring costs at most as much as the budget allows to store.
func (b *budget) chargeValue(v value.Value) *execError {
	return b.chargeBytes(entryBytes + valueBytes(v, b.maxMemory-b.memory))
}

// chargeMeasured is chargeValue for a value whose whole size by valueBytes is known already
// (0: not known): when it fits in what is left, it is what measuring would find.
func (b *budget) chargeMeasured(v value.Value, size int64) *execError {
	if size == 0 || size > b.maxMemory-b.memory {
		return b.chargeValue(v)
	}
	return b.chargeBytes(entryBytes + size)
}

// valueBytes estimates the memory v takes (a Go value's headers plus its strings), or some
// number above limit once the estimate passes it.
func valueBytes(v value.Value, limit int64) int64 {
	const header = 24
	switch v.Kind() {
	case value.KindString:
		s, _ := v.Str()
		return header + int64(len(s))
	case value.KindArray:
		n := int64(header)
		for i := range v.Len() {
			if n > limit {
				break
			}
			n += valueBytes(v.Index(i), limit-n)
		}
		return n
	case value.KindObject:
		n := int64(header)
		for i := range v.Len() {
			if n > limit {
				break
			}
			k, fv := v.Field(i)
			n += header + int64(len(k)) + valueBytes(fv, limit-n)
		}
		return n
	}
	return header // null, bool, number: the Value itself
}

// resumeAt sets the counts to a paused run's, as a replay would have counted them by the call
// it paused at, and the next check accordingly.
func (b *budget) resumeAt(steps, memory int64) {
	b.steps, b.memory = steps, memory
	if b.now != nil {
		b.nextCheck = min(b.maxSteps+1, steps+deadlineEvery)
	}
}
