package air

import "strings"

// Node is any part of a parsed script. Pos is where it starts; End is just past its last byte.
type Node interface {
	Pos() Pos
	End() Pos
}

// Instr is an instruction: one of *Call, *Seq, *Par, *Xor, *Null, *Never, *Fail, *Match,
// *Fold, *Next, *New, *Ap, *ApMap, *Canon.
type Instr interface {
	Node
	instrNode()
}

// Value is an argument: one of *Var, *String, *Number, *Bool, *EmptyArray, *Special.
type Value interface {
	Node
	valueNode()
}

// Parens holds the positions of an instruction's opening and closing parentheses.
type Parens struct {
	Lparen, Rparen Pos
}

// Pos returns the position of the opening parenthesis.
func (p Parens) Pos() Pos { return p.Lparen }

// End returns the position just after the closing parenthesis.
func (p Parens) End() Pos { return p.Rparen.add(1) }

// Call is (call PEER (SERVICE FUNCTION) [ARGS...] OUTPUT?).
type Call struct {
	Parens
	Peer     Value   // *Special (InitPeerID), *String, or *Var (scalar, canon or canon map; lens allowed)
	Service  Value   // *String or *Var
	Function Value   // *String or *Var
	Args     []Value // any Value but streams and stream maps
	Output   *Var    // a scalar or a stream; nil when the result is not kept
}

// Seq is (seq LEFT RIGHT): RIGHT runs once LEFT is complete.
type Seq struct {
	Parens
	Left, Right Instr
}

// Par is (par LEFT RIGHT): both run.
type Par struct {
	Parens
	Left, Right Instr
}

// Xor is (xor LEFT RIGHT): RIGHT runs when LEFT raised a catchable error.
type Xor struct {
	Parens
	Left, Right Instr
}

// Null is (null), which does nothing.
type Null struct{ Parens }

// Never is (never), which never completes.
type Never struct{ Parens }

// Fail is (fail CODE "MESSAGE") or (fail VALUE). With a literal code Code and Message are set and
// Value is nil; otherwise Value is a scalar (lens allowed), a canon stream with a lens, or the
// special %last_error% or :error: (without a lens).
type Fail struct {
	Parens
	Code    *Number // an integer; nil unless the literal form
	Message *String // nil unless the literal form
	Value   Value   // nil in the literal form
}

// Match is (match LEFT RIGHT BODY), or (mismatch LEFT RIGHT BODY) when Mismatch is set.
type Match struct {
	Parens
	Mismatch    bool
	Left, Right Value
	Body        Instr
}

// Fold is (fold ITERABLE ITERATOR BODY LAST?).
type Fold struct {
	Parens
	Iterable Value // *Var (scalar, canon, canon map, stream or stream map) or *EmptyArray
	Iterator *Var  // a scalar without a lens
	Body     Instr
	Last     Instr // nil when absent
}

// IsStreamFold reports whether the fold iterates over a stream or a stream map, which changes
// both its execution and the rules the validator applies to it.
func (f *Fold) IsStreamFold() bool {
	v, ok := f.Iterable.(*Var)
	return ok && (v.Kind == StreamVar || v.Kind == StreamMapVar)
}

// Next is (next ITERATOR).
type Next struct {
	Parens
	Iterator *Var
}

// New is (new VAR BODY): VAR is a scalar, stream, stream map, canon stream or canon stream map,
// without a lens.
type New struct {
	Parens
	Var  *Var
	Body Instr
}

// Ap is (ap ARG DST): DST is a scalar or a stream.
type Ap struct {
	Parens
	Arg Value
	Dst *Var
}

// ApMap is (ap (KEY VALUE) MAP): KEY is a string, an integer, a scalar (lens allowed) or a canon
// stream with a lens; MAP is a stream map.
type ApMap struct {
	Parens
	Key, Value Value
	Map        *Var
}

// Canon is (canon PEER SRC DST): a stream into a canon stream, a stream map into a canon stream
// map, or a stream map into a scalar.
type Canon struct {
	Parens
	Peer Value
	Src  *Var // a stream or a stream map
	Dst  *Var // a canon stream, a canon stream map, or a scalar
}

func (*Call) instrNode()  {}
func (*Seq) instrNode()   {}
func (*Par) instrNode()   {}
func (*Xor) instrNode()   {}
func (*Null) instrNode()  {}
func (*Never) instrNode() {}
func (*Fail) instrNode()  {}
func (*Match) instrNode() {}
func (*Fold) instrNode()  {}
func (*Next) instrNode()  {}
func (*New) instrNode()   {}
func (*Ap) instrNode()    {}
func (*ApMap) instrNode() {}
func (*Canon) instrNode() {}

// VarKind is the kind of a variable, given by its name's tag.
type VarKind uint8

