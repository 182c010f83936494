package builtin

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/interpreter/value"
)

const mapTypeErr = "expected serde_json::map::Map<String, serde_json::value::Value>"

func TestJSONObj(t *testing.T) {
	checkCalls(t, "json", "obj", []ajCase{
		{args: `[]`, want: `{}`},
		{args: `["b", 1, "a", [2, {"z": null}]]`, want: `{"a":[2,{"z":null}],"b":1}`},
		{args: `["a", 1, "a", 2]`, want: `{"a":2}`},
		{args: `["", "x"]`, want: `{"":"x"}`},
		{args: `["a"]`, wantErr: `Expected odd number of arguments, got even. No value for key '"a"'`},
		{args: `["a", 1, 7]`, wantErr: `Expected odd number of arguments, got even. No value for key '7'`},
		{args: `[1, "a"]`, wantErr: `All keys must be of type string. Key of the following pair is of invalid type: (1, "a")`},
		{args: `["a", 1, {"k": 1}, [2]]`, wantErr: `All keys must be of type string. Key of the following pair is of invalid type: ({"k":1}, [2])`},
		// The first bad pair decides the error.
		{args: `[null, 1, "b"]`, wantErr: `All keys must be of type string. Key of the following pair is of invalid type: (null, 1)`},
	})
}

func TestJSONPut(t *testing.T) {
	checkCalls(t, "json", "put", []ajCase{
		{args: `[{}, "a", 1]`, want: `{"a":1}`},
		{args: `[{"b": 1, "a": 2}, "a", "x"]`, want: `{"a":"x","b":1}`},
		{args: `[{"c": 1}, "a", null]`, want: `{"a":null,"c":1}`},
		{args: `[{}, "a", 1, "ignored", 2]`, want: `{"a":1}`},
		{args: `[]`, wantErr: `Error: Field 'object' is missing from args to call_service`},
		{args: `[{}]`, wantErr: `Error: Field 'key' is missing from args to call_service`},
		{args: `[{}, "a"]`, wantErr: `Error: Field 'value' is missing from args to call_service`},
		{args: `[[], "a", 1]`, wantErr: `Error: Error deserializing field 'object': ` + mapTypeErr + `, got []`},
		{args: `["{}", "a", 1]`, wantErr: `Error: Error deserializing field 'object': ` + mapTypeErr + `, got "{}"`},
		{args: `[{}, 1, 1]`, wantErr: `Error: Error deserializing field 'key': expected String, got 1`},
	})
}

func TestJSONPuts(t *testing.T) {
	checkCalls(t, "json", "puts", []ajCase{
		{args: `[{"x": 0}]`, want: `{"x":0}`},
		{args: `[{"x": 0}, "b", 1, "x", 2, "a", 3]`, want: `{"a":3,"b":1,"x":2}`},
		{args: `[{}, "a", 1, "a", 2]`, want: `{"a":2}`},
		{args: `[]`, wantErr: `Error: Field 'object' is missing from args to call_service`},
		{args: `[5, "a", 1]`, wantErr: `Error: Error deserializing field 'object': ` + mapTypeErr + `, got 5`},
		{args: `[{}, "a"]`, wantErr: `Expected odd number of arguments, got even. No value for key '"a"'`},
		{args: `[{}, true, 1]`, wantErr: `All keys must be of type string. Key of the following pair is of invalid type: (true, 1)`},
	})
}

func TestJSONStringify(t *testing.T) {
	checkCalls(t, "json", "stringify", []ajCase{
		{args: `[{"b": [1, 2.5, -3], "a": {"c": null, "d": true}}]`, want: `"{\"a\":{\"c\":null,\"d\":true},\"b\":[1,2.5,-3]}"`},
		{args: `["x\"y"]`, want: `"\"x\\\"y\""`},
		{args: `[1.0]`, want: `"1.0"`},
		{args: `[1e20]`, want: `"1e20"`},
		{args: `[null]`, want: `"null"`},
		{args: `[]`, wantErr: `expected 1 arguments, got 0`},
		{args: `[1, 2]`, wantErr: `expected 1 arguments, got 2`},
	})
}

// parseErr is json.parse's error for text and serde_json's message for it.
func parseErr(text, serde string) string {
	return "Error: error parsing json " + text + ": " + serde
}

