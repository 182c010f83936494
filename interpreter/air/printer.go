package air

import "strings"

// MaxLineWidth is the width past which the printer breaks a call's arguments over several lines.
const MaxLineWidth = 100

// Format returns the canonical text of s: one instruction per line, indented by two spaces per
// level, closing parentheses at the end of the last line of the instruction they close, values
// on the line of their instruction, and a call's arguments one per line only when the call does
// not fit in MaxLineWidth columns. Comments are kept: a comment on a line of its own stays on a
// line of its own before what followed it, and a comment after code stays after that code.
// Format(Parse(Format(s))) == Format(s), and parsing Format(s) gives s's tree again.
func Format(s *Script) string {
	p := &printer{comments: s.Comments, atLineStart: true}
	p.instr(s.Root, 0)
	p.flushComments(int(^uint(0)>>1), 0)
	p.buf.WriteByte('\n')
	return p.buf.String()
}

// FormatInstr returns the canonical text of one instruction (without comments, without a final
// newline).
func FormatInstr(in Instr) string {
	p := &printer{atLineStart: true}
	p.instr(in, 0)
	return p.buf.String()
}

type printer struct {
	buf      strings.Builder
	comments []Comment

	atLineStart   bool  // nothing written on the current output line yet
	lineIsComment bool  // the current output line ends in a comment: code may not follow
	lastLine      int32 // source line where the last printed code ended
}

// newline starts a new output line indented by depth levels.
func (p *printer) newline(depth int) {
	if !p.atLineStart || p.lineIsComment {
		p.buf.WriteByte('\n')
	}
	for range depth {
		p.buf.WriteString("  ")
	}
	p.atLineStart = false
	p.lineIsComment = false
}

func (p *printer) write(s string) {
	p.buf.WriteString(s)
	p.atLineStart = false
}

// flushComments prints the comments that come before source offset off: a comment on the line
// where the last printed code ended goes after that code, any other on a line of its own.
func (p *printer) flushComments(off, depth int) {
	for len(p.comments) > 0 && int(p.comments[0].Pos.Offset) < off {
		c := p.comments[0]
		p.comments = p.comments[1:]
		if c.Pos.Line == p.lastLine && !p.atLineStart && !p.lineIsComment {
			p.write(" ")
		} else {
			p.newline(depth)
		}
		p.write(c.Text)
		p.lineIsComment = true
	}
}

// closeParen writes the ")" of an instruction at depth, on a new line when the current one ends
// in a comment.
func (p *printer) closeParen(in Instr, depth int) {
	p.flushComments(int(in.End().Offset)-1, depth+1)
	if p.lineIsComment {
		p.newline(depth)
	}
	p.write(")")
	p.lastLine = in.End().Line
}

func (p *printer) instr(in Instr, depth int) {
	p.flushComments(int(in.Pos().Offset), depth)
	p.newline(depth)
	switch in := in.(type) {
	case *Seq:
		p.compound(in, depth, "(seq", in.Left, in.Right)
	case *Par:
		p.compound(in, depth, "(par", in.Left, in.Right)
	case *Xor:
		p.compound(in, depth, "(xor", in.Left, in.Right)
	case *Match:
		head := "(match "
		if in.Mismatch {
			head = "(mismatch "
		}
		p.compound(in, depth, head+valueText(in.Left)+" "+valueText(in.Right), in.Body)
	case *Fold:
		head := "(fold " + valueText(in.Iterable) + " " + in.Iterator.Name
		if in.Last != nil {
			p.compound(in, depth, head, in.Body, in.Last)
		} else {
			p.compound(in, depth, head, in.Body)
		}
	case *New:
		p.compound(in, depth, "(new "+valueText(in.Var), in.Body)
	case *Call:
		p.call(in, depth)
	default:
		p.write(leafText(in))
		p.lastLine = in.End().Line
	}
}

func (p *printer) compound(in Instr, depth int, head string, children ...Instr) {
	p.write(head)
	p.lastLine = in.Pos().Line
	for _, c := range children {
		p.instr(c, depth+1)
	}
	p.closeParen(in, depth)
}

func (p *printer) call(c *Call, depth int) {
	head := "(call " + valueText(c.Peer) + " (" + valueText(c.Service) + " " + valueText(c.Function) + ") ["
	tail := "]"
	if c.Output != nil {
		tail += " " + c.Output.Name
	}
	tail += ")"
	args := make([]string, len(c.Args))
	width := 2*depth + len(head) + len(tail)
	for i, a := range c.Args {
		args[i] = valueText(a)
		width += len(args[i]) + 1
	}
	if width <= MaxLineWidth || len(args) == 0 {
		p.write(head + strings.Join(args, " ") + tail)
		p.lastLine = c.End().Line
		return
	}
	p.write(head)
	for _, a := range args {
		p.newline(depth + 1)
		p.write(a)
	}
	p.newline(depth)
	p.write(tail)
	p.lastLine = c.End().Line
}

// leafText is the one-line text of an instruction without sub-instructions.
func leafText(in Instr) string {
	switch in := in.(type) {
	case *Null:
		return "(null)"
	case *Never:
		return "(never)"
	case *Next:
		return "(next " + in.Iterator.Name + ")"
	case *Fail:
		if in.Code != nil {
			return "(fail " + in.Code.Raw + " " + valueText(in.Message) + ")"
		}
		return "(fail " + valueText(in.Value) + ")"
	case *Ap:
		return "(ap " + valueText(in.Arg) + " " + in.Dst.Name + ")"
	case *ApMap:
		return "(ap (" + valueText(in.Key) + " " + valueText(in.Value) + ") " + in.Map.Name + ")"
	case *Canon:
		return "(canon " + valueText(in.Peer) + " " + in.Src.Name + " " + in.Dst.Name + ")"
	}
	return "(?)"
}

// valueText is the canonical text of a value.
func valueText(v Value) string {
	switch v := v.(type) {
	case *Var:
		if v.Lens != nil {
			return v.Name + v.Lens.String()
		}
		return v.Name
	case *String:
		return `"` + v.Value + `"`
	case *Number:
		return v.Raw
	case *Bool:
		if v.Value {
			return "true"
		}
		return "false"
	case *EmptyArray:
		return "[]"
	case *Special:
		if v.Lens != nil {
			return v.Kind.String() + v.Lens.String()
		}
		return v.Kind.String()
	}
	return "?"
}
