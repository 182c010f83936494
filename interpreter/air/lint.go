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
	l := &linter{defs: map[string][]scopedDef{}}
	l.walk(root)
	l.warns.sort()
	return l.warns
}

// scope is an instruction whose variables end with it: a fold (every scalar and canon set in
// it), or a new (its variable).
type scope struct {
	span span
	fold *Fold
	new  *New
}

// scopedDef is a definition of a variable, and the innermost scope it ends with (nil: the
// script's end).
type scopedDef struct{ in *scope }

type linter struct {
	scopes []*scope               // the folds and news enclosing the walk, innermost last
	defs   map[string][]scopedDef // the definitions met so far, by name
	warns  ErrorList
}

func (l *linter) define(v *Var) {
	if v == nil || v.Kind == StreamVar || v.Kind == StreamMapVar {
		return
	}
	var in *scope
	for i := len(l.scopes) - 1; i >= 0; i-- {
		s := l.scopes[i]
		if s.fold != nil || s.new.Var.Name == v.Name {
			in = s
			break
		}
	}
	l.defs[v.Name] = append(l.defs[v.Name], scopedDef{in})
}

// use checks the variables a value reads.
func (l *linter) use(v Value) { eachRead(v, l.need) }

func (l *linter) need(name string, pos Pos) {
	defs := l.defs[name]
	if len(defs) == 0 {
		return // undefined: Check's error, not a warning
	}
	at := int(pos.Offset)
	for _, d := range defs {
		if d.in == nil || d.in.span.left <= at && at < d.in.span.right {
			return
		}
	}
	last := defs[len(defs)-1].in
	what := fmt.Sprintf("the fold at %s", last.span.pos)
	if last.new != nil {
		what = fmt.Sprintf("(new %s ...) at %s", name, last.span.pos)
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
		l.scopes = append(l.scopes, &scope{span: spanOf(in), new: in})
		l.define(in.Var)
		l.walk(in.Body)
		l.scopes = l.scopes[:len(l.scopes)-1]
	case *Fold:
		l.use(in.Iterable)
		l.scopes = append(l.scopes, &scope{span: spanOf(in), fold: in})
		l.define(in.Iterator)
		l.walk(in.Body)
		if in.Last != nil {
			l.walk(in.Last)
		}
		l.scopes = l.scopes[:len(l.scopes)-1]
	}
}
