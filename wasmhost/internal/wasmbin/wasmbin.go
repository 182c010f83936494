// Package wasmbin reads what wasmhost must know of a module before compiling it: its imports,
// its exports and its custom sections. It walks the binary's sections (the WebAssembly core
// specification, §5.5) without decoding code, so that a module is refused for what it imports
// before the costly compilation, and a module's kind is known from its sections.
package wasmbin

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// Kinds of imports and exports (the specification's externtype tags).
const (
	KindFunc   byte = 0
	KindTable  byte = 1
	KindMemory byte = 2
	KindGlobal byte = 3
	KindTag    byte = 4 // exception handling proposal
)

// sectionNames name the known sections in errors.
var sectionNames = [...]string{1: "types", 2: "imports", 3: "functions", 4: "tables", 5: "memories", 6: "globals",
	7: "exports", 9: "element segments", 10: "function bodies", 11: "data segments", 13: "tags"}

// Limits on what a module may declare, checked before anything is allocated for it.
const (
	maxItems    = 1_000_000 // of any other vector section
	MaxImports  = 10_000
	MaxExports  = 10_000
	MaxCustom   = 1_000
	MaxNameSize = 4_096
)

// Import is an imported item.
type Import struct {
	Module, Name string
	Kind         byte
}

// Export is an exported item.
type Export struct {
	Name string
	Kind byte
}

// Custom is a custom section; Data aliases the module's bytes.
type Custom struct {
	Name string
	Data []byte
}

// Summary is what Scan found.
type Summary struct {
	Imports []Import
	Exports []Export
	Custom  []Custom
}

// CustomSection returns the data of the first custom section named name.
func (s *Summary) CustomSection(name string) ([]byte, bool) {
	for _, c := range s.Custom {
		if c.Name == name {
			return c.Data, true
		}
	}
	return nil, false
}

// ExportsFunc reports whether the module exports a function named name.
func (s *Summary) ExportsFunc(name string) bool {
	for _, e := range s.Exports {
		if e.Name == name && e.Kind == KindFunc {
			return true
		}
	}
	return false
}

// Error is a malformed module, with the offset where reading failed.
type Error struct {
	Offset int
	What   string
}

func (e *Error) Error() string {
	return fmt.Sprintf("malformed wasm module at byte %d: %s", e.Offset, e.What)
}

var magic = []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

// Scan reads the sections of a binary module. It checks the structure it reads (sizes, counts,
// names, the section order of known sections), not the code, which the compiler validates.
func Scan(b []byte) (*Summary, error) {
	if len(b) < len(magic) || string(b[:4]) != string(magic[:4]) {
		return nil, &Error{0, "not a WebAssembly binary (no \\0asm magic)"}
	}
	if string(b[4:8]) != string(magic[4:8]) {
		return nil, &Error{4, fmt.Sprintf("unsupported binary version %x", b[4:8])}
	}
	s := &Summary{}
	r := reader{b: b, pos: 8}
	lastID := byte(0)
	for r.pos < len(b) {
		start := r.pos
		id, err := r.byte()
		if err != nil {
			return nil, err
		}
		size, err := r.u32()
		if err != nil {
			return nil, err
		}
		if int(size) > len(b)-r.pos {
			return nil, &Error{start, fmt.Sprintf("section %d of %d bytes runs past the end of the module", id, size)}
		}
		body := reader{b: b[:r.pos+int(size)], pos: r.pos}
		r.pos += int(size)
		if id != 0 {
			// Known sections come once each, in order (data count, 12, sits between 9 and 10).
			if order(id) <= order(lastID) && lastID != 0 {
				return nil, &Error{start, fmt.Sprintf("section %d out of order or repeated", id)}
			}
			lastID = id
		}
		switch id {
		case 0:
			if len(s.Custom) == MaxCustom {
				return nil, &Error{start, fmt.Sprintf("more than %d custom sections", MaxCustom)}
			}
			name, err := body.name()
			if err != nil {
				return nil, err
			}
			s.Custom = append(s.Custom, Custom{Name: name, Data: body.b[body.pos:]})
			continue
		case 2:
			if err := scanImports(&body, s); err != nil {
				return nil, err
			}
		case 7:
			if err := scanExports(&body, s); err != nil {
				return nil, err
			}
		case 8: // start: one function index, no vector
			continue
		case 1, 9, 10, 11:
			// Sections whose items hold vectors of their own: each inner count is checked too
			// (wazero allocates by those as well).
			if err := scanNested(&body, id); err != nil {
				return nil, err
			}
		default:
			if id > 13 {
				return nil, &Error{start, fmt.Sprintf("unknown section id %d", id)}
			}
			// Every other known section is a vector whose items take a byte or more: a count
			// beyond the section's bytes is a lie that a compiler allocating by it (wazero does)
			// would pay for in memory.
			if id != 12 { // data count: a number, not a vector
				if _, err := body.count(maxItems, sectionNames[id]); err != nil {
					return nil, err
				}
			}
			continue
		}
		if body.pos != len(body.b) {
			return nil, &Error{body.pos, fmt.Sprintf("section %d has %d bytes left over", id, len(body.b)-body.pos)}
		}
	}
	return s, nil
}

