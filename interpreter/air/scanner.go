package air

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// kind is a token kind.
type kind uint8

const (
	tEOF     kind = iota
	tIllegal      // a malformed token; the scanner has already reported it
	tLparen
	tRparen
	tLbrack
	tRbrack
	tString
	tInt
	tFloat
	tBool
	tSpecial // %init_peer_id% %timestamp% %ttl% %last_error% :error:
	tVar     // any variable, with or without a lens

	// keywords, in the order of keywords below
	tCall
	tCanon
	tAp
	tSeq
	tPar
	tFail
	tFold
	tXor
	tNever
	tNew
	tNext
	tNull
	tMatch
	tMismatch
)

var keywords = [...]string{"call", "canon", "ap", "seq", "par", "fail", "fold", "xor", "never", "new", "next", "null", "match", "mismatch"}

func (k kind) String() string {
	switch k {
	case tEOF:
		return "end of script"
	case tIllegal:
		return "malformed token"
	case tLparen:
		return "'('"
	case tRparen:
		return "')'"
	case tLbrack:
		return "'['"
	case tRbrack:
		return "']'"
	case tString:
		return "string"
	case tInt, tFloat:
		return "number"
	case tBool:
		return "boolean"
	case tSpecial:
		return "special value"
	case tVar:
		return "variable"
	}
	return "keyword " + keywords[k-tCall]
}

// token is one lexical token with what the scanner learnt about it.
type token struct {
	kind kind
	pos  Pos
	end  Pos
	lit  string // the source text

	varKind VarKind     // tVar
	name    string      // tVar: the name without the lens
	lens    *Lens       // tVar, tSpecial
	special SpecialKind // tSpecial
	i       int64       // tInt
	f       float64     // tFloat
	b       bool        // tBool
}

// describe names the token for an error message: "')'", "string \"x\"", "stream $s".
func (t *token) describe() string {
	lit := t.lit
	if len(lit) > 40 {
		lit = lit[:37] + "..."
	}
	switch t.kind {
	case tEOF, tLparen, tRparen, tLbrack, tRbrack:
		return t.kind.String()
	case tIllegal:
		return fmt.Sprintf("malformed token %s", lit)
	case tVar:
		return t.varKind.String() + " " + lit
	case tSpecial:
		return lit
	}
	return t.kind.String() + " " + lit
}

// Comment is a ";" comment, kept so that the printer does not drop it.
type Comment struct {
	Pos  Pos
	Text string // from ";" to the end of the line, without the newline
}

// scanner splits AIR source into tokens following the reference lexer's rules exactly: a word
// runs to the next whitespace or to an unbalanced ")" or "]", and its text decides what it is.
type scanner struct {
	src       string
	off       int
	line      int
	lineStart int
	errs      *ErrorList
	comments  []Comment
}

func (s *scanner) init(src string, errs *ErrorList) {
	*s = scanner{src: src, line: 1, errs: errs}
}

func (s *scanner) pos(off int) Pos {
	return Pos{Offset: int32(off), Line: int32(s.line), Col: int32(off - s.lineStart + 1)}
}

// next returns the next token.
func (s *scanner) next() token {
	for s.off < len(s.src) {
		c := s.src[s.off]
		start := s.off
		switch c {
		case '\n':
			s.off++
			s.line++
			s.lineStart = s.off
			continue
		case ' ', '\t', '\r', '\v', '\f':
			s.off++
			continue
		case '(':
			return s.punct(tLparen)
		case ')':
			return s.punct(tRparen)
		case '[':
			return s.punct(tLbrack)
		case ']':
			return s.punct(tRbrack)
		case ';':
			end := strings.IndexByte(s.src[s.off:], '\n')
			if end < 0 {
				end = len(s.src) - s.off
			}
			s.comments = append(s.comments, Comment{Pos: s.pos(start), Text: s.src[start : start+end]})
			s.off += end
			continue
		case '"':
			return s.stringLit()
		}
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s.src[s.off:])
			if unicode.IsSpace(r) {
				s.off += n
				continue
			}
		}
		return s.word()
	}
	p := s.pos(s.off)
	return token{kind: tEOF, pos: p, end: p}
}