const (
	ScalarVar      VarKind = iota // name
	StreamVar                     // $name
	StreamMapVar                  // %name
	CanonStreamVar                // #name or #$name
	CanonMapVar                   // #%name
)

func (k VarKind) String() string {
	return [...]string{"scalar", "stream", "stream map", "canon stream", "canon stream map"}[k]
}

// Var is a variable, optionally with a lens. Name includes the tag characters: $s and s are
// different variables, and so are #s and #$s.
type Var struct {
	NamePos Pos
	Name    string
	Kind    VarKind
	Lens    *Lens // nil when absent
}

func (v *Var) Pos() Pos { return v.NamePos }
func (v *Var) End() Pos { return v.NamePos.add(len(v.Name) + v.Lens.len()) }

// Lens reads part of a value: the .length functor, or a path .$.field.[0].[scalar].
type Lens struct {
	Raw     string // the lens as written, from its first dot, including a trailing "!"
	Length  bool   // the .length functor; Path is empty
	Path    []Step
	Flatten bool // a "!" after the last step (accepted and ignored by the reference)
}

func (l *Lens) len() int {
	if l == nil {
		return 0
	}
	return len(l.Raw)
}

// String returns the lens in canonical form.
func (l *Lens) String() string {
	if l.Length {
		return ".length"
	}
	var b strings.Builder
	b.WriteString(".$")
	for _, s := range l.Path {
		switch s.Kind {
		case FieldStep:
			b.WriteString(".")
			b.WriteString(s.Field)
		case IndexStep:
			b.WriteString(".[")
			b.WriteString(uitoa(s.Index))
			b.WriteString("]")
		case ScalarStep:
			b.WriteString(".[")
			b.WriteString(s.Field)
			b.WriteString("]")
		}
		if s.Flatten {
			b.WriteString("!")
		}
	}
	return b.String()
}

// StepKind is the kind of a lens step.
type StepKind uint8

const (
	FieldStep  StepKind = iota // .name
	IndexStep                  // .[0]
	ScalarStep                 // .[name]: the value of scalar name, as an index or a field
)

// Step is one step of a lens path.
type Step struct {
	Kind    StepKind
	Field   string // the field name (FieldStep) or the scalar's name (ScalarStep)
	Index   uint32 // IndexStep
	Flatten bool   // followed by "!"; only error lenses can have one before the last step
}

// String is a string literal. AIR strings have no escapes.
type String struct {
	ValuePos Pos
	Value    string
	EndPos   Pos // just past the closing quote (a literal may span lines)
}

func (s *String) Pos() Pos { return s.ValuePos }
func (s *String) End() Pos { return s.EndPos }

// Number is an integer (i64) or a float (f64) literal.
type Number struct {
	ValuePos Pos
	Raw      string // as written
	IsFloat  bool
	Int      int64
	Float    float64
}

func (n *Number) Pos() Pos { return n.ValuePos }
func (n *Number) End() Pos { return n.ValuePos.add(len(n.Raw)) }

// Bool is true or false.
type Bool struct {
	ValuePos Pos
	Value    bool
}

func (b *Bool) Pos() Pos { return b.ValuePos }
func (b *Bool) End() Pos {
	if b.Value {
		return b.ValuePos.add(4)
	}
	return b.ValuePos.add(5)
}

// EmptyArray is [], the only array literal AIR has.
type EmptyArray struct {
	Lbrack, Rbrack Pos
}

func (a *EmptyArray) Pos() Pos { return a.Lbrack }
func (a *EmptyArray) End() Pos { return a.Rbrack.add(1) }

// SpecialKind names a special value.
type SpecialKind uint8

const (
	InitPeerID SpecialKind = iota // %init_peer_id%
	Timestamp                     // %timestamp%
	TTL                           // %ttl%
	LastError                     // %last_error%
	ErrorValue                    // :error:
)

var specialNames = [...]string{"%init_peer_id%", "%timestamp%", "%ttl%", "%last_error%", ":error:"}

func (k SpecialKind) String() string { return specialNames[k] }

// Special is a special value; only %last_error% and :error: can carry a lens.
type Special struct {
	ValuePos Pos
	Kind     SpecialKind
	Lens     *Lens
}

func (s *Special) Pos() Pos { return s.ValuePos }
func (s *Special) End() Pos { return s.ValuePos.add(len(specialNames[s.Kind]) + s.Lens.len()) }

func (*Var) valueNode()        {}
func (*String) valueNode()     {}
func (*Number) valueNode()     {}
func (*Bool) valueNode()       {}
func (*EmptyArray) valueNode() {}
func (*Special) valueNode()    {}

func uitoa(v uint32) string {
	var buf [10]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(buf[i:])
		}
	}
}
