package value

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"unsafe"
)

func mustParse(t testing.TB, s string) Value {
	t.Helper()
	v, err := Parse([]byte(s), Limits{})
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return v
}

// TestParseErrors: what is rejected, where, and that the message says why.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		in     string
		offset int
		kind   SyntaxErrorKind
		msg    string
	}{
		{"", 0, ErrEOF, "unexpected end of input, expected a value"},
		{" \n\t\r", 4, ErrEOF, "unexpected end of input, expected a value"},
		{"\ufeff1", 0, ErrExpectedValue, `expected a value, found '\ufeff' (U+FEFF)`},
		{"\v1", 0, ErrExpectedValue, "expected a value, found byte 0x0b"},
		{"\u00a01", 0, ErrExpectedValue, `expected a value, found '\u00a0' (U+00A0)`},
		{"\xff", 0, ErrExpectedValue, "expected a value, found byte 0xff (not UTF-8)"},
		{"nul", 3, ErrEOF, `unexpected end of input in "null"`},
		{"nulL", 3, ErrInvalidLiteral, `invalid literal starting at byte 0: expected "null", found 'L'`},
		{"True", 0, ErrExpectedValue, "expected a value, found 'T'"},
		{"nulll", 4, ErrTrailingCharacters, "trailing characters after the JSON value: 'l'"},
		{"1 2", 2, ErrTrailingCharacters, "trailing characters"},
		{"{}x", 2, ErrTrailingCharacters, "trailing characters"},
		{"1 // c", 2, ErrTrailingCharacters, "trailing characters"},
		{"/* c */ 1", 0, ErrExpectedValue, "expected a value, found '/'"},
		{"01", 1, ErrInvalidNumber, "invalid number: leading zero"},
		{"-01", 2, ErrInvalidNumber, "invalid number: leading zero"},
		{"-", 1, ErrEOFInNumber, "unexpected end of input in a number"},
		{"-a", 1, ErrInvalidNumber, "invalid number: expected a digit, found 'a'"},
		{"+1", 0, ErrExpectedValue, "expected a value, found '+'"},
		{".5", 0, ErrExpectedValue, "expected a value, found '.'"},
		{"5.", 2, ErrEOFInNumber, "unexpected end of input in a number: expected a digit after '.'"},
		{"5.e3", 2, ErrInvalidNumber, "invalid number: expected a digit after '.', found 'e'"},
		{"1e", 2, ErrEOFInNumber, "unexpected end of input in a number: expected a digit in the exponent"},
		{"1e+", 3, ErrEOFInNumber, "unexpected end of input in a number: expected a digit in the exponent"},
		{"1ex", 2, ErrInvalidNumber, "invalid number: expected a digit in the exponent, found 'x'"},
		{"NaN", 0, ErrExpectedValue, "expected a value, found 'N'"},
		{"Infinity", 0, ErrExpectedValue, "expected a value, found 'I'"},
		{"1e309", 0, ErrNumberOutOfRange, "number out of range"},
		{"-1e309", 0, ErrNumberOutOfRange, "number out of range"},
		{"[1, 1e400]", 4, ErrNumberOutOfRange, "number out of range"},
		{"1e99999999999", 0, ErrNumberOutOfRange, "number out of range"},
		{"1" + strings.Repeat("0", 309), 0, ErrNumberOutOfRange, "number out of range"},
		{"1.7976931348623159e308", 0, ErrNumberOutOfRange, "number out of range"},
		{`"abc`, 4, ErrEOFInString, "unexpected end of input in the string that starts at byte 0"},
		{`"\`, 2, ErrEOFInString, "unexpected end of input in an escape sequence"},
		{`"\q"`, 1, ErrInvalidEscape, `invalid escape \'q' in a string`},
		{`"\U0041"`, 1, ErrInvalidEscape, `invalid escape \'U' in a string`},
		{`"\u12"`, 5, ErrInvalidHexEscape, `invalid \u escape at byte 1: '"' is not a hex digit`},
		{`"\u12g4"`, 5, ErrInvalidHexEscape, `invalid \u escape at byte 1: 'g' is not a hex digit`},
		{`"\u00`, 5, ErrEOFInString, `unexpected end of input in the \u escape at byte 1`},
		{`"\udc00"`, 1, ErrLoneLowSurrogate, `unpaired low surrogate \udc00 in a string`},
		{`"\ud800"`, 7, ErrLoneHighSurrogate, `unpaired high surrogate \ud800 in a string (not followed by \u and a low surrogate)`},
		{`"\ud800x"`, 7, ErrLoneHighSurrogate, `unpaired high surrogate \ud800`},
		{`"\ud800\n"`, 7, ErrLoneHighSurrogate, `unpaired high surrogate \ud800`},
		{`"\ud800\u0041"`, 7, ErrNotLowSurrogate, `unpaired high surrogate \ud800 in a string (followed by \u0041, not a low surrogate)`},
		{`"\ud800\ud800"`, 7, ErrNotLowSurrogate, `followed by \ud800, not a low surrogate`},
		{"\"a\x00\"", 2, ErrControlCharacter, "control character 0x00 in a string (must be escaped)"},
		{"\"\x1f\"", 1, ErrControlCharacter, "control character 0x1f in a string"},
		{"\"\t\"", 1, ErrControlCharacter, "control character 0x09 in a string"},
		{"\"\\n\n\"", 3, ErrControlCharacter, "control character 0x0a in a string"},
		{"\"\xff\"", 1, ErrInvalidUTF8, "invalid UTF-8 in a string"},
		{"\"\xed\xa0\x80\"", 1, ErrInvalidUTF8, "invalid UTF-8 in a string"}, // a UTF-8-encoded surrogate
		{"\"\xc0\xaf\"", 1, ErrInvalidUTF8, "invalid UTF-8 in a string"},     // overlong
		{"\"\\n\xe2\x82\"", 3, ErrInvalidUTF8, "invalid UTF-8 in a string"},
		{"[", 1, ErrEOF, "unexpected end of input, expected a value"},
		{"[1", 2, ErrEOFInArray, "unexpected end of input in the array that starts at byte 0"},
		{"[1,", 3, ErrEOF, "unexpected end of input, expected a value"},
		{"[1,]", 3, ErrTrailingComma, "trailing comma in the array that starts at byte 0"},
		{"[ 1 , ]", 6, ErrTrailingComma, "trailing comma"},
		{"[,1]", 1, ErrExpectedValue, "expected a value, found ','"},
		{"[1 2]", 3, ErrExpectedCommaOrBracket, "expected ',' or ']' in the array that starts at byte 0, found '2'"},
		{"[1}", 2, ErrExpectedCommaOrBracket, "expected ',' or ']'"},
		{"{", 1, ErrEOFInObject, "unexpected end of input in the object that starts at byte 0"},
		{`{"a"`, 4, ErrEOFInObject, "unexpected end of input in the object"},
		{`{"a" 1}`, 5, ErrExpectedColon, "expected ':' after an object key, found '1'"},
		{`{"a":}`, 5, ErrExpectedValue, "expected a value, found '}'"},
		{`{"a":1`, 6, ErrEOFInObject, "unexpected end of input in the object"},
		{`{"a":1,}`, 7, ErrTrailingComma, "trailing comma in the object that starts at byte 0"},
		{`{"a":1 "b":2}`, 7, ErrExpectedCommaOrBrace, "expected ',' or '}' in the object that starts at byte 0, found '\"'"},
		{`{a:1}`, 1, ErrKeyNotString, "object key must be a string, found 'a'"},
		{`{1:1}`, 1, ErrKeyNotString, "object key must be a string, found '1'"},
		{`{,}`, 1, ErrKeyNotString, "object key must be a string, found ','"},
		{`[{"a":[1,}]}]`, 9, ErrExpectedValue, "expected a value, found '}'"},
		{strings.Repeat("[", 128) + strings.Repeat("]", 128), 127, ErrRecursionLimit, "recursion limit exceeded: more than 127 nested arrays and objects"},
		{strings.Repeat(`{"a":`, 128) + "1" + strings.Repeat("}", 128), 127 * 5, ErrRecursionLimit, "recursion limit exceeded"},
		{strings.Repeat("[", 1000000), 127, ErrRecursionLimit, "recursion limit exceeded"},
	}
	for _, tc := range tests {
		v, err := Parse([]byte(tc.in), Limits{})
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%.40q) = %v, %v; want a *SyntaxError", tc.in, v, err)
			continue
		}
		if se.Offset != tc.offset || !strings.Contains(se.Msg, tc.msg) {
			t.Errorf("Parse(%.40q): error at %d %q; want at %d, containing %q", tc.in, se.Offset, se.Msg, tc.offset, tc.msg)
		}
		if se.Kind != tc.kind || !errors.Is(err, tc.kind) || errors.Is(err, ErrExpectedValue) != (tc.kind == ErrExpectedValue) {
			t.Errorf("Parse(%.40q): kind %v, want %v", tc.in, se.Kind, tc.kind)
		}
		if want := "json: " + se.Msg + " at byte offset "; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Error() = %q, want prefix %q", err.Error(), want)
		}
	}
}

