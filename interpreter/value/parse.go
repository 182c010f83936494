package value

import (
	"fmt"
	"slices"
	"unicode/utf8"
	"unsafe"
)

// MaxDepth is how many arrays and objects may be nested in a text [Parse] accepts: serde_json's
// recursion limit of 128 rejects the 128th nested container, so 127 is the deepest accepted
// ("[[...]]" with 127 '[' parses, with 128 it fails, in AquaVM 0.62 as here).
const MaxDepth = 127

// Limits bounds what [Parse] accepts beyond serde_json's own rules.
type Limits struct {
	// MaxBytes is the largest input accepted, in bytes, checked before parsing; 0 (or less)
	// means no limit.
	MaxBytes int
}

// Parse reads one JSON text exactly as AquaVM does (serde_json::from_slice::<Value>), so that a
// service result accepted, or rejected, by one implementation is accepted, or rejected, by the
// other, and yields the same value and so the same CID:
//
//   - whitespace is space, tab, LF and CR only (no BOM, no comments), around and between tokens;
//   - exactly one value; anything but whitespace after it is an error ("trailing characters");
//   - numbers follow RFC 8259 ("01", "-", ".5", "5.", "+1", "1e" are rejected); an integer
//     without fraction or exponent is an unsigned integer if it fits in a u64, a negative integer
//     if it fits in an i64, otherwise a float; "-0" is the float -0.0; a number with a fraction
//     or exponent is a float, computed by serde_json's (not always correctly rounded) algorithm;
//     a float beyond the f64 range is an error ("number out of range"), one below it is ±0.0;
//   - strings: escapes \" \\ \/ \b \f \n \r \t \uXXXX (a surrogate pair makes one character;
//     unpaired surrogates are errors); raw control characters (< 0x20) and invalid UTF-8 are
//     errors;
//   - objects: string keys; on duplicate keys the last value wins; trailing commas are errors;
//   - at most [MaxDepth] nested arrays and objects.
//
// Because serde_json's float reading is not correctly rounded, a float's canonical text does not
// always read back as the same float (1.4651248189898814e246 reads as 1.4651248189898816e246,
// which reads as ...818e246, then ...82e246, which is stable; others alternate between two
// texts forever). AquaVM drifts the same way when it re-reads stored values, and so does Parse.
//
// Every error is a *[SyntaxError]. Parse does not panic, and recurses at most MaxDepth deep.
func Parse(data []byte, limits Limits) (Value, error) {
	if limits.MaxBytes > 0 && len(data) > limits.MaxBytes {
		return Value{}, &SyntaxError{Kind: ErrTooLarge, Offset: limits.MaxBytes, Start: limits.MaxBytes,
			Msg: fmt.Sprintf("input of %d bytes exceeds the limit of %d bytes", len(data), limits.MaxBytes)}
	}
	p := parser{data: data, depth: MaxDepth}
	return p.parse()
}

// ParseString is Parse of a string's bytes. A string of the value that is at least half of s
// shares s's memory instead of copying it: a call's result of a hundred megabytes, one string,
// costs no copy to parse, and a small string never keeps a large s alive.
func ParseString(s string, limits Limits) (Value, error) {
	if limits.MaxBytes > 0 && len(s) > limits.MaxBytes {
		return Parse(unsafe.Slice(unsafe.StringData(s), len(s)), limits) // for its error
	}
	p := parser{data: unsafe.Slice(unsafe.StringData(s), len(s)), depth: MaxDepth, shared: true}
	return p.parse()
}

// A Reader parses text after text as [Parse] and [ParseString] do, handing out the storage of
// the values it reads from chunks it keeps between texts: a run of the interpreter that reads a
// thousand small call results allocates a few chunks rather than a few objects for each. A
// value it read may keep a chunk, shared with other values, alive. The zero Reader is ready to
// use; a Reader is not safe for concurrent use.
type Reader struct{ p parser }