func (s *scanner) punct(k kind) token {
	p := s.pos(s.off)
	s.off++
	return token{kind: k, pos: p, end: p.add(1), lit: s.src[int(p.Offset):s.off]}
}

func (s *scanner) stringLit() token {
	p := s.pos(s.off)
	rest := s.src[s.off+1:]
	n := strings.IndexByte(rest, '"')
	if n < 0 {
		s.errs.add(p, "string literal is not terminated: AIR strings have no escapes, a literal ends at the next '\"'")
		s.advanceLines(len(s.src))
		return token{kind: tIllegal, pos: p, end: s.pos(s.off), lit: s.src[int(p.Offset):]}
	}
	value := rest[:n]
	s.advanceLines(s.off + 1 + n + 1)
	return token{kind: tString, pos: p, end: s.pos(s.off), lit: s.src[p.Offset:s.off], name: value}
}

// advanceLines moves to byte offset to, counting the newlines on the way.
func (s *scanner) advanceLines(to int) {
	for {
		i := strings.IndexByte(s.src[s.off:to], '\n')
		if i < 0 {
			break
		}
		s.off += i + 1
		s.line++
		s.lineStart = s.off
	}
	s.off = to
}

// word scans a run of non-space characters. The first character always belongs to the word;
// after it, a ")" or "]" that closes more brackets than the word opened ends it.
func (s *scanner) word() token {
	start := s.off
	_, n := utf8.DecodeRuneInString(s.src[s.off:])
	s.off += n
	round, square := 0, 0
	for s.off < len(s.src) {
		c := s.src[s.off]
		if c < utf8.RuneSelf {
			switch c {
			case ' ', '\t', '\n', '\r', '\v', '\f':
				goto done
			case '(':
				round++
			case ')':
				round--
			case '[':
				square++
			case ']':
				square--
			}
			if round < 0 || square < 0 {
				goto done
			}
			s.off++
			continue
		}
		r, n := utf8.DecodeRuneInString(s.src[s.off:])
		if unicode.IsSpace(r) {
			break
		}
		s.off += n
	}
done:
	p := s.pos(start)
	t := token{pos: p, end: p.add(s.off - start), lit: s.src[start:s.off]}
	if msg, at := classify(&t); msg != "" {
		s.errs.add(p.add(at), "%s", msg)
		t.kind = tIllegal
	}
	return t
}

// classify decides what a word is, filling t. On failure it returns a message and the byte
// offset in the word the problem is at.
func classify(t *token) (msg string, at int) {
	w := t.lit
	for i, kw := range keywords {
		if w == kw {
			t.kind = tCall + kind(i)
			return "", 0
		}
	}
	switch w {
	case "true", "false":
		t.kind, t.b = tBool, w == "true"
		return "", 0
	case "%init_peer_id%":
		t.kind, t.special = tSpecial, InitPeerID
		return "", 0
	case "%timestamp%":
		t.kind, t.special = tSpecial, Timestamp
		return "", 0
	case "%ttl%":
		t.kind, t.special = tSpecial, TTL
		return "", 0
	}
	for _, sk := range []SpecialKind{ErrorValue, LastError} {
		name := specialNames[sk]
		if !strings.HasPrefix(w, name) {
			continue
		}
		t.kind, t.special = tSpecial, sk
		if len(w) > len(name) {
			lens, msg, at := parseLens(w[len(name):])
			if msg != "" {
				return fmt.Sprintf("in the lens of %s: %s", name, msg), len(name) + at
			}
			t.lens = lens
		}
		return "", 0
	}
	return classifyVariableOrNumber(t)
}

// tag is what the leading characters of a name say it is.
type tag uint8

const (
	tagNone tag = iota
	tagStream
	tagStreamMap
	tagCanon // "#": a canon stream unless a second tag character follows
	tagCanonStream
	tagCanonMap
)

func (g tag) isCanonKind() bool { return g == tagCanonStream || g == tagCanonMap }