// TestParseErrorStart: the offset of the construct an error is in, which a caller needs to
// place the error the way serde_json does.
func TestParseErrorStart(t *testing.T) {
	tests := []struct {
		in    string
		kind  SyntaxErrorKind
		start int
	}{
		{" [1 2]", ErrExpectedCommaOrBracket, 1},
		{`[{"a":1 2}]`, ErrExpectedCommaOrBrace, 1},
		{"[0, [1,]]", ErrTrailingComma, 4},
		{`[{"a":1,}]`, ErrTrailingComma, 1},
		{"[[1", ErrEOFInArray, 1},
		{`[{"a"`, ErrEOFInObject, 1},
		{`["x", "abc`, ErrEOFInString, 6},
		{`"ab\`, ErrEOFInString, 3},
		{`"ab\u00`, ErrEOFInString, 3},
		{`"ab\u0g00"`, ErrInvalidHexEscape, 3},
		{`"\ud800\u0041"`, ErrNotLowSurrogate, 1},
		{`"\ud800x"`, ErrLoneHighSurrogate, 1},
		{"[nulx]", ErrInvalidLiteral, 1},
		{"1 2", ErrTrailingCharacters, 2}, // no construct: Start is Offset
	}
	for _, tc := range tests {
		_, err := Parse([]byte(tc.in), Limits{})
		var se *SyntaxError
		if !errors.As(err, &se) || se.Kind != tc.kind || se.Start != tc.start {
			t.Errorf("Parse(%q) = %#v, want kind %v starting at %d", tc.in, err, tc.kind, tc.start)
		}
	}
}

// TestSyntaxErrorKinds: every kind names itself, as an error of its own.
func TestSyntaxErrorKinds(t *testing.T) {
	seen := map[string]bool{}
	for k := ErrTooLarge; k <= ErrTrailingCharacters; k++ {
		msg := k.Error()
		if !strings.HasPrefix(msg, "json: ") || strings.Contains(msg, "kind") || seen[msg] {
			t.Errorf("kind %d: Error() = %q, want a distinct name", k, msg)
		}
		seen[msg] = true
	}
	if got := SyntaxErrorKind(200).Error(); got != "json: syntax error kind 200" {
		t.Errorf("unknown kind: %q", got)
	}
}

func TestParseLimits(t *testing.T) {
	in := []byte(`[1, 2, 3]`)
	if _, err := Parse(in, Limits{MaxBytes: len(in)}); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	_, err := Parse(in, Limits{MaxBytes: len(in) - 1})
	var se *SyntaxError
	if !errors.As(err, &se) || se.Kind != ErrTooLarge || se.Offset != len(in)-1 || !strings.Contains(se.Msg, "input of 9 bytes exceeds the limit of 8 bytes") {
		t.Errorf("over the limit: %v", err)
	}
	// The limit is checked before parsing: an invalid text over the limit reports the limit.
	if _, err := Parse([]byte("[[[["), Limits{MaxBytes: 2}); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("invalid text over the limit: %v", err)
	}
}

