package air

import (
	"fmt"
	"strings"
)

// dump renders a tree for the testdata files: one node per line, indented by depth, with
// positions unless withPos is false (which is how round trips compare trees).
func dump(in Instr, withPos bool) string {
	var b strings.Builder
	d := dumper{b: &b, pos: withPos}
	d.instr(in, 0, "")
	return b.String()
}

type dumper struct {
	b   *strings.Builder
	pos bool
}

func (d dumper) line(depth int, label, text string, n Node) {
	d.b.WriteString(strings.Repeat("  ", depth))
	if label != "" {
		d.b.WriteString(label + ": ")
	}
	d.b.WriteString(text)
	if d.pos && n != nil {
		fmt.Fprintf(d.b, " @%s-%s", n.Pos(), n.End())
	}
	d.b.WriteString("\n")
}

func (d dumper) instr(in Instr, depth int, label string) {
	switch in := in.(type) {
	case *Call:
		d.line(depth, label, "call", in)
		d.value(in.Peer, depth+1, "peer")
		d.value(in.Service, depth+1, "service")
		d.value(in.Function, depth+1, "function")
		for _, a := range in.Args {
			d.value(a, depth+1, "arg")
		}
		if in.Output != nil {
			d.value(in.Output, depth+1, "output")
		}
	case *Seq:
		d.line(depth, label, "seq", in)
		d.instr(in.Left, depth+1, "")
		d.instr(in.Right, depth+1, "")
	case *Par:
		d.line(depth, label, "par", in)
		d.instr(in.Left, depth+1, "")
		d.instr(in.Right, depth+1, "")
	case *Xor:
		d.line(depth, label, "xor", in)
		d.instr(in.Left, depth+1, "")
		d.instr(in.Right, depth+1, "")
	case *Null:
		d.line(depth, label, "null", in)
	case *Never:
		d.line(depth, label, "never", in)
	case *Fail:
		d.line(depth, label, "fail", in)
		if in.Code != nil {
			d.value(in.Code, depth+1, "code")
			d.value(in.Message, depth+1, "message")
		} else {
			d.value(in.Value, depth+1, "value")
		}
	case *Match:
		name := "match"
		if in.Mismatch {
			name = "mismatch"
		}
		d.line(depth, label, name, in)
		d.value(in.Left, depth+1, "left")
		d.value(in.Right, depth+1, "right")
		d.instr(in.Body, depth+1, "")
	case *Fold:
		d.line(depth, label, "fold", in)
		d.value(in.Iterable, depth+1, "iterable")
		d.value(in.Iterator, depth+1, "iterator")
		d.instr(in.Body, depth+1, "")
		if in.Last != nil {
			d.instr(in.Last, depth+1, "last")
		}
	case *Next:
		d.line(depth, label, "next", in)
		d.value(in.Iterator, depth+1, "iterator")
	case *New:
		d.line(depth, label, "new", in)
		d.value(in.Var, depth+1, "var")
		d.instr(in.Body, depth+1, "")
	case *Ap:
		d.line(depth, label, "ap", in)
		d.value(in.Arg, depth+1, "arg")
		d.value(in.Dst, depth+1, "dst")
	case *ApMap:
		d.line(depth, label, "ap map", in)
		d.value(in.Key, depth+1, "key")
		d.value(in.Value, depth+1, "value")
		d.value(in.Map, depth+1, "map")
	case *Canon:
		d.line(depth, label, "canon", in)
		d.value(in.Peer, depth+1, "peer")
		d.value(in.Src, depth+1, "src")
		d.value(in.Dst, depth+1, "dst")
	default:
		d.line(depth, label, fmt.Sprintf("?%T", in), nil)
	}
}

func (d dumper) value(v Value, depth int, label string) {
	var text string
	switch v := v.(type) {
	case *Var:
		text = v.Kind.String() + " " + v.Name + lensDump(v.Lens)
	case *String:
		text = fmt.Sprintf("string %q", v.Value)
	case *Number:
		if v.IsFloat {
			text = fmt.Sprintf("float %v", v.Float)
		} else {
			text = fmt.Sprintf("int %d", v.Int)
		}
	case *Bool:
		text = fmt.Sprintf("bool %v", v.Value)
	case *EmptyArray:
		text = "[]"
	case *Special:
		text = v.Kind.String() + lensDump(v.Lens)
	default:
		text = fmt.Sprintf("?%T", v)
	}
	d.line(depth, label, text, v)
}

func lensDump(l *Lens) string {
	if l == nil {
		return ""
	}
	return " lens " + l.String()
}
