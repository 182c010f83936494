package builtin

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aquanet/aquanet/interpreter/value"
)

// The json service, as nox implements it: fluencelabs/nox, particle-builtins/src/json.rs (obj,
// put, puts, parse, stringify) and the ("json", …) arms of particle-builtins/src/builtins.rs.
//
//   - obj(k1, v1, k2, v2, …): any number of arguments, read in pairs, in order; the first
//     bad pair fails: a key with no value gives "Expected odd number of arguments, got even. No
//     value for key 'K'", a key that is not a string gives "All keys must be of type string. Key
//     of the following pair is of invalid type: (K, V)" (K and V as compact JSON, so a string
//     key shows in quotes). No arguments give {}. A repeated key keeps its last value.
//   - put(object, key, value): reads the arguments "object" (an object), "key" (a string) and
//     "value" (anything) with nox's argument reader: a missing one or one of the wrong type is
//     that reader's error (args.go); arguments after the third are ignored.
//   - puts(object, k1, v1, …): "object" as in put, then the pairs as in obj.
//   - parse(s: string): exactly 1 argument (unary: "expected 1 arguments, got N"), a string,
//     read as serde_json::from_str reads it (value.Parse); an invalid text fails with nox's
//     context and serde_json 1.0.120's message and position (see parseError; that is the
//     serde_json in nox's Cargo.lock). The result is
//     the value nox's serde_json reads; that AquaVM then re-reads nox's printing of it (which
//     can change a float, see value.Parse) is left to whoever hands results to the script.
//   - stringify(v): exactly 1 argument, any value; its compact JSON (serde_json's to_string).
//
// Key order: nox builds serde_json with "preserve_order" (its Cargo.toml), so inside nox an
// object keeps insertion order, but results reach the script through AquaVM, which sorts keys
// (and nox's arguments arrive from AquaVM sorted). value.Object sorts keys, so results and
// stringify's text are what the script sees from nox.
func init() {
	register("json", map[string]Func{
		"obj":       jsonObj,
		"put":       jsonPut,
		"puts":      jsonPuts,
		"parse":     jsonParse,
		"stringify": jsonStringify,
	})
}

// mapType is how nox's argument reader names serde_json::Map<String, Value> in its errors.
const mapType = "serde_json::map::Map<String, serde_json::value::Value>"

// objectArg reads args[i], named field, as a JSON object.
func objectArg(args []value.Value, i int, field string) (value.Value, error) {
	if i >= len(args) {
		return value.Value{}, MissingField(field)
	}
	if args[i].Kind() != value.KindObject {
		return value.Value{}, WrongType(field, mapType, args[i])
	}
	return args[i], nil
}

// withPairs returns the object of obj's fields and the key-value pairs in kvs, later ones
// replacing earlier ones, failing on the first bad pair as nox's obj_from_iter does.
func withPairs(obj value.Value, kvs []value.Value) (value.Value, error) {
	n := obj.Len()
	keys := make([]string, n, n+len(kvs)/2)
	vals := make([]value.Value, n, n+len(kvs)/2)
	for i := range n {
		keys[i], vals[i] = obj.Field(i)
	}
	for i := 0; i < len(kvs); i += 2 {
		k := kvs[i]
		if i+1 == len(kvs) {
			return value.Value{}, errorf("Expected odd number of arguments, got even. No value for key '%s'", k)
		}
		s, ok := k.Str()
		if !ok {
			return value.Value{}, errorf("All keys must be of type string. Key of the following pair is of invalid type: (%s, %s)", k, kvs[i+1])
		}
		keys = append(keys, s)
		vals = append(vals, kvs[i+1])
	}
	// value.Object keeps the last value of a repeated key, as serde_json's map insert does.
	return value.Object(keys, vals), nil
}

func jsonObj(args []value.Value) (value.Value, error) {
	return withPairs(value.Object(nil, nil), args)
}

func jsonPut(args []value.Value) (value.Value, error) {
	obj, err := objectArg(args, 0, "object")
	if err != nil {
		return value.Value{}, err
	}
	key, err := StringArg(args, 1, "key")
	if err != nil {
		return value.Value{}, err
	}
	if len(args) < 3 {
		return value.Value{}, MissingField("value")
	}
	return withPairs(obj, []value.Value{value.String(key), args[2]})
}

func jsonPuts(args []value.Value) (value.Value, error) {
	obj, err := objectArg(args, 0, "object")
	if err != nil {
		return value.Value{}, err
	}
	return withPairs(obj, args[1:])
}

func jsonStringify(args []value.Value) (value.Value, error) {
	if err := wantArgs(args, 1); err != nil {
		return value.Value{}, err
	}
	return value.String(args[0].String()), nil
}

