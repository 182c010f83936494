package value

import "fmt"

// SyntaxError is the error [Parse] returns for input serde_json would reject (or that exceeds
// the [Limits]). Its Kind says what was wrong, for code to act on; its Msg says it, with
// details, for people. A program that picks its own wording for a fault (as the json.parse
// builtin picks serde_json's) must go by Kind and the offsets: Msg may be reworded at any time.
type SyntaxError struct {
	// Kind is the fault; errors.Is(err, kind) matches it, as a *SyntaxError unwraps to it.
	Kind SyntaxErrorKind
	// Offset is the byte offset in the input where the problem was found.
	Offset int
	// Start is the byte offset of the construct the fault is in, where the kind has one: the
	// '[' or '{' of the array or object (ErrEOFInArray, ErrEOFInObject, ErrTrailingComma,
	// ErrExpectedCommaOrBracket, ErrExpectedCommaOrBrace), the opening '"' of the string
	// (ErrEOFInString at the end of the string's text), the backslash of the escape
	// (ErrInvalidHexEscape, ErrEOFInString inside an escape; for ErrLoneHighSurrogate and
	// ErrNotLowSurrogate, the high surrogate's escape), the first letter of the literal
	// (ErrInvalidLiteral). Otherwise it equals Offset.
	Start int
	// Msg says what was wrong, e.g. "trailing comma in the array that starts at byte 0".
	Msg string
}

var _ error = (*SyntaxError)(nil)

// Error returns "json: <Msg> at byte offset <Offset>".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("json: %s at byte offset %d", e.Msg, e.Offset)
}

// Unwrap returns the error's kind, so that errors.Is(err, value.ErrTrailingComma) works.
func (e *SyntaxError) Unwrap() error { return e.Kind }

// SyntaxErrorKind is a kind of fault [Parse] finds in its input. It is an error itself, a
// sentinel that a [*SyntaxError] unwraps to.
type SyntaxErrorKind uint8

var _ error = SyntaxErrorKind(0)

// The kinds of [SyntaxError]. Where the input ends too early, the kind says inside what.
const (
	_ SyntaxErrorKind = iota
	// ErrTooLarge: the input is longer than Limits.MaxBytes.
	ErrTooLarge
	// ErrRecursionLimit: more than MaxDepth arrays and objects are nested.
	ErrRecursionLimit
	// ErrEOF: the input ends where a value, or the rest of a literal, should be.
	ErrEOF
	// ErrEOFInNumber: the input ends inside a number ("-", "1.", "1e+").
	ErrEOFInNumber
	// ErrEOFInString: the input ends inside a string, possibly inside one of its escapes.
	ErrEOFInString
	// ErrEOFInArray: the input ends after an element of an array.
	ErrEOFInArray
	// ErrEOFInObject: the input ends in an object, where a key, ':', ',' or '}' should be.
	ErrEOFInObject
	// ErrExpectedValue: a value should start at a byte that cannot start one.
	ErrExpectedValue
	// ErrInvalidLiteral: a literal that starts like true, false or null is not one.
	ErrInvalidLiteral
	// ErrInvalidNumber: a number breaks RFC 8259's grammar ("01", "-a", "1.x", "1ex").
	ErrInvalidNumber
	// ErrNumberOutOfRange: a number is beyond the range of a float64 (Offset is its start).
	ErrNumberOutOfRange
	// ErrControlCharacter: a string holds a raw byte below 0x20.
	ErrControlCharacter
	// ErrInvalidUTF8: a string holds bytes that are not UTF-8.
	ErrInvalidUTF8
	// ErrInvalidEscape: a backslash in a string is followed by a letter no escape starts with.
	ErrInvalidEscape
	// ErrInvalidHexEscape: a \u escape has a character that is not a hex digit.
	ErrInvalidHexEscape
	// ErrLoneLowSurrogate: a \u escape is a low surrogate with no high surrogate before it
	// (Offset is its backslash).
	ErrLoneLowSurrogate
	// ErrLoneHighSurrogate: a high surrogate's \u escape is not followed by another \u escape
	// (Offset is just after it).
	ErrLoneHighSurrogate
	// ErrNotLowSurrogate: a high surrogate's \u escape is followed by a \u escape that is not a
	// low surrogate (Offset is the second escape's backslash).
	ErrNotLowSurrogate
	// ErrKeyNotString: an object key is not a string.
	ErrKeyNotString
	// ErrExpectedColon: an object key is not followed by ':'.
	ErrExpectedColon
	// ErrExpectedCommaOrBracket: an array element is followed by neither ',' nor ']'.
	ErrExpectedCommaOrBracket
	// ErrExpectedCommaOrBrace: an object member is followed by neither ',' nor '}'.
	ErrExpectedCommaOrBrace
	// ErrTrailingComma: an array or object ends with a comma.
	ErrTrailingComma
	// ErrTrailingCharacters: something other than whitespace follows the value.
	ErrTrailingCharacters
)

var syntaxKindNames = [...]string{
	ErrTooLarge:               "input too large",
	ErrRecursionLimit:         "recursion limit exceeded",
	ErrEOF:                    "unexpected end of input",
	ErrEOFInNumber:            "unexpected end of input in a number",
	ErrEOFInString:            "unexpected end of input in a string",
	ErrEOFInArray:             "unexpected end of input in an array",
	ErrEOFInObject:            "unexpected end of input in an object",
	ErrExpectedValue:          "expected a value",
	ErrInvalidLiteral:         "invalid literal",
	ErrInvalidNumber:          "invalid number",
	ErrNumberOutOfRange:       "number out of range",
	ErrControlCharacter:       "control character in a string",
	ErrInvalidUTF8:            "invalid UTF-8 in a string",
	ErrInvalidEscape:          "invalid escape",
	ErrInvalidHexEscape:       "invalid \\u escape",
	ErrLoneLowSurrogate:       "unpaired low surrogate",
	ErrLoneHighSurrogate:      "unpaired high surrogate",
	ErrNotLowSurrogate:        "high surrogate not followed by a low surrogate",
	ErrKeyNotString:           "object key must be a string",
	ErrExpectedColon:          "expected ':'",
	ErrExpectedCommaOrBracket: "expected ',' or ']'",
	ErrExpectedCommaOrBrace:   "expected ',' or '}'",
	ErrTrailingComma:          "trailing comma",
	ErrTrailingCharacters:     "trailing characters",
}

// Error returns "json: " and the kind's name, e.g. "json: trailing comma".
func (k SyntaxErrorKind) Error() string {
	if int(k) < len(syntaxKindNames) && syntaxKindNames[k] != "" {
		return "json: " + syntaxKindNames[k]
	}
	return fmt.Sprintf("json: syntax error kind %d", uint8(k))
}
