package air

// Check runs the reference validator's checks on a parsed script and returns every problem, sorted
// by position:
//   - a variable used before any instruction earlier in the script defines it (by call output,
//     ap, canon, new, or as a fold iterator). As in the reference, "earlier" means the defining
//     instruction starts earlier in the text; scopes are not considered;
//   - next outside a fold over its iterator, and two nexts for one fold;
//   - a fold nested in a fold with the same iterator name;
//   - new on a name that is the iterator of an enclosing fold;
//   - (fail 0 ...): error code 0 means success;
//   - an instruction after next in a fold over a stream or stream map.
//
// Some places are not checked, because the reference does not check them: the peer and stream of
// canon, the value of (ap (k v) %map), the argument of fail, and scalars inside the lenses of
// %last_error% and :error:.
func Check(root Instr) ErrorList {
	c := &checker{defined: make(map[string]bool, 64), active: map[string][]activeFold{}}
	c.walk(root)
	for _, s := range c.m.malformed {
		c.errs.add(s.pos, "a fold over a stream or stream map cannot have instructions after next")
	}
	c.errs.sort()
	return c.errs
}

// span is the extent of an instruction, as byte offsets, and where it starts.
type span struct {
	left, right int
	pos         Pos
}

func spanOf(n Node) span { return span{int(n.Pos().Offset), int(n.End().Offset), n.Pos()} }

// The checker walks the tree once. Before an instruction's children it checks the instruction's
// own uses and records its definitions: in this pre-order walk, the definitions recorded so far
// are exactly those of instructions that start earlier in the text, which is the reference's
// rule. The folds on the walk's path are the folds that enclose the instruction, which is what
// next and new are checked against. After the children it feeds the after-next machine, which
// needs the instructions bottom-up.
type checker struct {
	defined map[string]bool         // names defined by the instructions visited so far
	active  map[string][]activeFold // iterator -> the folds over it enclosing the walk, innermost last
	errs    ErrorList
	m       afterNext
}

type activeFold struct{ nextSeen bool }

// use checks the variables a value reads.
func (c *checker) use(v Value) { eachRead(v, c.need) }

// eachRead calls f with each variable v reads: its own name and the scalars in its lens, each
// at the position of v's name.
func eachRead(v Value, f func(name string, pos Pos)) {
	x, ok := v.(*Var)
	if !ok {
		return
	}
	f(x.Name, x.NamePos)
	if x.Lens != nil {
		for _, s := range x.Lens.Path {
			if s.Kind == ScalarStep {
				f(s.Field, x.NamePos)
			}
		}
	}
}

func (c *checker) need(name string, pos Pos) {
	if !c.defined[name] {
		c.errs.add(pos, "variable %s is not defined: no call, ap, canon, new or fold before this instruction defines it", name)
	}
}

func (c *checker) walk(in Instr) {
	switch in := in.(type) {
	case *Call:
		c.use(in.Peer)
		c.use(in.Service)
		c.use(in.Function)
		for _, a := range in.Args {
			c.use(a)
		}
		if in.Output != nil {
			c.defined[in.Output.Name] = true
		}
		c.m.simple()
	case *Canon:
		c.defined[in.Dst.Name] = true
		c.m.simple()
	case *Ap:
		c.use(in.Arg)
		c.defined[in.Dst.Name] = true
		c.m.simple()
	case *ApMap:
		c.use(in.Key)
		c.defined[in.Map.Name] = true
		c.m.simple()
	case *Fail:
		if in.Code != nil && in.Code.Int == 0 {
			c.errs.add(in.Code.ValuePos, "fail with error code 0: 0 means success, use another code")
		}
		c.m.simple()
	case *Null, *Never:
		c.m.simple()
	case *Seq:
		c.walk(in.Left)
		c.walk(in.Right)
		c.m.merging(spanOf(in))
	case *Par:
		c.walk(in.Left)
		c.walk(in.Right)
		c.m.merging(spanOf(in))
	case *Xor:
		c.walk(in.Left)
		c.walk(in.Right)
		c.m.xoring(spanOf(in))
	case *Match:
		c.use(in.Left)
		c.use(in.Right)
		c.walk(in.Body)
		c.m.replacing(spanOf(in))
	case *New:
		if len(c.active[in.Var.Name]) > 0 {
			c.errs.add(in.Var.NamePos, "new %s inside a fold with iterator %s: an iterator cannot be redefined", in.Var.Name, in.Var.Name)
		}
		c.defined[in.Var.Name] = true
		c.walk(in.Body)
		c.m.replacing(spanOf(in))
	case *Next:
		name := in.Iterator.Name
		folds := c.active[name]
		switch {
		case len(folds) == 0:
			c.errs.add(in.Iterator.NamePos, "next %s is not inside a fold with iterator %s", name, name)
		case folds[len(folds)-1].nextSeen:
			c.errs.add(in.Iterator.NamePos, "a second next %s in the same fold: a fold has at most one next per iterator", name)
		default:
			folds[len(folds)-1].nextSeen = true
		}
		c.m.next(name)
	case *Fold:
		c.use(in.Iterable)
		name := in.Iterator.Name
		if len(c.active[name]) > 0 {
			c.errs.add(in.Pos(), "fold iterator %s is already the iterator of an enclosing fold: use another name", name)
		}
		c.defined[name] = true
		c.active[name] = append(c.active[name], activeFold{})
		c.walk(in.Body)
		if in.Last != nil {
			c.walk(in.Last)
		}
		c.active[name] = c.active[name][:len(c.active[name])-1]
		c.m.fold(spanOf(in), name, in.IsStreamFold(), in.Last != nil)
	}
}
