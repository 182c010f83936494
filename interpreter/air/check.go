package air

import "sort"

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
	c := &checker{defs: map[string]int{}, folds: map[string][]span{}}
	c.walk(root)
	c.finish()
	c.errs.sort()
	return c.errs
}

// span is the extent of an instruction, as byte offsets, and where it starts.
type span struct {
	left, right int
	pos         Pos
}

func spanOf(n Node) span { return span{n.Pos().Offset, n.End().Offset, n.Pos()} }

// contains reports whether o lies strictly inside s.
func (s span) contains(o span) bool {
	return s.left < o.left && o.left < s.right && s.left < o.right && o.right < s.right
}

type use struct {
	name string
	at   span // the instruction the use is in
	pos  Pos  // the use itself
}

type checker struct {
	defs  map[string]int    // variable -> start of the leftmost instruction defining it
	folds map[string][]span // iterator -> the folds defining it
	uses  []use
	nexts []use
	news  []use
	errs  ErrorList
	m     afterNext
}

func (c *checker) define(name string, in Node) {
	l := in.Pos().Offset
	if old, ok := c.defs[name]; !ok || l < old {
		c.defs[name] = l
	}
}

// useValue records the variables a value reads: its own name and scalars in its lens.
func (c *checker) useValue(v Value, in Node) {
	if v, ok := v.(*Var); ok {
		at := spanOf(in)
		c.uses = append(c.uses, use{v.Name, at, v.NamePos})
		if v.Lens != nil {
			for _, s := range v.Lens.Path {
				if s.Kind == ScalarStep {
					c.uses = append(c.uses, use{s.Field, at, v.NamePos})
				}
			}
		}
	}
}

// walk visits the tree in the order the reference's bottom-up parser reduces it: children first,
// left to right. The after-next check depends on that order.
func (c *checker) walk(in Instr) {
	switch in := in.(type) {
	case *Call:
		c.useValue(in.Peer, in)
		c.useValue(in.Service, in)
		c.useValue(in.Function, in)
		for _, a := range in.Args {
			c.useValue(a, in)
		}
		c.m.simple()
		if in.Output != nil {
			c.define(in.Output.Name, in)
		}
	case *Canon:
		c.define(in.Dst.Name, in)
		c.m.simple()
	case *Ap:
		c.useValue(in.Arg, in)
		c.define(in.Dst.Name, in)
		c.m.simple()
	case *ApMap:
		c.useValue(in.Key, in)
		c.define(in.Map.Name, in)
		c.m.simple()
	case *Fail:
		if in.Code != nil && !in.Code.IsFloat && in.Code.Int == 0 {
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
		c.walk(in.Body)
		c.useValue(in.Left, in)
		c.useValue(in.Right, in)
		c.m.replacing(spanOf(in))
	case *New:
		c.walk(in.Body)
		c.news = append(c.news, use{in.Var.Name, spanOf(in), in.Var.NamePos})
		c.define(in.Var.Name, in)
		c.m.replacing(spanOf(in))
	case *Next:
		c.nexts = append(c.nexts, use{in.Iterator.Name, spanOf(in), in.Iterator.NamePos})
		c.m.next(in.Iterator.Name)
	case *Fold:
		c.walk(in.Body)
		if in.Last != nil {
			c.walk(in.Last)
		}
		c.useValue(in.Iterable, in)
		sp := spanOf(in)
		c.folds[in.Iterator.Name] = append(c.folds[in.Iterator.Name], sp)
		c.m.fold(sp, in.Iterator.Name, in.IsStreamFold(), in.Last != nil)
	}
}

// defined reports whether name is defined by an instruction that starts before the one at.
func (c *checker) defined(name string, at span) bool {
	if l, ok := c.defs[name]; ok && l < at.left {
		return true
	}
	for _, f := range c.folds[name] {
		if f.left < at.left {
			return true
		}
	}
	return false
}

// enclosingFold returns the innermost fold over iterator name that contains at.
func (c *checker) enclosingFold(name string, at span) (span, bool) {
	var best span
	found := false
	for _, f := range c.folds[name] { // sorted by start: the last match is the innermost
		if f.contains(at) {
			best, found = f, true
		}
	}
	return best, found
}

func (c *checker) finish() {
	for _, spans := range c.folds {
		sort.Slice(spans, func(i, j int) bool { return spans[i].left < spans[j].left })
	}
	for _, u := range c.uses {
		if !c.defined(u.name, u.at) {
			c.errs.add(u.pos, "variable %s is not defined: no call, ap, canon, new or fold before this instruction defines it", u.name)
		}
	}
	seen := map[span]bool{}
	for _, n := range c.nexts {
		f, ok := c.enclosingFold(n.name, n.at)
		switch {
		case !ok:
			c.errs.add(n.pos, "next %s is not inside a fold with iterator %s", n.name, n.name)
		case seen[f]:
			c.errs.add(n.pos, "a second next %s in the same fold: a fold has at most one next per iterator", n.name)
		default:
			seen[f] = true
		}
	}
	for _, n := range c.news {
		if _, ok := c.enclosingFold(n.name, n.at); ok {
			c.errs.add(n.pos, "new %s inside a fold with iterator %s: an iterator cannot be redefined", n.name, n.name)
		}
	}
	for name, spans := range c.folds {
		var prev span
		has := false
		for _, s := range spans {
			if has && prev.contains(s) {
				c.errs.add(s.pos, "fold iterator %s is already the iterator of an enclosing fold: use another name", name)
				continue
			}
			prev, has = s, true
		}
	}
	for _, s := range c.m.malformed {
		c.errs.add(s.pos, "a fold over a stream or stream map cannot have instructions after next")
	}
}
