package air

import (
	"strings"
	"testing"
)

// TestClassify pins down how single words are read, including the reference's oddities.
func TestClassify(t *testing.T) {
	cases := []struct {
		word string
		kind kind
		vk   VarKind // for tVar
		name string  // for tVar: the name without the lens
		lens string  // canonical lens, "" for none
		err  string  // substring of the error, "" when valid
	}{
		{word: "call", kind: tCall},
		{word: "mismatch", kind: tMismatch},
		{word: "true", kind: tBool},
		{word: "%init_peer_id%", kind: tSpecial},
		{word: ":error:.$.message", kind: tSpecial, lens: ".$.message"},
		{word: "%last_error%.length", kind: tSpecial, lens: ".length"},
		{word: ":error:.$.a!.b", kind: tSpecial, lens: ".$.a!.b"}, // error lenses may flatten mid-path
		{word: "42", kind: tInt},
		{word: "+42", kind: tInt},
		{word: "-9223372036854775808", kind: tInt},
		{word: "9223372036854775808", err: "out of the i64 range"},
		{word: "-", err: "not a valid integer"},
		{word: "1.5", kind: tFloat},
		{word: "1.", kind: tFloat},
		{word: "-1234567.89", kind: tFloat},
		{word: "-12345678.9", kind: tFloat},
		{word: "-123456789.0", err: "at most 11 characters"},
		{word: "+.5", err: "digit before '.'"},
		{word: ".5", err: "cannot start with '.'"},
		{word: "1.5x", err: "is not a number"},
		{word: "1.2.3", err: "is not a number"},
		{word: "12abc", kind: tVar, vk: ScalarVar, name: "12abc"}, // a name may start with digits
		{word: "-x", kind: tVar, vk: ScalarVar, name: "-x"},
		{word: "1e5", kind: tVar, vk: ScalarVar, name: "1e5"},
		{word: "x", kind: tVar, vk: ScalarVar, name: "x"},
		{word: "имя", kind: tVar, vk: ScalarVar, name: "имя"},
		{word: "$s", kind: tVar, vk: StreamVar, name: "$s"},
		{word: "%m", kind: tVar, vk: StreamMapVar, name: "%m"},
		{word: "#c", kind: tVar, vk: CanonStreamVar, name: "#c"},
		{word: "#$c", kind: tVar, vk: CanonStreamVar, name: "#$c"},
		{word: "#%c", kind: tVar, vk: CanonMapVar, name: "#%c"},
		{word: "a%b", kind: tVar, vk: CanonMapVar, name: "a%b"}, // "%" second makes any name a canon map
		{word: "$", err: "needs a name after it"},
		{word: "#$", err: "needs a name after its tags"},
		{word: "$$x", err: "unexpected '$'"},
		{word: "x.$.a.[0].[i]!", kind: tVar, vk: ScalarVar, name: "x", lens: ".$.a.[0].[i]!"},
		{word: "x.$[0]", kind: tVar, vk: ScalarVar, name: "x", lens: ".$.[0]"},
		{word: "x.length", kind: tVar, vk: ScalarVar, name: "x", lens: ".length"},
		{word: "#ss.length", kind: tVar, vk: CanonStreamVar, name: "#ss", lens: ".length"},
		{word: "#s.length", err: "one-character tagged name"},
		{word: "$.a", err: "needs a name before its lens"},
		{word: "x.$", err: "has no steps"},
		{word: "x.$.a!.b", err: "unexpected '!'"},
		{word: "x.$.1", err: "cannot start with a digit"},
		{word: "x.$.[4294967296]", err: "out of the u32 range"},
		{word: "x.y", err: "is not a lens"},
		{word: "x.$.@", err: "unexpected '@'"},
		{word: "x.$.aб", err: "non-ASCII"},
		{word: "x.$.бa", kind: tVar, vk: ScalarVar, name: "x", lens: ".$.бa"},
		{word: "x;y", err: "unexpected ';'"},
	}
	for _, tc := range cases {
		t.Run(tc.word, func(t *testing.T) {
			var errs ErrorList
			var s scanner
			s.init(tc.word, &errs)
			tok := s.next()
			if tc.err != "" {
				if tok.kind != tIllegal || len(errs) != 1 || !strings.Contains(errs[0].Msg, tc.err) {
					t.Fatalf("got %v %v, want an error mentioning %q", tok.kind, errs, tc.err)
				}
				return
			}
			if len(errs) > 0 || tok.kind != tc.kind {
				t.Fatalf("got %v %v, want %v", tok.kind, errs, tc.kind)
			}
			if tok.kind == tVar && (tok.varKind != tc.vk || tok.name != tc.name) {
				t.Fatalf("got %v %q, want %v %q", tok.varKind, tok.name, tc.vk, tc.name)
			}
			var lens string
			if tok.lens != nil {
				lens = tok.lens.String()
			}
			if lens != tc.lens {
				t.Fatalf("lens %q, want %q", lens, tc.lens)
			}
			if next := s.next(); next.kind != tEOF {
				t.Fatalf("the word was split: then %v", next.describe())
			}
		})
	}
}

// TestWordBoundaries: a word ends at whitespace or at a bracket it did not open.
func TestWordBoundaries(t *testing.T) {
	var errs ErrorList
	var s scanner
	s.init("(ap x.$.[0]) [y] \"a b\"\"c\";comment\n z", &errs)
	var got []string
	for tok := s.next(); tok.kind != tEOF; tok = s.next() {
		got = append(got, tok.lit)
	}
	want := []string{"(", "ap", "x.$.[0]", ")", "[", "y", "]", `"a b"`, `"c"`, "z"}
	if strings.Join(got, "|") != strings.Join(want, "|") || len(errs) > 0 {
		t.Fatalf("tokens %q (errors %v), want %q", got, errs, want)
	}
	if len(s.comments) != 1 || s.comments[0].Text != ";comment" || s.comments[0].Pos.Line != 1 {
		t.Fatalf("comments %+v", s.comments)
	}
}