func TestJSONParse(t *testing.T) {
	checkCalls(t, "json", "parse", []ajCase{
		{args: `["{\"b\": [1, 2.5, -0], \"a\": \"x\"}"]`, want: `{"a":"x","b":[1,2.5,-0.0]}`},
		{args: `["  null "]`, want: `null`},
		{args: `["\"s\""]`, want: `"s"`},
		{args: `["{\"a\": 1, \"a\": 2}"]`, want: `{"a":2}`},
		{args: `["18446744073709551616"]`, want: `1.8446744073709552e19`},
		{args: `[]`, wantErr: `expected 1 arguments, got 0`},
		{args: `["1", "2"]`, wantErr: `expected 1 arguments, got 2`},
		{args: `[{}]`, wantErr: `Error: Error deserializing field 'x': expected String, got {}`},
		// serde_json's messages and positions (src/de.rs, src/read.rs of serde_json 1.0.120).
		{args: `[""]`, wantErr: parseErr(``, `EOF while parsing a value at line 1 column 0`)},
		{args: `["x"]`, wantErr: parseErr(`x`, `expected value at line 1 column 1`)},
		{args: `["1 2"]`, wantErr: parseErr(`1 2`, `trailing characters at line 1 column 3`)},
		{args: `["[1,2"]`, wantErr: parseErr(`[1,2`, `EOF while parsing a list at line 1 column 4`)},
		{args: `["["]`, wantErr: parseErr(`[`, `EOF while parsing a list at line 1 column 1`)},
		{args: `["[1,"]`, wantErr: parseErr(`[1,`, `EOF while parsing a value at line 1 column 3`)},
		{args: `["[1,]"]`, wantErr: parseErr(`[1,]`, `trailing comma at line 1 column 4`)},
		{args: `["[1 2]"]`, wantErr: parseErr(`[1 2]`, "expected `,` or `]` at line 1 column 4")},
		{args: `["{"]`, wantErr: parseErr(`{`, `EOF while parsing an object at line 1 column 1`)},
		{args: `["{\"a\":1,"]`, wantErr: parseErr(`{"a":1,`, `EOF while parsing a value at line 1 column 7`)},
		{args: `["{\"a\":1,}"]`, wantErr: parseErr(`{"a":1,}`, `trailing comma at line 1 column 8`)},
		{args: `["{\"a\" 1}"]`, wantErr: parseErr(`{"a" 1}`, "expected `:` at line 1 column 6")},
		{args: `["{\"a\":1 2}"]`, wantErr: parseErr(`{"a":1 2}`, "expected `,` or `}` at line 1 column 8")},
		{args: `["{1:2}"]`, wantErr: parseErr(`{1:2}`, `key must be a string at line 1 column 2`)},
		{args: `["nul"]`, wantErr: parseErr(`nul`, `EOF while parsing a value at line 1 column 3`)},
		{args: `["nulx"]`, wantErr: parseErr(`nulx`, `expected ident at line 1 column 4`)},
		{args: `["-"]`, wantErr: parseErr(`-`, `EOF while parsing a value at line 1 column 1`)},
		{args: `["-a"]`, wantErr: parseErr(`-a`, `invalid number at line 1 column 2`)},
		{args: `["01"]`, wantErr: parseErr(`01`, `invalid number at line 1 column 2`)},
		{args: `["1."]`, wantErr: parseErr(`1.`, `EOF while parsing a value at line 1 column 2`)},
		{args: `["1.x"]`, wantErr: parseErr(`1.x`, `invalid number at line 1 column 3`)},
		{args: `["1e400"]`, wantErr: parseErr(`1e400`, `number out of range at line 1 column 5`)},
		{args: `["[\n 1e400]"]`, wantErr: parseErr("[\n 1e400]", `number out of range at line 2 column 6`)},
		{args: `["\"abc"]`, wantErr: parseErr(`"abc`, `EOF while parsing a string at line 1 column 4`)},
		{args: `["\"a\u0001\""]`, wantErr: parseErr("\"a\x01\"", `control character (\u0000-\u001F) found while parsing a string at line 1 column 3`)},
		{args: `["\"\\x\""]`, wantErr: parseErr(`"\x"`, `invalid escape at line 1 column 3`)},
		{args: `["\"\\u12x4\""]`, wantErr: parseErr(`"\u12x4"`, `invalid escape at line 1 column 6`)},
		{args: `["\"\\u12x"]`, wantErr: parseErr(`"\u12x`, `EOF while parsing a string at line 1 column 6`)},
		{args: `["\"\\udc00\""]`, wantErr: parseErr(`"\udc00"`, `lone leading surrogate in hex escape at line 1 column 7`)},
		{args: `["\"\\ud800\""]`, wantErr: parseErr(`"\ud800"`, `unexpected end of hex escape at line 1 column 8`)},
		{args: `["\"\\ud800\\n\""]`, wantErr: parseErr(`"\ud800\n"`, `unexpected end of hex escape at line 1 column 9`)},
		{args: `["\"\\ud800\\u0041\""]`, wantErr: parseErr(`"\ud800\u0041"`, `lone leading surrogate in hex escape at line 1 column 13`)},
		{args: `["\n\n  x"]`, wantErr: parseErr("\n\n  x", `expected value at line 3 column 3`)},
	})
}

