package air

// afterNext finds instructions after next in folds over streams and stream maps, the way the
// reference validator does: a stack machine fed with the instructions in bottom-up order. Each
// instruction pops the entries of its children and pushes one for itself; an entry remembers
// whether a next is "pivotal" in it (the last thing that runs). A seq or par whose left side
// ends in next and whose right side does not is remembered per iterator, and reported when a
// stream fold over that iterator closes. The reference's quirks are kept on purpose (it gives up
// on an xor with next in both branches, and a remembered seq is not forgotten when a scalar fold
// closes over it), because the goal is to accept exactly the scripts it accepts.
type afterNext struct {
	stack     []anEntry
	pending   map[string]span // iterator -> first seq/par with instructions after its next
	malformed []span
	disabled  bool
}

type anKind uint8

const (
	anSimple anKind = iota
	anMerging
	anXoring
	anReplacing
	anNext // a pivotal next; iter says which
	anPop1
	anPop2
	anCheck    // a stream fold without a last instruction
	anPopCheck // a stream fold with one
)

type anEntry struct {
	kind anKind
	iter string
}

func (m *afterNext) push(e anEntry) { m.stack = append(m.stack, e) }

func (m *afterNext) pop() (anEntry, bool) {
	if len(m.stack) == 0 {
		return anEntry{}, false
	}
	e := m.stack[len(m.stack)-1]
	m.stack = m.stack[:len(m.stack)-1]
	return e, true
}

func (m *afterNext) disable() {
	m.stack = nil
	m.disabled = true
}

func (m *afterNext) simple() {
	if !m.disabled {
		m.push(anEntry{kind: anSimple})
	}
}

func (m *afterNext) next(iter string) {
	if !m.disabled {
		m.push(anEntry{kind: anNext, iter: iter})
	}
}

func (m *afterNext) merging(at span) {
	if m.disabled {
		return
	}
	right, okR := m.pop()
	left, okL := m.pop()
	switch {
	case !okR || !okL:
		m.disable()
	case left.kind == anNext && right.kind == anNext && left.iter == right.iter:
		m.push(left)
	case left.kind == anNext:
		m.push(anEntry{kind: anMerging})
		if m.pending == nil {
			m.pending = map[string]span{}
		}
		if _, ok := m.pending[left.iter]; !ok {
			m.pending[left.iter] = at
		}
	case right.kind == anNext:
		m.push(right)
	default:
		m.push(anEntry{kind: anMerging})
	}
}

func (m *afterNext) xoring(span) {
	if m.disabled {
		return
	}
	right, okR := m.pop()
	left, okL := m.pop()
	switch {
	case !okR || !okL:
		m.disable()
	case left.kind == anNext && right.kind == anNext:
		m.disable() // which branch runs last cannot be told
	case left.kind == anNext:
		m.push(left)
	case right.kind == anNext:
		m.push(right)
	default:
		m.push(anEntry{kind: anXoring})
	}
}

func (m *afterNext) replacing(span) {
	if m.disabled {
		return
	}
	child, ok := m.pop()
	switch {
	case !ok:
		m.disable()
	case child.kind == anNext:
		m.push(child)
	default:
		m.push(anEntry{kind: anReplacing})
	}
}

func (m *afterNext) fold(_ span, iter string, stream, hasLast bool) {
	if m.disabled {
		return
	}
	if !stream {
		m.pop()
		kind := anPop1
		if hasLast {
			m.pop()
			kind = anPop2
		}
		m.push(anEntry{kind: kind})
		return
	}
	kind := anCheck
	if hasLast {
		m.pop()
		kind = anPopCheck
	}
	child, ok := m.pop()
	if !ok {
		m.disabled = true // as the reference: stop, without clearing the stack
		return
	}
	if s, bad := m.pending[iter]; bad {
		m.malformed = append(m.malformed, s)
	}
	switch {
	case child.kind == anNext && child.iter == iter:
		delete(m.pending, iter)
		m.push(anEntry{kind: anSimple})
	case child.kind == anNext:
		m.push(child)
	default:
		m.push(anEntry{kind: kind, iter: iter})
	}
}
