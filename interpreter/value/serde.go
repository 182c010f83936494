package value

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// serde_json's messages for texts it rejects. AquaVM 0.62 (serde_json 1.0.108) puts them in the
// error of a call whose result is not JSON, and from there in the data; nox (serde_json 1.0.120,
// same messages) in json.parse's errors. Parse finds the same faults; these functions word them
// as serde_json does.

// SerdeMessage is serde_json's Display of its error reading s (src/error.rs, src/de.rs,
// src/read.rs), worked out from [Parse]'s error err for s, which finds the same fault: the message of serde_json's ErrorCode and " at line L column C", where the column
// counts bytes from the start of the line up to serde_json's read position (just past the
// offending byte for most faults).
func SerdeMessage(s string, err error) string {
	var se *SyntaxError
	if !errors.As(err, &se) {
		return err.Error()
	}
	msg, at := serdeCode(s, se)
	at = max(0, min(at, len(s)))
	lineStart := strings.LastIndexByte(s[:at], '\n') + 1
	line := 1 + strings.Count(s[:lineStart], "\n")
	return fmt.Sprintf("%s at line %d column %d", msg, line, at-lineStart)
}

// serdeCode maps Parse's error se, for the text s, to serde_json's message for the same
// fault, and the read position serde_json reports it at. It goes by se's kind and offsets,
// never by its wording.
func serdeCode(s string, se *SyntaxError) (string, int) {
	const (
		eofValue  = "EOF while parsing a value"
		eofString = "EOF while parsing a string"
	)
	o := se.Offset
	// prev is the last byte before o that is not whitespace.
	prev := byte(0)
	if t := strings.TrimRight(s[:min(o, len(s))], " \t\n\r"); t != "" {
		prev = t[len(t)-1]
	}
	switch se.Kind {
	case ErrRecursionLimit:
		return "recursion limit exceeded", o + 1
	case ErrNumberOutOfRange:
		// Reported after the number's last character (o is its start).
		end := o
		for end < len(s) && strings.IndexByte("+-.eE0123456789", s[end]) >= 0 {
			end++
		}
		if at := exponentOverflow(s[o:end]); at >= 0 {
			return "number out of range", o + at
		}
		return "number out of range", end
	case ErrTrailingCharacters:
		return "trailing characters", o + 1
	case ErrTrailingComma:
		return "trailing comma", o + 1
	case ErrControlCharacter:
		return "control character (\\u0000-\\u001F) found while parsing a string", o + 1
	case ErrLoneLowSurrogate, ErrNotLowSurrogate:
		// o is the escape's backslash (of the second escape, after a high surrogate);
		// serde_json has read its four hex digits.
		return "lone leading surrogate in hex escape", o + 6
	case ErrLoneHighSurrogate:
		// o is just after the high surrogate: serde_json wants "\\u" there.
		switch {
		case o >= len(s):
			return eofString, len(s)
		case s[o] != '\\':
			return "unexpected end of hex escape", o + 1
		case o+1 >= len(s):
			return eofString, len(s)
		}
		return "unexpected end of hex escape", o + 2
	case ErrInvalidHexEscape:
		// serde_json reads the four hex digits only if they are all there.
		if se.Start+6 > len(s) {
			return eofString, len(s)
		}
		return "invalid escape", o + 1
	case ErrInvalidEscape:
		// o is the backslash; serde_json has read the letter after it.
		return "invalid escape", o + 2
	case ErrInvalidUTF8:
		// Cannot happen where the text is a Rust string (a call result, json.parse's
		// argument): those are valid UTF-8.
		return "invalid unicode code point", o + 1
	case ErrEOFInString:
		return eofString, len(s)
	case ErrEOFInNumber:
		return eofValue, len(s)
	case ErrInvalidNumber:
		return "invalid number", o + 1
	case ErrEOFInArray:
		return "EOF while parsing a list", len(s)
	case ErrEOFInObject:
		if prev == ',' {
			return eofValue, len(s) // {"a": 1,
		}
		return "EOF while parsing an object", len(s)
	case ErrEOF:
		if prev == '[' {
			return "EOF while parsing a list", len(s) // [
		}
		return eofValue, len(s)
	case ErrInvalidLiteral:
		return "expected ident", o + 1
	case ErrKeyNotString:
		return "key must be a string", o + 1
	case ErrExpectedColon:
		return "expected `:`", o + 1
	case ErrExpectedCommaOrBracket:
		return "expected `,` or `]`", o + 1
	case ErrExpectedCommaOrBrace:
		return "expected `,` or `}`", o + 1
	}
	// ErrExpectedValue (and ErrTooLarge, which json.parse sets no limit for).
	return "expected value", o + 1
}

// exponentOverflow returns the read position, in the number text num, at which serde_json
// gives up on an exponent too long for an i32: just past the digit that would overflow it
// (parse_exponent's overflow! check); -1 when the exponent fits.
func exponentOverflow(num string) int {
	i := strings.IndexAny(num, "eE")
	if i < 0 {
		return -1
	}
	i++
	if i < len(num) && (num[i] == '+' || num[i] == '-') {
		i++
	}
	const limit = math.MaxInt32 / 10
	exp := int32(0)
	for ; i < len(num) && num[i] >= '0' && num[i] <= '9'; i++ {
		d := int32(num[i] - '0')
		if exp >= limit && (exp > limit || d > math.MaxInt32%10) {
			return i + 1
		}
		exp = exp*10 + d
	}
	return -1
}
