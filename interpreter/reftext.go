package interpreter

import (
	"strconv"
	"strings"

	"github.com/aquanet/aquanet/interpreter/air"
)

// refText renders an instruction the way the reference's Display does, because that text is
// part of error objects (the "instruction" field of %last_error% and :error:) that scripts see
// and peers hash.
func refText(in air.Instr) string {
	switch in := in.(type) {
	case *air.Call:
		args := make([]string, len(in.Args))
		for i, a := range in.Args {
			args[i] = refValue(a)
		}
		out := ""
		if in.Output != nil {
			out = in.Output.Name
		}
		return "call " + refValue(in.Peer) + " (" + refValue(in.Service) + " " + refValue(in.Function) + ") [" + strings.Join(args, " ") + "] " + out
	case *air.Canon:
		return "canon " + refValue(in.Peer) + " " + in.Src.Name + " " + in.Dst.Name
	case *air.Ap:
		return "ap " + refValue(in.Arg) + " " + in.Dst.Name
	case *air.ApMap:
		return "ap (" + refValue(in.Key) + " " + refValue(in.Value) + ") " + in.Map.Name
	case *air.Seq:
		return "seq"
	case *air.Par:
		return "par"
	case *air.Xor:
		return "xor"
	case *air.Null:
		return "null"
	case *air.Never:
		return "never"
	case *air.Match:
		if in.Mismatch {
			return "mismatch " + refValue(in.Left) + " " + refValue(in.Right)
		}
		return "match " + refValue(in.Left) + " " + refValue(in.Right)
	case *air.Fail:
		if in.Code != nil {
			return "fail " + strconv.FormatInt(in.Code.Int, 10) + ` "` + in.Message.Value + `"`
		}
		return "fail " + refValue(in.Value)
	case *air.Fold:
		return "fold " + refValue(in.Iterable) + " " + in.Iterator.Name
	case *air.Next:
		return "next " + in.Iterator.Name
	case *air.New:
		return "new " + in.Var.Name
	}
	return "?"
}

func refValue(v air.Value) string {
	switch v := v.(type) {
	case *air.String:
		return `"` + v.Value + `"`
	case *air.Number:
		if v.IsFloat {
			return strconv.FormatFloat(v.Float, 'f', -1, 64) // Rust's Display for f64
		}
		return strconv.FormatInt(v.Int, 10)
	case *air.Bool:
		return strconv.FormatBool(v.Value)
	case *air.EmptyArray:
		return "[]"
	case *air.Special:
		if v.Lens != nil {
			return v.Kind.String() + refLens(v.Lens)
		}
		return v.Kind.String()
	case *air.Var:
		if v.Lens != nil {
			return v.Name + refLens(v.Lens)
		}
		return v.Name
	}
	return "?"
}

// refLens renders a lens as the reference does: flattening signs are dropped.
func refLens(l *air.Lens) string {
	if l.Length {
		return ".length"
	}
	parts := make([]string, len(l.Path))
	for i, s := range l.Path {
		switch s.Kind {
		case air.IndexStep:
			parts[i] = "[" + strconv.FormatUint(uint64(s.Index), 10) + "]"
		case air.ScalarStep:
			parts[i] = "[" + s.Field + "]"
		default:
			parts[i] = s.Field
		}
	}
	return ".$." + strings.Join(parts, ".")
}
