package aqua

import "testing"

// The texts below are what aqua-api 0.14.6 returned for small files of ours (colours and all),
// including its quirks: a message over several lines, a quote after the message, a heading not
// ended by a newline (so that without the colours its column runs into the next line number),
// and a text with no heading.
func TestParseDiagnostic(t *testing.T) {
	const file = "in.aqua"
	for _, tc := range []struct {
		name, text string
		want       Diagnostic
	}{
		{
			name: "type error over several lines",
			text: "\x1b[36m---- Error: /w/greet.aqua:13:24\x1b[0m\n\x1b[36m13\x1b[0m     res <- Op.identity(\x1b[36mname\x1b[0m)\n" +
				"                          \x1b[36m^^^^=\x1b[0m\n\x1b[36m       Types mismatch.\n       expected:   ?string\n       given:      string\n" +
				"       note: Try converting value to optional\x1b[0m\n",
			want: Diagnostic{File: "/w/greet.aqua", Line: 13, Col: 24, Kind: "Error",
				Msg: "Types mismatch; expected: ?string; given: string; note: Try converting value to optional"},
		},
		{
			name: "syntax error",
			text: "\x1b[31m---- Syntax error: /w/syn.aqua:5:9\x1b[0m\n\x1b[31m5\x1b[0m func f( \x1b[31m-\x1b[0m> string:\n" +
				"          \x1b[31m^=========\x1b[0m\n\x1b[31m   Expected symbol ')'\x1b[0m\n\x1b[0m",
			want: Diagnostic{File: "/w/syn.aqua", Line: 5, Col: 9, Kind: "Syntax error", Msg: "Expected symbol ')'"},
		},
		{
			name: "heading glued to a quote",
			text: "\x1b[31m---- Cannot resolve imports: /w/imp.aqua:3:8\x1b[0m\x1b[31m1\x1b[0m aqua I\n\x1b[31m2\x1b[0m \n" +
				"\x1b[31m3\x1b[0m import \x1b[31m\"nope/missing.aqua\"\x1b[0m\n         \x1b[31m^^^^^^^^^^^^^^^^^^^\x1b[0m\n" +
				"\x1b[31m                     Import 'nope/missing.aqua' could not be resolved, tried: /w/nope/missing.aqua\x1b[0m\n" +
				"\x1b[31m4\x1b[0m import \"./syn.aqua\"\n\x1b[31m5\x1b[0m \n\x1b[31m6\x1b[0m export g\x1b[0m\n",
			want: Diagnostic{File: "/w/imp.aqua", Line: 3, Col: 8, Kind: "Cannot resolve imports",
				Msg: "Import 'nope/missing.aqua' could not be resolved, tried: /w/nope/missing.aqua"},
		},
		{
			name: "header error on an empty line",
			text: "\x1b[36m---- Header error: /w/cb.aqua:1:1\x1b[0m\n\x1b[36m1\x1b[0m \x1b[36m\x1b[0m\n  \x1b[36m^\x1b[0m\n" +
				"\x1b[36m  Missing module header at the top of the file\x1b[0m\n",
			want: Diagnostic{File: "/w/cb.aqua", Line: 1, Col: 1, Kind: "Header error", Msg: "Missing module header at the top of the file"},
		},
		{
			name: "no heading",
			text: "\x1b[31mFile not found: src/none.aqua\x1b[0m",
			want: Diagnostic{File: file, Msg: "File not found: src/none.aqua"},
		},
		{
			name: "a path with a colon in it",
			text: "\x1b[36m---- Error: /w/a:b.aqua:2:3\x1b[0m\n\x1b[36m  Bad\x1b[0m\n",
			want: Diagnostic{File: "/w/a:b.aqua", Line: 2, Col: 3, Kind: "Error", Msg: "Bad"},
		},
		{
			name: "empty",
			text: "",
			want: Diagnostic{File: file, Msg: "(the compiler gave no message)"},
		},
	} {
		if got := parseDiagnostic(tc.text, file); got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

func TestDiagnosticString(t *testing.T) {
	for _, tc := range []struct {
		d    Diagnostic
		want string
	}{
		{Diagnostic{File: "a.aqua", Line: 3, Col: 7, Kind: "Error", Msg: "Bad"}, "a.aqua:3:7: Bad"},
		{Diagnostic{File: "a.aqua", Line: 3, Col: 7, Kind: "Syntax error", Msg: "Expected ')'"}, "a.aqua:3:7: Syntax error: Expected ')'"},
		{Diagnostic{File: "a.aqua", Msg: "File not found"}, "a.aqua: File not found"},
	} {
		if got := tc.d.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.d, got, tc.want)
		}
	}
	err := &CompileError{File: "a.aqua", Diagnostics: []Diagnostic{{File: "a.aqua", Line: 1, Col: 2, Msg: "x"}, {File: "b.aqua", Line: 3, Col: 4, Msg: "y"}}}
	if got, want := err.Error(), "a.aqua:1:2: x\nb.aqua:3:4: y"; got != want {
		t.Errorf("CompileError: %q, want %q", got, want)
	}
}