// Parse is [Parse], with r's storage.
func (r *Reader) Parse(data []byte, limits Limits) (Value, error) {
	if limits.MaxBytes > 0 && len(data) > limits.MaxBytes {
		return Parse(data, limits) // for its error
	}
	r.p.data, r.p.pos, r.p.depth, r.p.shared = data, 0, MaxDepth, false
	return r.parse()
}

// ParseString is [ParseString], with r's storage.
func (r *Reader) ParseString(s string, limits Limits) (Value, error) {
	if limits.MaxBytes > 0 && len(s) > limits.MaxBytes {
		return ParseString(s, limits) // for its error
	}
	r.p.data, r.p.pos, r.p.depth, r.p.shared = unsafe.Slice(unsafe.StringData(s), len(s)), 0, MaxDepth, true
	return r.parse()
}

// Reset lets go of the storage r hands out to the values it reads, which then belongs to them
// alone, and keeps its scratch for the next parse: a Reader kept from one document to the next
// then keeps no value of the last alive.
func (r *Reader) Reset() {
	r.p.vals, r.p.keys, r.p.comps = nil, nil, nil
	r.p.valsChunk, r.p.keysChunk, r.p.compsChunk = 0, 0, 0
}

// Retained is the memory, in bytes, that r keeps between parses: its scratch, which grows with
// the longest array and object read.
func (r *Reader) Retained() int {
	return cap(r.p.elems)*int(unsafe.Sizeof(Value{})) + cap(r.p.fields)*int(unsafe.Sizeof(field{})) + cap(r.p.buf)
}

func (r *Reader) parse() (Value, error) {
	v, err := r.p.parse()
	r.p.data = nil // not kept alive by r
	if err != nil {
		// The containers being read when it failed are left on the stacks.
		clear(r.p.elems[:cap(r.p.elems)])
		clear(r.p.fields[:cap(r.p.fields)])
		r.p.elems, r.p.fields = r.p.elems[:0], r.p.fields[:0]
	}
	return v, err
}

// SharedText returns s's bytes, without a copy, if v is a string that ParseString read from s
// sharing its memory, s being only that string: then s is v's canonical JSON text (a string
// read without a copy has no escapes, and nothing around it). ok is false otherwise.
func SharedText(v Value, s string) (text []byte, ok bool) {
	if v.kind != KindString || len(v.s) == 0 || len(s) != len(v.s)+2 || unsafe.StringData(v.s) != unsafe.StringData(s[1:]) {
		return nil, false
	}
	return unsafe.Slice(unsafe.StringData(s), len(s)), true
}

// parse reads p.data, which must hold exactly one value.
func (p *parser) parse() (Value, error) {
	p.skipSpace()
	v, err := p.value()
	if err != nil {
		return Value{}, err
	}
	p.skipSpace()
	if p.pos < len(p.data) {
		return Value{}, p.errorf(ErrTrailingCharacters, p.pos, "trailing characters after the JSON value: %s", p.describe(p.pos))
	}
	return v, nil
}

// chunkSize is how many elements the parser's allocators get from the heap at a time, so that a
// document of many small containers costs few allocations.
const chunkSize = 256

// parser is the state of one Parse call.
type parser struct {
	data  []byte
	pos   int
	depth int // how many more containers may be opened
	// shared: data is a string's bytes (ParseString), which a large string of the value may
	// share rather than copy.
	shared bool

	elems  []Value  // array elements being read, innermost array last
	fields []field  // object fields being read, innermost object last
	buf    []byte   // a string with escapes being decoded
	vals   []Value  // unused part of the current chunk of element storage
	keys   []string // unused part of the current chunk of key storage
	comps  []composite

	valsChunk, keysChunk, compsChunk int // size of the last chunk allocated
}

// errorf is the error of kind at offset.
func (p *parser) errorf(kind SyntaxErrorKind, offset int, format string, args ...any) error {
	return p.errorIn(kind, offset, offset, format, args...)
}

