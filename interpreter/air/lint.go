package air

import "fmt"

// Lint returns what a valid script very likely does not mean, sorted by position: a script Check
// accepts and the interpreter runs, but in a way its author rarely wants. It finds:
//   - a variable read where none of the values it was given is visible any more: every
//     instruction before it that sets it (call output, ap, canon, or a fold's iterator) is inside
//     a fold, or a new of that name, that has ended where it is read. A fold's scalars and canon
//     streams end with it (AIR.md §2.3); the reference's validator counts any earlier definition,
//     scope or not, so the script is valid, and the instruction that reads the variable waits for
//     it (AIR's join) until the particle's TTL ends, with no error.
//
// Streams are left alone: their values outlive folds.
func Lint(root Instr) ErrorList {
	l := &linter{news: map[string][]*scope{}, visible: map[string]int{}, ended: map[string]*scope{}}
	l.walk(root)
	l.warns.sort()
	return l.warns
}

// scope is an instruction whose variables end with it: a fold (every scalar and canon set in
// it), or a new (its variable).
type scope struct {
	pos   Pos
	depth int      // its place on the walk's stack of scopes, from 1
	new   *New     // nil for a fold
	names []string // the variables defined in it, with it their scope
}

// The linter walks the tree once, in text order, keeping for each variable how many of its
// definitions are still visible (made outside any scope, or in a scope the walk is still in)
// and the last scope that ended the others: a read with none visible and such a scope is the
// warning. Every step is O(1), so a script of a million definitions and reads costs a walk.
type linter struct {
	depth   int                 // the scopes the walk is in
	fold    *scope              // the innermost fold the walk is in, nil if none
	news    map[string][]*scope // the news the walk is in, by variable, innermost last
	visible map[string]int      // the definitions of each variable visible here
	ended   map[string]*scope   // the scope that ended a definition of each variable last
	warns   ErrorList
}

func (l *linter) define(v *Var) {
	if v == nil || v.Kind == StreamVar || v.Kind == StreamMapVar {
		return
	}
	in := l.fold
	if ns := l.news[v.Name]; len(ns) > 0 && (in == nil || ns[len(ns)-1].depth > in.depth) {
		in = ns[len(ns)-1]
	}
	l.visible[v.Name]++
	if in != nil {
		in.names = append(in.names, v.Name)
	}
}

// end ends scope s: its definitions are no longer visible.
func (l *linter) end(s *scope) {
	for _, name := range s.names {
		l.visible[name]--
		l.ended[name] = s
	}
	l.depth--
}

// use checks the variables a value reads.
func (l *linter) use(v Value) { eachRead(v, l.need) }

func (l *linter) need(name string, pos Pos) {
	s := l.ended[name]
	if l.visible[name] > 0 || s == nil {
		return // visible, or never defined (Check's error, not a warning)
	}
	what := fmt.Sprintf("the fold at %s", s.pos)
	if s.new != nil {
		what = fmt.Sprintf("(new %s ...) at %s", name, s.pos)
	}
	l.warns.add(pos, "%s is set only inside %s, and its value ends with it: here %s is never set, so this instruction waits for it until the particle's TTL ends (AIR's join); set it outside, or read it inside", name, what, name)
}

func (l *linter) walk(in Instr) {
	switch in := in.(type) {
	case *Call:
		l.use(in.Peer)
		l.use(in.Service)
		l.use(in.Function)
		for _, a := range in.Args {
			l.use(a)
		}
		l.define(in.Output)
	case *Canon:
		l.use(in.Peer)
		l.define(in.Dst)
	case *Ap:
		l.use(in.Arg)
		l.define(in.Dst)
	case *ApMap:
		l.use(in.Key)
		l.use(in.Value)
	case *Fail:
		if in.Value != nil {
			l.use(in.Value)
		}
	case *Seq:
		l.walk(in.Left)
		l.walk(in.Right)
	case *Par:
		l.walk(in.Left)
		l.walk(in.Right)
	case *Xor:
		l.walk(in.Left)
		l.walk(in.Right)
	case *Match:
		l.use(in.Left)
		l.use(in.Right)
		l.walk(in.Body)
	case *New:
		l.depth++
		s := &scope{pos: in.Pos(), depth: l.depth, new: in}
		name := in.Var.Name
		l.news[name] = append(l.news[name], s)
		l.define(in.Var)
		l.walk(in.Body)
		l.news[name] = l.news[name][:len(l.news[name])-1]
		l.end(s)
	case *Fold:
		l.use(in.Iterable)
		l.depth++
		s, outer := &scope{pos: in.Pos(), depth: l.depth}, l.fold
		l.fold = s
		l.define(in.Iterator)
		l.walk(in.Body)
		if in.Last != nil {
			l.walk(in.Last)
		}
		l.fold = outer
		l.end(s)
	}
}