// classifyVariableOrNumber follows the reference's call-variable lexer character by character,
// so that exactly the same words are accepted, including its oddities: a word is a number until
// a character that cannot be in one appears, then a name; the first character may be a tag
// ($ % #), the second a canon tag ($ or %); the first "." starts a lens.
func classifyVariableOrNumber(t *token) (msg string, at int) {
	w := t.lit
	dot := -1
	numeric := true
	digit := false
	g := tagNone
	for off, ch := range w {
		if numeric {
			switch {
			case off == 0 && (ch == '-' || ch == '+'):
				continue
			case unicode.IsNumber(ch):
				digit = true
				continue
			case ch == '.' && dot < 0:
				if off == 0 {
					return "a number or name cannot start with '.': write 0.5 for a float, or name.$.field for a lens", off
				}
				if !digit {
					return "a float needs a digit before '.'", off
				}
				dot = off
				continue
			}
			if dot >= 0 {
				return fmt.Sprintf("%q is not a number: a number has only digits and one '.'", w), off
			}
			numeric = false
		}

		// Canon tag: the second character, "$" after "#" or "%" after anything.
		if off == 1 {
			ng := g
			switch {
			case ch == '$' && g == tagCanon:
				ng = tagCanonStream
			case ch == '%':
				ng = tagCanonMap
			}
			if ng.isCanonKind() {
				if len(w) == 2 {
					return fmt.Sprintf("%q needs a name after its tags", w), off
				}
				g = ng
				continue
			}
		}
		if off == 0 && (ch == '$' || ch == '%' || ch == '#') {
			if len(w) == 1 {
				return fmt.Sprintf("%q needs a name after it", w), off
			}
			switch ch {
			case '$':
				g = tagStream
			case '%':
				g = tagStreamMap
			default:
				g = tagCanon
			}
			continue
		}
		if ch == '.' && dot < 0 {
			if off == 0 {
				return "a name cannot start with '.'", off
			}
			if g != tagNone && off <= 2 {
				if off == 1 || w[1] == '$' || w[1] == '%' {
					return fmt.Sprintf("%q needs a name before its lens", w), off
				}
				return fmt.Sprintf("%q: the reference parser does not accept a lens on a one-character tagged name; use a longer name", w), off
			}
			dot = off
			continue
		}
		if dot >= 0 {
			if !lensChar(ch) && !(ch == '!' && off == len(w)-1) {
				return fmt.Sprintf("unexpected %q in the lens of %q", ch, w[:dot]), off
			}
			continue
		}
		if !nameChar(ch) {
			return fmt.Sprintf("unexpected %q in %q: names may contain only letters, digits, '_' and '-'", ch, w), off
		}
	}

	switch {
	case numeric && dot < 0:
		v, err := strconv.ParseInt(w, 10, 64)
		if err != nil {
			if e, ok := err.(*strconv.NumError); ok && e.Err == strconv.ErrRange {
				return fmt.Sprintf("integer %s is out of the i64 range", w), 0
			}
			return fmt.Sprintf("%q is not a valid integer", w), 0
		}
		t.kind, t.i = tInt, v
	case numeric:
		// The reference limits floats to 11 characters so that every peer reads them the same.
		if len(w) > 11 {
			return fmt.Sprintf("float %s is too long: at most 11 characters", w), 0
		}
		v, err := strconv.ParseFloat(w, 64)
		if err != nil {
			return fmt.Sprintf("%q is not a valid float", w), 0
		}
		t.kind, t.f = tFloat, v
	default:
		t.kind = tVar
		t.varKind = [...]VarKind{ScalarVar, StreamVar, StreamMapVar, CanonStreamVar, CanonStreamVar, CanonMapVar}[g]
		t.name = w
		if dot >= 0 {
			t.name = w[:dot]
			lens, msg, at := parseLens(w[dot:])
			if msg != "" {
				return fmt.Sprintf("in the lens of %s: %s", t.name, msg), dot + at
			}
			t.lens = lens
		}
	}
	return "", 0
}