// order is a known section's place: the ids in the order the specification requires them,
// with data count (12) before code (10) and tag (13) after memory (5).
func order(id byte) int {
	switch id {
	case 12:
		return 95 // between element (9) and code (10)
	case 13:
		return 55 // between memory (5) and global (6)
	}
	return int(id) * 10
}

func scanImports(r *reader, s *Summary) error {
	n, err := r.count(MaxImports, "imports")
	if err != nil {
		return err
	}
	s.Imports = make([]Import, 0, n)
	for range n {
		mod, err := r.name()
		if err != nil {
			return err
		}
		name, err := r.name()
		if err != nil {
			return err
		}
		kind, err := r.byte()
		if err != nil {
			return err
		}
		if err := r.skipImportDesc(kind); err != nil {
			return err
		}
		s.Imports = append(s.Imports, Import{Module: mod, Name: name, Kind: kind})
	}
	return nil
}

func scanExports(r *reader, s *Summary) error {
	n, err := r.count(MaxExports, "exports")
	if err != nil {
		return err
	}
	s.Exports = make([]Export, 0, n)
	for range n {
		name, err := r.name()
		if err != nil {
			return err
		}
		kind, err := r.byte()
		if err != nil {
			return err
		}
		if kind > KindTag {
			return &Error{r.pos - 1, fmt.Sprintf("export %q of unknown kind %d", name, kind)}
		}
		if _, err := r.u32(); err != nil {
			return err
		}
		s.Exports = append(s.Exports, Export{Name: name, Kind: kind})
	}
	return nil
}

// maxLocals bounds the locals of one function (the limit Web engines share).
const maxLocals = 50_000

// scanNested reads the type (1), element (9), code (10) or data (11) section far enough to
// check every vector count in it against the bytes that follow.
func scanNested(r *reader, id byte) error {
	n, err := r.count(maxItems, sectionNames[id])
	if err != nil {
		return err
	}
	for range n {
		switch id {
		case 1: // functype: 0x60, params, results
			if _, err := r.byte(); err != nil {
				return err
			}
			for range 2 {
				if err := r.skipVector("value types", 1); err != nil {
					return err
				}
			}
		case 9:
			if err := r.skipElement(); err != nil {
				return err
			}
		case 10: // size, then the body: local declarations, code
			size, err := r.u32()
			if err != nil {
				return err
			}
			if int(size) > len(r.b)-r.pos {
				return &Error{r.pos, fmt.Sprintf("function body of %d bytes runs past its section", size)}
			}
			body := reader{b: r.b[:r.pos+int(size)], pos: r.pos}
			r.pos += int(size)
			decls, err := body.count(maxLocals, "local declarations")
			if err != nil {
				return err
			}
			total := 0
			for range decls {
				at := body.pos
				m, err := body.u32()
				if err != nil {
					return err
				}
				if total += int(m); total > maxLocals {
					return &Error{at, fmt.Sprintf("a function with more than %d locals", maxLocals)}
				}
				if _, err := body.byte(); err != nil {
					return err
				}
			}
		case 11:
			mode, err := r.u32()
			if err != nil {
				return err
			}
			switch mode {
			case 0:
				err = r.skipConstExpr()
			case 1:
			case 2:
				if _, err = r.u32(); err == nil {
					err = r.skipConstExpr()
				}
			default:
				err = &Error{r.pos, fmt.Sprintf("data segment of unknown mode %d", mode)}
			}
			if err != nil {
				return err
			}
			if err := r.skipVector("data bytes", 1); err != nil {
				return err
			}
		}
	}
	return nil
}