func TestJSONFunctions(t *testing.T) {
	got := Functions("json")
	want := []string{"obj", "parse", "put", "puts", "stringify"}
	if len(got) != len(want) {
		t.Fatalf("json functions = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("json functions = %v, want %v", got, want)
		}
	}
}

// TestJSONParseDeep checks the depth limit's message: serde_json fails on the 128th nested
// array, at the peek position of its '['.
func TestJSONParseDeep(t *testing.T) {
	text := ""
	for range 128 {
		text += "["
	}
	call, _ := Lookup("json", "parse")
	_, err := call([]value.Value{value.String(text)})
	want := parseErr(text[:maxQuoted]+"…", "recursion limit exceeded at line 1 column 128")
	if err == nil || err.Error() != want {
		t.Fatalf("parse of 128 '[' = %v, want %q", err, want)
	}
}

// TestJSONParseGoesByKind: json.parse picks serde_json's message from the kind and offsets of
// value.Parse's error, never from its wording, so rewording the parser's messages leaves
// json.parse's as they are. One text per kind of error.
func TestJSONParseGoesByKind(t *testing.T) {
	cases := []struct {
		text, serde string
	}{
		{strings.Repeat("[", 128), "recursion limit exceeded at line 1 column 128"},
		{"", "EOF while parsing a value at line 1 column 0"},
		{"[", "EOF while parsing a list at line 1 column 1"},
		{"-", "EOF while parsing a value at line 1 column 1"},
		{`"ab\u00`, "EOF while parsing a string at line 1 column 7"},
		{"[1", "EOF while parsing a list at line 1 column 2"},
		{`{"a":1,`, "EOF while parsing a value at line 1 column 7"},
		{`{"a"`, "EOF while parsing an object at line 1 column 4"},
		{"x", "expected value at line 1 column 1"},
		{"nulx", "expected ident at line 1 column 4"},
		{"01", "invalid number at line 1 column 2"},
		{"[\n 1e400]", "number out of range at line 2 column 6"},
		{"\"a\x01\"", `control character (\u0000-\u001F) found while parsing a string at line 1 column 3`},
		{"\"\xff\"", "invalid unicode code point at line 1 column 2"},
		{`"\x"`, "invalid escape at line 1 column 3"},
		{`"\u12x4"`, "invalid escape at line 1 column 6"},
		{`"\u12x`, "EOF while parsing a string at line 1 column 6"},
		{`"\udc00"`, "lone leading surrogate in hex escape at line 1 column 7"},
		{`"\ud800"`, "unexpected end of hex escape at line 1 column 8"},
		{`"\ud800\u0041"`, "lone leading surrogate in hex escape at line 1 column 13"},
		{"{1:2}", "key must be a string at line 1 column 2"},
		{`{"a" 1}`, "expected `:` at line 1 column 6"},
		{"[1 2]", "expected `,` or `]` at line 1 column 4"},
		{`{"a":1 2}`, "expected `,` or `}` at line 1 column 8"},
		{"[1,]", "trailing comma at line 1 column 4"},
		{"1 2", "trailing characters at line 1 column 3"},
	}
	kinds := map[value.SyntaxErrorKind]bool{}
	for _, c := range cases {
		_, err := value.Parse([]byte(c.text), value.Limits{})
		var se *value.SyntaxError
		if !errors.As(err, &se) {
			t.Fatalf("Parse(%q) = %v, want a *value.SyntaxError", c.text, err)
		}
		kinds[se.Kind] = true
		if got := serdeMessage(c.text, err); got != c.serde {
			t.Errorf("%q: %q, want %q", c.text, got, c.serde)
		}
		reworded := *se
		reworded.Msg = "reworded"
		if got := serdeMessage(c.text, fmt.Errorf("wrapped: %w", &reworded)); got != c.serde {
			t.Errorf("%q reworded (%v): %q, want %q", c.text, se.Kind, got, c.serde)
		}
	}
	for k := value.ErrRecursionLimit; k <= value.ErrTrailingCharacters; k++ {
		if !kinds[k] {
			t.Errorf("no case of %v", k)
		}
	}
}