func TestParseDepth(t *testing.T) {
	for depth := MaxDepth - 2; depth <= MaxDepth+1; depth++ {
		for _, in := range []string{
			strings.Repeat("[", depth) + strings.Repeat("]", depth),
			strings.Repeat(`{"k":`, depth) + "null" + strings.Repeat("}", depth),
			strings.Repeat(`[{"k":`, depth/2) + []string{"null", "[]"}[depth%2] + strings.Repeat("}]", depth/2),
		} {
			v, err := Parse([]byte(in), Limits{})
			if ok := depth <= MaxDepth; (err == nil) != ok {
				t.Errorf("depth %d (%.12s...): err %v, want accepted %v", depth, in, err, ok)
			} else if ok && v.String() != in {
				t.Errorf("depth %d: re-encoded differently", depth)
			}
		}
	}
}

// TestParseNumbers: the three number forms, and serde_json's float reading.
func TestParseNumbers(t *testing.T) {
	type form int
	const (
		u form = iota
		i
		f
	)
	tests := []struct {
		in   string
		form form
		u    uint64
		i    int64
		f    float64
	}{
		{"0", u, 0, 0, 0},
		{"7", u, 7, 0, 0},
		{"18446744073709551615", u, math.MaxUint64, 0, 0},
		{"9223372036854775808", u, 1 << 63, 0, 0},
		{"-1", i, 0, -1, 0},
		{"-9223372036854775808", i, 0, math.MinInt64, 0},
		{"-9223372036854775809", f, 0, 0, -9223372036854775809},
		{"18446744073709551616", f, 0, 0, 18446744073709551616},
		{"-18446744073709551615", f, 0, 0, -18446744073709551615},
		{"-0", f, 0, 0, math.Copysign(0, -1)},
		{"-0.0", f, 0, 0, math.Copysign(0, -1)},
		{"0.0", f, 0, 0, 0},
		{"1.0", f, 0, 0, 1},
		{"1e2", f, 0, 0, 100},
		{"1E+2", f, 0, 0, 100},
		{"-1e-2", f, 0, 0, -0.01},
		{"5e-324", f, 0, 0, 5e-324},
		{"1e-400", f, 0, 0, 0},
		{"-1e-400", f, 0, 0, math.Copysign(0, -1)},
		{"0e99999999999", f, 0, 0, 0},
		{"-5e-99999999999", f, 0, 0, math.Copysign(0, -1)},
		{"1.7976931348623157e308", f, 0, 0, math.MaxFloat64},
		{"123456789012345678901234567890", f, 0, 0, 1.2345678901234568e29},
		// serde_json is not correctly rounded here: 22250738585072011 (rounded to an f64) divided
		// by 1e324 (in two steps) gives the smallest normal, not the largest subnormal.
		{"2.2250738585072011e-308", f, 0, 0, 2.2250738585072014e-308},
	}
	for _, tc := range tests {
		v := mustParse(t, tc.in)
		switch tc.form {
		case u:
			got, ok := v.Uint64()
			if !ok || got != tc.u || !v.IsInteger() || v.IsFloat() {
				t.Errorf("%s: got %v (%v, %v), want the u64 %d", tc.in, v, got, ok, tc.u)
			}
		case i:
			got, ok := v.Int64()
			if _, isU := v.Uint64(); !ok || isU || got != tc.i || !v.IsInteger() {
				t.Errorf("%s: got %v, want the i64 %d", tc.in, v, tc.i)
			}
		case f:
			got, ok := v.Float64()
			if !ok || !v.IsFloat() || v.IsInteger() || math.Float64bits(got) != math.Float64bits(tc.f) {
				t.Errorf("%s: got %v (%g), want the f64 %g", tc.in, v, got, tc.f)
			}
		}
	}
}

