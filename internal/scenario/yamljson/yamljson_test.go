package yamljson

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestConvert(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`a: 1`, `{"a":1}`},
		{`{z: 1, a: 2, m: 3}`, `{"z":1,"a":2,"m":3}`}, // document order
		{`[1.0, 1, -0, 1e3, 1.5e-7, 18446744073709551615, 99999999999999999999]`,
			`[1.0,1,-0,1e3,1.5e-7,18446744073709551615,99999999999999999999]`}, // number text kept
		{`[0x1F, 0o17, +5, 1_000, .5, +1.5, 1.]`, `[31,15,5,1000,0.5,1.5,1.0]`}, // YAML-only forms, normalized
		{`[true, false, null, ~, ""]`, `[true,false,null,null,""]`},
		{`s: "a\"b\\c\nd\u0001é"`, `{"s":"a\"b\\c\nd\u0001é"}`},
		{"s: |\n  line one\n  line two\n", `{"s":"line one\nline two\n"}`},
		{`[yes, no, on, "1"]`, `["yes","no","on","1"]`}, // YAML 1.2: strings
		{`2001-12-14: x`, `{"2001-12-14":"x"}`},
		{`{"json": [1, {"nested": null}]}`, `{"json":[1,{"nested":null}]}`},
		{`1: one`, `{"1":"one"}`},
	} {
		got, err := Convert([]byte(tc.in))
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if string(got) != tc.want {
			t.Errorf("%q:\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
}

func TestConvertErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{``, "empty document"},
		{"a: 1\n---\nb: 2\n", "more than one YAML document"},
		{"a: &x 1\nb: *x\n", "anchors"},
		{"a: {b: 1}\nc:\n  <<: {b: 2}\n", "merge keys"},
		{"a: 1\na: 2\n", `duplicate key "a"`},
		{"? [1, 2]\n: x\n", "mapping key must be a scalar"},
		{`a: .nan`, "no JSON form"},
		{`a: -.inf`, "no JSON form"},
		{`a: !!binary aGk=`, "tag !!binary"},
		{`a: !custom x`, "tag !custom"},
		{strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), "nested more than"},
		{"a: [1, 2", "yaml:"},
	} {
		_, err := Convert([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one containing %q", tc.in, err, tc.want)
		}
	}
}

func TestAppendString(t *testing.T) {
	got := string(AppendString(nil, "q\"b\\\b\f\n\r\t\x00\x1f\x7f<>&\u2028é"))
	want := `"q\"b\\\b\f\n\r\t\u0000\u001f` + "\x7f<>&\u2028é" + `"`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func FuzzConvert(f *testing.F) {
	for _, s := range []string{"a: 1", "[1, {b: c}]", "a: &x 1\nb: *x", "{", "- - - -", "? a\n: b"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := Convert(data)
		if err == nil && !json.Valid(out) {
			t.Fatalf("invalid JSON %q", out)
		}
	})
}
