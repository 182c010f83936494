package value

import (
	"unicode/utf8"
	"unsafe"
)

// This file reads JSON strings as serde_json does: escapes \" \\ \/ \b \f \n \r \t and
// \uXXXX (surrogate pairs combined, unpaired surrogates rejected), no raw control characters,
// valid UTF-8 only.

// str reads the string starting with the '"' at p.pos and returns its contents.
func (p *parser) str() (string, error) {
	start := p.pos
	p.pos++
	for i := p.pos; i < len(p.data); {
		if i = skipPlain(p.data, i); i >= len(p.data) {
			break
		}
		switch c := p.data[i]; {
		case c == '"':
			var s string
			if n := i - p.pos; p.shared && n > 0 && 2*n >= len(p.data) {
				s = unsafe.String(&p.data[p.pos], n) // the data is a string: immutable
			} else {
				s = string(p.data[p.pos:i])
			}
			p.pos = i + 1
			return s, nil
		case c == '\\':
			return p.strEscaped(start, i)
		case c < 0x20:
			return "", p.errorf(ErrControlCharacter, i, "control character 0x%02x in a string (must be escaped)", c)
		case c < 0x80:
			i++
		default:
			r, n := utf8.DecodeRune(p.data[i:])
			if r == utf8.RuneError && n == 1 {
				return "", p.errorf(ErrInvalidUTF8, i, "invalid UTF-8 in a string")
			}
			i += n
		}
	}
	return "", p.errorIn(ErrEOFInString, len(p.data), start, "unexpected end of input in the string that starts at byte %d", start)
}

// strEscaped continues str from the first backslash, at i, decoding into p.buf.
func (p *parser) strEscaped(start, i int) (string, error) {
	b := append(p.buf[:0], p.data[p.pos:i]...)
	for i < len(p.data) {
		c := p.data[i]
		switch {
		case c == '"':
			p.pos = i + 1
			p.buf = b
			return string(b), nil
		case c == '\\':
			var err error
			if b, i, err = p.escape(b, i); err != nil {
				return "", err
			}
		case c < 0x20:
			return "", p.errorf(ErrControlCharacter, i, "control character 0x%02x in a string (must be escaped)", c)
		case c < 0x80:
			b = append(b, c)
			i++
		default:
			r, n := utf8.DecodeRune(p.data[i:])
			if r == utf8.RuneError && n == 1 {
				return "", p.errorf(ErrInvalidUTF8, i, "invalid UTF-8 in a string")
			}
			b = append(b, p.data[i:i+n]...)
			i += n
		}
	}
	return "", p.errorIn(ErrEOFInString, len(p.data), start, "unexpected end of input in the string that starts at byte %d", start)
}

// escape decodes the escape sequence at i (a backslash), appending to b; it returns the offset
// after the sequence.
func (p *parser) escape(b []byte, i int) ([]byte, int, error) {
	if i+1 >= len(p.data) {
		return b, i, p.errorIn(ErrEOFInString, len(p.data), i, "unexpected end of input in an escape sequence")
	}
	var c byte
	switch e := p.data[i+1]; e {
	case '"', '\\', '/':
		c = e
	case 'b':
		c = '\b'
	case 'f':
		c = '\f'
	case 'n':
		c = '\n'
	case 'r':
		c = '\r'
	case 't':
		c = '\t'
	case 'u':
		return p.unicodeEscape(b, i)
	default:
		return b, i, p.errorf(ErrInvalidEscape, i, "invalid escape \\%s in a string", p.describe(i+1))
	}
	return append(b, c), i + 2, nil
}

// unicodeEscape decodes the \uXXXX at i, and the low surrogate's \uXXXX after it when the first
// is a high surrogate. Unpaired surrogates are errors, as in serde_json (which reports a lone
// low surrogate, too, as a "lone leading surrogate").
func (p *parser) unicodeEscape(b []byte, i int) ([]byte, int, error) {
	r, err := p.hex4(i)
	if err != nil {
		return b, i, err
	}
	switch {
	case r >= 0xDC00 && r <= 0xDFFF:
		return b, i, p.errorf(ErrLoneLowSurrogate, i, "unpaired low surrogate \\u%04x in a string", r)
	case r >= 0xD800 && r <= 0xDBFF:
		j := i + 6
		if j+1 >= len(p.data) || p.data[j] != '\\' || p.data[j+1] != 'u' {
			return b, i, p.errorIn(ErrLoneHighSurrogate, j, i, "unpaired high surrogate \\u%04x in a string (not followed by \\u and a low surrogate)", r)
		}
		lo, err := p.hex4(j)
		if err != nil {
			return b, i, err
		}
		if lo < 0xDC00 || lo > 0xDFFF {
			return b, i, p.errorIn(ErrNotLowSurrogate, j, i, "unpaired high surrogate \\u%04x in a string (followed by \\u%04x, not a low surrogate)", r, lo)
		}
		r = (r-0xD800)<<10 | (lo - 0xDC00) + 0x10000
		return utf8.AppendRune(b, r), j + 6, nil
	}
	return utf8.AppendRune(b, r), i + 6, nil
}

// hex4 reads the four hex digits of the \u escape at i.
func (p *parser) hex4(i int) (rune, error) {
	var r rune
	for k := i + 2; k < i+6; k++ {
		if k >= len(p.data) {
			return 0, p.errorIn(ErrEOFInString, len(p.data), i, "unexpected end of input in the \\u escape at byte %d", i)
		}
		c := p.data[k]
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, p.errorIn(ErrInvalidHexEscape, k, i, "invalid \\u escape at byte %d: %s is not a hex digit", i, p.describe(k))
		}
	}
	return r, nil
}