// skipElement reads an element segment (§5.5.12, flags 0 to 7).
func (r *reader) skipElement() error {
	at := r.pos
	flags, err := r.u32()
	if err != nil {
		return err
	}
	if flags > 7 {
		return &Error{at, fmt.Sprintf("element segment of unknown kind %d", flags)}
	}
	if flags&2 != 0 && flags&1 == 0 { // an explicit table index
		if _, err := r.u32(); err != nil {
			return err
		}
	}
	if flags&1 == 0 { // active: an offset
		if err := r.skipConstExpr(); err != nil {
			return err
		}
	}
	if flags&3 != 0 { // an element kind or reference type
		if _, err := r.byte(); err != nil {
			return err
		}
	}
	n, err := r.count(maxItems, "elements")
	if err != nil {
		return err
	}
	for range n {
		if flags&4 == 0 {
			_, err = r.u32()
		} else {
			err = r.skipConstExpr()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// skipConstExpr reads a constant expression up to its end (0x0b).
func (r *reader) skipConstExpr() error {
	for {
		at := r.pos
		op, err := r.byte()
		if err != nil {
			return err
		}
		switch op {
		case 0x0b: // end
			return nil
		case 0x41, 0x42, 0x23, 0xd2: // i32.const, i64.const (signed LEB), global.get, ref.func
			if err := r.skipLEB(); err != nil {
				return err
			}
		case 0x43:
			err = r.skip(4)
		case 0x44:
			err = r.skip(8)
		case 0xd0: // ref.null t
			_, err = r.byte()
		case 0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e: // extended constant arithmetic
		default:
			return &Error{at, fmt.Sprintf("opcode %#x in a constant expression", op)}
		}
		if err != nil {
			return err
		}
	}
}

func (r *reader) skipLEB() error {
	for i := 0; i < 10; i++ {
		c, err := r.byte()
		if err != nil {
			return err
		}
		if c&0x80 == 0 {
			return nil
		}
	}
	return &Error{r.pos, "LEB128 number longer than 10 bytes"}
}

func (r *reader) skip(n int) error {
	if n > len(r.b)-r.pos {
		return &Error{r.pos, "unexpected end of section"}
	}
	r.pos += n
	return nil
}

// skipVector reads a vector of items of size bytes each.
func (r *reader) skipVector(what string, size int) error {
	n, err := r.count(maxItems*64, what)
	if err != nil {
		return err
	}
	return r.skip(n * size)
}

type reader struct {
	b   []byte
	pos int
}

func (r *reader) byte() (byte, error) {
	if r.pos >= len(r.b) {
		return 0, &Error{r.pos, "unexpected end of section"}
	}
	c := r.b[r.pos]
	r.pos++
	return c, nil
}

func (r *reader) u32() (uint32, error) {
	v, n := binary.Uvarint(r.b[r.pos:min(len(r.b), r.pos+5)])
	if n <= 0 || v > 0xffffffff {
		return 0, &Error{r.pos, "bad LEB128 u32"}
	}
	r.pos += n
	return uint32(v), nil
}

func (r *reader) count(limit int, what string) (int, error) {
	at := r.pos
	n, err := r.u32()
	if err != nil {
		return 0, err
	}
	// Each item takes at least one byte (imports and exports two), so a count beyond that
	// cannot be honest either.
	minSize := 1
	if what == "imports" || what == "exports" {
		minSize = 2
	}
	if int(n) > limit || int(n) > (len(r.b)-r.pos)/minSize {
		return 0, &Error{at, fmt.Sprintf("%d %s: more than the limit of %d or than the section holds", n, what, limit)}
	}
	return int(n), nil
}

func (r *reader) name() (string, error) {
	at := r.pos
	n, err := r.u32()
	if err != nil {
		return "", err
	}
	if n > MaxNameSize || int(n) > len(r.b)-r.pos {
		return "", &Error{at, fmt.Sprintf("name of %d bytes: longer than %d or than the section", n, MaxNameSize)}
	}
	s := r.b[r.pos : r.pos+int(n)]
	if !utf8.Valid(s) {
		return "", &Error{at, "name is not UTF-8"}
	}
	r.pos += int(n)
	return string(s), nil
}

func (r *reader) limits() error {
	flags, err := r.byte()
	if err != nil {
		return err
	}
	if flags > 0x07 {
		return &Error{r.pos - 1, fmt.Sprintf("bad limits flags %#x", flags)}
	}
	if _, err := r.u32(); err != nil {
		return err
	}
	if flags&1 != 0 {
		if _, err := r.u32(); err != nil {
			return err
		}
	}
	return nil
}

func (r *reader) skipImportDesc(kind byte) error {
	switch kind {
	case KindFunc:
		_, err := r.u32()
		return err
	case KindTable:
		if _, err := r.byte(); err != nil { // reftype
			return err
		}
		return r.limits()
	case KindMemory:
		return r.limits()
	case KindGlobal:
		if _, err := r.byte(); err != nil { // valtype
			return err
		}
		_, err := r.byte() // mutability
		return err
	case KindTag:
		if _, err := r.byte(); err != nil { // attribute
			return err
		}
		_, err := r.u32()
		return err
	}
	return &Error{r.pos - 1, fmt.Sprintf("import of unknown kind %d", kind)}
}