func jsonParse(args []value.Value) (value.Value, error) {
	if err := wantArgs(args, 1); err != nil {
		return value.Value{}, err
	}
	s, err := StringArg(args, 0, "x")
	if err != nil {
		return value.Value{}, err
	}
	v, err := value.Parse([]byte(s), value.Limits{})
	if err != nil {
		return value.Value{}, parseError(s, err)
	}
	return v, nil
}

// parseError is json.parse's failure: nox's context line, "error parsing json S", then
// serde_json's message and position. nox (JError::from_eyre) prints that as eyre's report, the
// context twice, the cause, and the Rust source location of the call; we keep the context and the
// cause on one line, and quote at most maxQuoted bytes of S, so that a megabyte of bad text does
// not make a two-megabyte error.
func parseError(s string, err error) error {
	quoted := s
	if len(quoted) > maxQuoted {
		quoted = strings.ToValidUTF8(quoted[:maxQuoted], "") + "…"
	}
	return errorf("Error: error parsing json %s: %s", quoted, serdeMessage(s, err))
}

// maxQuoted bounds how much of a bad text an error quotes.
const maxQuoted = 100

// serdeMessage is serde_json 1.0.120's Display of its error reading s (src/error.rs,
// src/de.rs, src/read.rs), worked out from value.Parse's error err, which finds the same
// fault: the message of serde_json's ErrorCode and " at line L column C", where the column
// counts bytes from the start of the line up to serde_json's read position (just past the
// offending byte for most faults).
func serdeMessage(s string, err error) string {
	var se *value.SyntaxError
	if !errors.As(err, &se) {
		return err.Error()
	}
	msg, at := serdeCode(s, se)
	at = max(0, min(at, len(s)))
	lineStart := strings.LastIndexByte(s[:at], '\n') + 1
	line := 1 + strings.Count(s[:lineStart], "\n")
	return fmt.Sprintf("%s at line %d column %d", msg, line, at-lineStart)
}

// serdeCode maps value.Parse's error se, for the text s, to serde_json's message for the same
// fault, and the read position serde_json reports it at. It goes by se's kind and offsets,
// never by its wording. One known approximation: an exponent too long for an i32
// ("1e99999999999") is reported at the number's end, where serde_json reports it at the digit
// that overflowed.
func serdeCode(s string, se *value.SyntaxError) (string, int) {
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
	case value.ErrRecursionLimit:
		return "recursion limit exceeded", o + 1
	case value.ErrNumberOutOfRange:
		// Reported after the number's last character (o is its start).
		end := o
		for end < len(s) && strings.IndexByte("+-.eE0123456789", s[end]) >= 0 {
			end++
		}
		return "number out of range", end
	case value.ErrTrailingCharacters:
		return "trailing characters", o + 1
	case value.ErrTrailingComma:
		return "trailing comma", o + 1
	case value.ErrControlCharacter:
		return "control character (\\u0000-\\u001F) found while parsing a string", o + 1
	case value.ErrLoneLowSurrogate, value.ErrNotLowSurrogate:
		// o is the escape's backslash (of the second escape, after a high surrogate);
		// serde_json has read its four hex digits.
		return "lone leading surrogate in hex escape", o + 6
	case value.ErrLoneHighSurrogate:
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
	case value.ErrInvalidHexEscape:
		// serde_json reads the four hex digits only if they are all there.
		if se.Start+6 > len(s) {
			return eofString, len(s)
		}
		return "invalid escape", o + 1
	case value.ErrInvalidEscape:
		// o is the backslash; serde_json has read the letter after it.
		return "invalid escape", o + 2
	case value.ErrInvalidUTF8:
		// Cannot happen: the argument is a string, so valid UTF-8.
		return "invalid unicode code point", o + 1
	case value.ErrEOFInString:
		return eofString, len(s)
	case value.ErrEOFInNumber:
		return eofValue, len(s)
	case value.ErrInvalidNumber:
		return "invalid number", o + 1
	case value.ErrEOFInArray:
		return "EOF while parsing a list", len(s)
	case value.ErrEOFInObject:
		if prev == ',' {
			return eofValue, len(s) // {"a": 1,
		}
		return "EOF while parsing an object", len(s)
	case value.ErrEOF:
		if prev == '[' {
			return "EOF while parsing a list", len(s) // [
		}
		return eofValue, len(s)
	case value.ErrInvalidLiteral:
		return "expected ident", o + 1
	case value.ErrKeyNotString:
		return "key must be a string", o + 1
	case value.ErrExpectedColon:
		return "expected `:`", o + 1
	case value.ErrExpectedCommaOrBracket:
		return "expected `,` or `]`", o + 1
	case value.ErrExpectedCommaOrBrace:
		return "expected `,` or `}`", o + 1
	}
	// ErrExpectedValue (and ErrTooLarge, which json.parse sets no limit for).
	return "expected value", o + 1
}