// errorIn is the error of kind at offset, inside the construct that starts at start.
func (p *parser) errorIn(kind SyntaxErrorKind, offset, start int, format string, args ...any) error {
	return &SyntaxError{Kind: kind, Offset: offset, Start: start, Msg: fmt.Sprintf(format, args...)}
}

// describe names the byte at offset i for an error message.
func (p *parser) describe(i int) string {
	if i >= len(p.data) {
		return "end of input"
	}
	c := p.data[i]
	switch {
	case c >= 0x20 && c < 0x7f:
		return fmt.Sprintf("%q", rune(c))
	case c < 0x80:
		return fmt.Sprintf("byte 0x%02x", c)
	}
	if r, n := utf8.DecodeRune(p.data[i:]); r != utf8.RuneError || n > 1 {
		return fmt.Sprintf("%q (U+%04X)", r, r)
	}
	return fmt.Sprintf("byte 0x%02x (not UTF-8)", c)
}

// skipSpace skips JSON whitespace: space, \t, \n and \r.
func (p *parser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// value reads the value starting at p.pos (whitespace already skipped).
func (p *parser) value() (Value, error) {
	if p.pos >= len(p.data) {
		return Value{}, p.errorf(ErrEOF, p.pos, "unexpected end of input, expected a value")
	}
	switch c := p.data[p.pos]; {
	case c == 'n':
		return Value{}, p.literal("null")
	case c == 't':
		return Bool(true), p.literal("true")
	case c == 'f':
		return Bool(false), p.literal("false")
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case c == '"':
		s, err := p.str()
		return Value{kind: KindString, s: s}, err
	case c == '[':
		return p.array()
	case c == '{':
		return p.object()
	}
	return Value{}, p.errorf(ErrExpectedValue, p.pos, "expected a value, found %s", p.describe(p.pos))
}

// literal reads the keyword word at p.pos.
func (p *parser) literal(word string) error {
	start := p.pos
	for i := 0; i < len(word); i++ {
		if p.pos >= len(p.data) {
			return p.errorf(ErrEOF, p.pos, "unexpected end of input in %q", word)
		}
		if p.data[p.pos] != word[i] {
			return p.errorIn(ErrInvalidLiteral, p.pos, start, "invalid literal starting at byte %d: expected %q, found %s", start, word, p.describe(p.pos))
		}
		p.pos++
	}
	return nil
}

// enter opens a container at p.pos, enforcing the depth limit.
func (p *parser) enter() error {
	p.depth--
	if p.depth < 0 {
		return p.errorf(ErrRecursionLimit, p.pos, "recursion limit exceeded: more than %d nested arrays and objects", MaxDepth)
	}
	p.pos++
	p.skipSpace()
	return nil
}

func (p *parser) array() (Value, error) {
	start := p.pos
	if err := p.enter(); err != nil {
		return Value{}, err
	}
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		p.depth++
		return Value{kind: KindArray, c: emptyArray}, nil
	}
	base := len(p.elems)
	for {
		v, err := p.value()
		if err != nil {
			return Value{}, err
		}
		if len(p.elems) == cap(p.elems) {
			// Doubled, not append's quarter at a time past 256, which copies a long array's
			// elements some five times over as it grows.
			p.elems = slices.Grow(p.elems, max(cap(p.elems), 8))
		}
		p.elems = append(p.elems, v)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return Value{}, p.errorIn(ErrEOFInArray, p.pos, start, "unexpected end of input in the array that starts at byte %d", start)
		}
		if c := p.data[p.pos]; c == ']' {
			p.pos++
			break
		} else if c != ',' {
			return Value{}, p.errorIn(ErrExpectedCommaOrBracket, p.pos, start, "expected ',' or ']' in the array that starts at byte %d, found %s", start, p.describe(p.pos))
		}
		p.pos++
		p.skipSpace()
		if p.pos < len(p.data) && p.data[p.pos] == ']' {
			return Value{}, p.errorIn(ErrTrailingComma, p.pos, start, "trailing comma in the array that starts at byte %d", start)
		}
	}
	c := p.composite()
	c.vals = p.allocVals(len(p.elems) - base)
	copy(c.vals, p.elems[base:])
	clear(p.elems[base:])
	p.elems = p.elems[:base]
	p.depth++
	return Value{kind: KindArray, c: c}, nil
}