// nameChar reports whether ch may appear in a name: the reference's "AIR alphanumeric", Rust's
// char::is_alphanumeric (alphabetic or numeric) plus '_' and '-'.
func nameChar(ch rune) bool {
	if ch < utf8.RuneSelf {
		return 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' || ch == '_' || ch == '-'
	}
	return unicode.IsLetter(ch) || unicode.IsNumber(ch) || unicode.Is(unicode.Other_Alphabetic, ch)
}

// lensChar reports whether ch may appear in a variable's lens (the lens parser then decides
// whether the lens makes sense).
func lensChar(ch rune) bool {
	switch ch {
	case '$', '@', '[', ']', '(', ')', ':', '?', '.', '*', ',', '"', '\'':
		return true
	}
	return nameChar(ch)
}

// parseLens parses a lens: ".length", or ".$" followed by at least one step. On failure it
// returns a message and the byte offset in raw of the problem.
func parseLens(raw string) (lens *Lens, msg string, at int) {
	if raw == ".length" {
		return &Lens{Raw: raw, Length: true}, "", 0
	}
	if !strings.HasPrefix(raw, ".$") {
		return nil, fmt.Sprintf("%q is not a lens: a lens is .length or starts with .$", raw), 0
	}
	l := &Lens{Raw: raw}
	i := 2
	for i < len(raw) {
		start := i
		dot := raw[i] == '.'
		if dot {
			i++
		}
		if i >= len(raw) {
			return nil, "expected a field name or [index] after '.'", start
		}
		var st Step
		switch c := raw[i]; {
		case c == '[':
			i++
			j := i
			for j < len(raw) && '0' <= raw[j] && raw[j] <= '9' {
				j++
			}
			if j > i {
				v, err := strconv.ParseUint(raw[i:j], 10, 32)
				if err != nil {
					return nil, fmt.Sprintf("array index %s is out of the u32 range", raw[i:j]), i
				}
				st = Step{Kind: IndexStep, Index: uint32(v)}
			} else {
				j = i + nameLen(raw[i:])
				if j == i {
					return nil, "expected an index or a scalar name after '['", i
				}
				st = Step{Kind: ScalarStep, Field: raw[i:j]}
				if msg := crashingName(st.Field); msg != "" {
					return nil, msg, i
				}
			}
			if j >= len(raw) || raw[j] != ']' {
				return nil, "expected ']'", j
			}
			i = j + 1
		case dot && c >= '0' && c <= '9':
			return nil, "a field name cannot start with a digit: write .[N] for an array index", i
		case dot:
			n := nameLen(raw[i:])
			if n == 0 {
				r, _ := utf8.DecodeRuneInString(raw[i:])
				return nil, fmt.Sprintf("unexpected %q", r), i
			}
			st = Step{Kind: FieldStep, Field: raw[i : i+n]}
			if msg := crashingName(st.Field); msg != "" {
				return nil, msg, i
			}
			i += n
		default:
			r, _ := utf8.DecodeRuneInString(raw[i:])
			return nil, fmt.Sprintf("unexpected %q: expected '.' or '['", r), i
		}
		if i < len(raw) && raw[i] == '!' {
			st.Flatten = true
			i++
		}
		l.Path = append(l.Path, st)
	}
	if len(l.Path) == 0 {
		return nil, "the lens .$ has no steps: add .field or .[index]", 0
	}
	if last := &l.Path[len(l.Path)-1]; last.Flatten {
		l.Flatten = true
	}
	return l, "", 0
}

// crashingName rejects a lens name whose last character is not ASCII: the reference's lens lexer
// slices such a name in the middle of that character and the interpreter crashes, so no such
// script ever runs on a reference peer. Rejecting it keeps the two in agreement.
func crashingName(name string) string {
	if r, _ := utf8.DecodeLastRuneInString(name); r >= utf8.RuneSelf {
		return fmt.Sprintf("lens name %q ends in a non-ASCII character, which crashes the reference interpreter (AquaVM 0.62); end it with an ASCII character", name)
	}
	return ""
}

// nameLen returns the length of the name at the start of s.
func nameLen(s string) int {
	for i, ch := range s {
		if !nameChar(ch) {
			return i
		}
	}
	return len(s)
}