// TestParseStrings: escapes decoded, raw text kept.
func TestParseStrings(t *testing.T) {
	tests := []struct{ in, want string }{
		{`""`, ""},
		{`"\"\\\/\b\f\n\r\t"`, "\"\\/\b\f\n\r\t"},
		{`"\u0000\u001F\u007f"`, "\x00\x1f\x7f"},
		{`"\u00e9\u00E9é"`, "ééé"},
		{`"\ud83d\ude00\uD83D\uDE00😀"`, "😀😀😀"},
		{`"\udbff\udfff"`, "\U0010FFFF"},
		{`"\uffff\ufeff"`, "\uffff\ufeff"},
		{"\"\u2028\x7f/\"", "\u2028\x7f/"},
		{`"a\nb"`, "a\nb"},
	}
	for _, tc := range tests {
		v := mustParse(t, tc.in)
		if got, ok := v.Str(); !ok || got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseObjects(t *testing.T) {
	v := mustParse(t, ` { "b" : 1 , "a":[2], "b":3, "":null, "a":{"y":1,"x":2,"y":3} } `)
	if got, want := v.String(), `{"":null,"a":{"x":2,"y":3},"b":3}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if v.Len() != 3 {
		t.Errorf("Len = %d, want 3", v.Len())
	}
}

// A Reader kept across documents keeps the scratch the longest one needed (Retained says how
// much), and after Reset hands out storage of its own to what it reads next: what it read
// before stays as it was.
func TestReaderKeptAcrossDocuments(t *testing.T) {
	var r Reader
	long := "[" + strings.Repeat(`{"a":[1,"x"]},`, 999) + `{"a":[1,"x"]}]`
	first, err := r.ParseString(long, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Retained(), 1000*int(unsafe.Sizeof(Value{})); got < want {
		t.Fatalf("Retained after an array of 1000: %d bytes, want at least %d", got, want)
	}
	want := string(first.AppendJSON(nil))
	r.Reset()
	for i := range 50 {
		if _, err := r.ParseString(fmt.Sprintf(`[{"b":%d},[%d,"y"]]`, i, i), Limits{}); err != nil {
			t.Fatal(err)
		}
	}
	if got := string(first.AppendJSON(nil)); got != want {
		t.Fatalf("a value read before Reset changed after later reads:\n%s\nwant\n%s", got, want)
	}
}