func (p *parser) object() (Value, error) {
	start := p.pos
	if err := p.enter(); err != nil {
		return Value{}, err
	}
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		p.depth++
		return Value{kind: KindObject, c: emptyObject}, nil
	}
	base := len(p.fields)
	for {
		if p.pos >= len(p.data) {
			return Value{}, p.errorIn(ErrEOFInObject, p.pos, start, "unexpected end of input in the object that starts at byte %d", start)
		}
		if p.data[p.pos] != '"' {
			return Value{}, p.errorf(ErrKeyNotString, p.pos, "object key must be a string, found %s", p.describe(p.pos))
		}
		key, err := p.str()
		if err != nil {
			return Value{}, err
		}
		p.skipSpace()
		if p.pos >= len(p.data) {
			return Value{}, p.errorIn(ErrEOFInObject, p.pos, start, "unexpected end of input in the object that starts at byte %d", start)
		}
		if p.data[p.pos] != ':' {
			return Value{}, p.errorf(ErrExpectedColon, p.pos, "expected ':' after an object key, found %s", p.describe(p.pos))
		}
		p.pos++
		p.skipSpace()
		v, err := p.value()
		if err != nil {
			return Value{}, err
		}
		p.fields = append(p.fields, field{key, v})
		p.skipSpace()
		if p.pos >= len(p.data) {
			return Value{}, p.errorIn(ErrEOFInObject, p.pos, start, "unexpected end of input in the object that starts at byte %d", start)
		}
		if c := p.data[p.pos]; c == '}' {
			p.pos++
			break
		} else if c != ',' {
			return Value{}, p.errorIn(ErrExpectedCommaOrBrace, p.pos, start, "expected ',' or '}' in the object that starts at byte %d, found %s", start, p.describe(p.pos))
		}
		p.pos++
		p.skipSpace()
		if p.pos < len(p.data) && p.data[p.pos] == '}' {
			return Value{}, p.errorIn(ErrTrailingComma, p.pos, start, "trailing comma in the object that starts at byte %d", start)
		}
	}
	fs := p.fields[base:]
	sortFields(fs)
	n := uniqueKeys(fs)
	c := p.composite()
	c.keys, c.vals = p.allocKeys(n), p.allocVals(n)
	fillFields(fs, c.keys, c.vals)
	clear(fs)
	p.fields = p.fields[:base]
	p.depth++
	return Value{kind: KindObject, c: c}, nil
}

// composite, allocVals and allocKeys hand out storage from chunks; the slices returned are
// capped, so that no two values share writable space.
func (p *parser) composite() *composite {
	if len(p.comps) == 0 {
		p.compsChunk = min(max(2*p.compsChunk, 2), chunkSize/4)
		p.comps = make([]composite, p.compsChunk)
	}
	c := &p.comps[0]
	p.comps = p.comps[1:]
	return c
}

func (p *parser) allocVals(n int) []Value {
	if n > chunkSize/4 {
		return make([]Value, n)
	}
	if len(p.vals) < n {
		// Chunks start small and grow, so that parsing a small value stays cheap.
		p.valsChunk = min(max(2*p.valsChunk, 4, n), chunkSize)
		p.vals = make([]Value, p.valsChunk)
	}
	s := p.vals[:n:n]
	p.vals = p.vals[n:]
	return s
}

func (p *parser) allocKeys(n int) []string {
	if n > chunkSize/4 {
		return make([]string, n)
	}
	if len(p.keys) < n {
		p.keysChunk = min(max(2*p.keysChunk, 4, n), chunkSize)
		p.keys = make([]string, p.keysChunk)
	}
	s := p.keys[:n:n]
	p.keys = p.keys[n:]
	return s
}
